# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""EPCIS 2.0 documents of the traceability: the events of a recall or of
lots, read from the classified move lines, written by ``tools/epcis.py``."""

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import epcis, recall_trace_sql, trace_engine


class StockTraceabilityEpcis(models.AbstractModel):
    _name = "stock.traceability.epcis"
    _description = "EPCIS 2.0 Documents of the Traceability"

    # ------------------------------------------------------------------
    # entry points
    # ------------------------------------------------------------------

    @api.model
    def _get_recall_document(self, recall):
        """The document of every event of a traced recall (its events'
        view, so exactly the lines the trace saw, classified as it did)."""
        # raw SQL over several tables (lines, moves, transfers, locations)
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT move_line_id AS id, event_type, date, lot_id, partner_id
                  FROM stock_recall_event
                 WHERE recall_id = %s
                 ORDER BY date, id
                """,
                recall.id,
            )
        )
        return self._get_document(rows)

    @api.model
    def _get_lots_document(self, lots):
        """The document of the whole history of ``lots``: every event of
        their done lines in the companies the user may see."""
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT e.id, e.event_type, e.date, e.lot_id, e.partner_id
                  FROM (%s) e
                 ORDER BY e.date, e.id
                """,
                recall_trace_sql.event_lines_query(
                    trace_engine.done_lines_sql(lots.ids, self.env.companies.ids)
                ),
            )
        )
        return self._get_document(rows)

    # ------------------------------------------------------------------
    # rows of events
    # ------------------------------------------------------------------

    @api.model
    def _get_document(self, rows):
        company = self.env.company
        return epcis.document(
            self._get_event_rows(rows),
            fields.Datetime.now(),
            sender=self._party_uri(company.partner_id),
        )

    @api.model
    def _get_event_rows(self, rows):
        """:class:`~.epcis.EventRow` of each classified line (dicts with
        ``id``, ``event_type``, ``date``, ``lot_id``, ``partner_id``).
        Reads the lines and what they point at in batches (prefetch), not
        per row."""
        lines = self.env["stock.move.line"].browse([row["id"] for row in rows])
        lots = self.env["stock.lot"].browse([row["lot_id"] for row in rows])
        partners = self.env["res.partner"].browse(
            [row["partner_id"] for row in rows if row["partner_id"]]
        )
        # prefetch the records read below, in batches
        lines.mapped("move_id.picking_id.picking_type_id")
        lines.mapped("product_uom_id")
        lots.mapped("product_id.barcode")
        partners.mapped("barcode")
        quarantine = set(
            self.env["stock.warehouse"]
            .sudo()
            .search([])
            .mapped("quarantine_location_id")
            .ids
        )
        tz = pytz.timezone(self.env.user.tz or "UTC")
        uom_codes = self._get_uom_codes(lines.product_uom_id)
        out = []
        for row in rows:
            line = lines.browse(row["id"])
            lot = lots.browse(row["lot_id"])
            partner = partners.browse(row["partner_id"] or [])
            event_type = row["event_type"]
            if event_type == "internal" and line.location_dest_id.id in quarantine:
                event_type = "quarantine"
            out.append(
                self._get_event_row(
                    line, lot, partner, event_type, row["date"], tz, uom_codes
                )
            )
        return out

    @api.model
    def _get_event_row(self, line, lot, partner, event_type, date, tz, uom_codes):
        incoming = event_type in ("receiving", "customer_return", "production")
        here = line.location_dest_id if incoming else line.location_id
        company_party = self._party_uri(line.company_id.partner_id)
        row = epcis.EventRow(
            key=f"{line.id}-{event_type}",
            event_type=event_type,
            date=date,
            offset=epcis.time_offset(
                pytz.utc.localize(date).astimezone(tz).utcoffset().total_seconds() // 60
            ),
            epc=self._lot_uri(lot),
            serial=lot.product_id.tracking == "serial",
            quantity=0.0,
            uom_code="",
            read_point=self._location_uri(here),
            transactions=self._get_transactions(line),
        )
        if event_type not in ("shipping", "vendor_return"):
            row.biz_location = row.read_point
        if partner and event_type in ("shipping", "vendor_return"):
            row.sources = [("owning_party", company_party)]
            row.destinations = [("owning_party", self._party_uri(partner))]
        elif partner and event_type in ("receiving", "customer_return"):
            row.sources = [("owning_party", self._party_uri(partner))]
            row.destinations = [("owning_party", company_party)]
        code, unit = uom_codes[line.product_uom_id.id]
        row.uom_code = code
        row.quantity = line.product_uom_id._compute_quantity(
            line.quantity, unit, round=False
        )
        document, kind = self._get_transformation(line)
        row.transformation, row.transformation_kind = document, kind
        return row

    @api.model
    def _get_transformation(self, line):
        """The document (URI) and kind of the transformation a consumed or
        produced line belongs to: its manufacturing order, unbuild or
        repair where those apps are installed, else its move."""
        move = line.move_id
        for field_name, kind in (
            ("production_id", "production"),
            ("raw_material_production_id", "production"),
            ("unbuild_id", "unbuild"),
            ("consume_unbuild_id", "unbuild"),
            ("repair_id", "repair"),
        ):
            if field_name in move._fields and move[field_name]:
                record = move[field_name]
                return self._document_uri(record), kind
        return self._document_uri(move) if move else "", "production"

    @api.model
    def _get_transactions(self, line):
        """``bizTransactionList`` of a line: its transfer (despatch or
        receiving advice), the sale or purchase order and the
        manufacturing order behind its move."""
        out = []
        picking = line.picking_id
        if picking:
            kind = {"outgoing": "desadv", "incoming": "recadv"}.get(
                picking.picking_type_id.code, "bol"
            )
            out.append((kind, self._document_uri(picking)))
        move = line.move_id
        for field_name, kind in (
            ("sale_line_id", "po"),
            ("purchase_line_id", "po"),
        ):
            if field_name in move._fields and move[field_name]:
                out.append((kind, self._document_uri(move[field_name].order_id)))
        for field_name in ("production_id", "raw_material_production_id"):
            if field_name in move._fields and move[field_name]:
                out.append(("prodorder", self._document_uri(move[field_name])))
        return out

    # ------------------------------------------------------------------
    # identifiers
    # ------------------------------------------------------------------

    def _base_url(self):
        return self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")

    @api.model
    def _lot_uri(self, lot):
        product = lot.product_id
        return epcis.product_epc(
            self._base_url(),
            epcis.gtin14(product.barcode),
            product.id,
            lot.name,
            product.tracking == "serial",
        )

    @api.model
    def _location_uri(self, location):
        partner = location.warehouse_id.partner_id
        return epcis.location_uri(
            self._base_url(), epcis.gln(partner.barcode), location.id
        )

    @api.model
    def _party_uri(self, partner):
        return epcis.party_uri(self._base_url(), epcis.gln(partner.barcode), partner.id)

    @api.model
    def _document_uri(self, record):
        return epcis.document_uri(self._base_url(), record._name, record.id)

    @api.model
    def _get_uom_codes(self, uoms):
        """``{unit id: (UN/CEFACT code, unit the quantity is written in)}``:
        the unit's own code (from its xml id), else the first unit with a
        code among the units it is defined from (a pack of 6 is written in
        units), else "EA" for a unit of the user's own."""
        chain = uoms
        for _depth in range(5):
            chain |= chain.relative_uom_id
        xmlids = chain._get_external_ids()
        own = {
            uom.id: next(
                (
                    epcis.UOM_CODES[x]
                    for x in xmlids.get(uom.id, [])
                    if x in epcis.UOM_CODES
                ),
                "",
            )
            for uom in chain
        }
        codes = {}
        for uom in uoms:
            unit = uom
            while unit and not own.get(unit.id):
                unit = unit.relative_uom_id
            codes[uom.id] = (own[unit.id], unit) if unit else ("EA", uom)
        return codes

    @api.model
    def _get_uoms_by_code(self):
        """Odoo unit of each UN/CEFACT code this add-on writes."""
        out = {}
        for xmlid, code in epcis.UOM_CODES.items():
            uom = self.env.ref(xmlid, raise_if_not_found=False)
            if uom and code not in out:
                out[code] = uom
        return out
