# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""EPCIS 2.0 documents of the traceability: the events of a recall or of
lots, read from the classified move lines, written by ``tools/epcis.py``."""

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import epcis, recall_trace_sql, trace_engine

# Event types whose place is the destination of the line (the others: its
# source), and those that leave for or come from another party.
SIDE_IN = ("receiving", "customer_return", "production", "subcontract_receiving")
SHIPPING = ("shipping", "vendor_return", "subcontract_shipping")
RECEIVING = ("receiving", "customer_return", "subcontract_receiving")


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
                    trace_engine.done_lines_sql(lots.ids, self.env.companies.ids),
                    subcontract_locations=recall_trace_sql.subcontract_locations_sql(
                        self.env["stock.location"]._get_subcontracting_location_ids()
                    ),
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
        What the rows point at is read once per record in batches
        (:meth:`_get_row_context`); the loop only looks it up."""
        ctx = self._get_row_context(rows)
        return [self._get_event_row(row, ctx) for row in rows]

    @api.model
    def _get_row_context(self, rows):
        """Everything the rows need, keyed by id: the lines' columns (one
        query), the URIs of their lots, locations, parties and documents,
        the unit codes, the quarantine locations and the time zone."""
        line_ids = list({row["id"] for row in rows})
        lines = {
            line["id"]: line
            for line in self.env.execute_query_dict(
                SQL(
                    """
                    SELECT id, location_id, location_dest_id, company_id,
                           product_uom_id, quantity, move_id, picking_id
                      FROM stock_move_line
                     WHERE id = ANY(%s)
                    """,
                    line_ids,
                )
            )
        }
        values = lines.values()
        lots = self.env["stock.lot"].browse({row["lot_id"] for row in rows})
        locations = self.env["stock.location"].browse(
            {line["location_id"] for line in values}
            | {line["location_dest_id"] for line in values}
        )
        companies = self.env["res.company"].browse(
            {line["company_id"] for line in values}
        )
        partners = (
            self.env["res.partner"].browse(
                {row["partner_id"] for row in rows if row["partner_id"]}
            )
            | companies.partner_id
        )
        moves = self.env["stock.move"].browse(
            {line["move_id"] for line in values if line["move_id"]}
        )
        pickings = self.env["stock.picking"].browse(
            {line["picking_id"] for line in values if line["picking_id"]}
        )
        uoms = self.env["uom.uom"].browse({line["product_uom_id"] for line in values})
        warehouses = self.env["stock.warehouse"].sudo().search([])
        return {
            "lines": lines,
            "lot_uri": {lot.id: self._lot_uri(lot) for lot in lots},
            "serial": {lot.id: lot.product_id.tracking == "serial" for lot in lots},
            "location_uri": {loc.id: self._location_uri(loc) for loc in locations},
            "party_uri": {p.id: self._party_uri(p) for p in partners},
            "company_partner": {c.id: c.partner_id.id for c in companies},
            "move": {move.id: self._get_move_links(move) for move in moves},
            "picking": {p.id: self._get_picking_link(p) for p in pickings},
            "uom": self._get_uom_codes(uoms),
            "quarantine": set(warehouses.quarantine_location_id.ids),
            "tz": pytz.timezone(self.env.user.tz or "UTC"),
        }

    @api.model
    def _get_event_row(self, row, ctx):
        line = ctx["lines"][row["id"]]
        event_type = row["event_type"]
        if event_type == "internal" and line["location_dest_id"] in ctx["quarantine"]:
            event_type = "quarantine"
        incoming = event_type in SIDE_IN
        here = line["location_dest_id"] if incoming else line["location_id"]
        date = row["date"]
        offset = pytz.utc.localize(date).astimezone(ctx["tz"]).utcoffset()
        code, unit_quantity = ctx["uom"][line["product_uom_id"]]
        document, kind, transactions = ctx["move"].get(line["move_id"], ("", "", []))
        picking = ctx["picking"].get(line["picking_id"])
        event = epcis.EventRow(
            key=f"{line['id']}-{event_type}",
            event_type=event_type,
            date=date,
            offset=epcis.time_offset(offset.total_seconds() // 60),
            epc=ctx["lot_uri"][row["lot_id"]],
            serial=ctx["serial"][row["lot_id"]],
            quantity=unit_quantity(line["quantity"]),
            uom_code=code,
            read_point=ctx["location_uri"][here],
            transactions=([picking] if picking else []) + transactions,
            transformation=document,
            transformation_kind=kind or "production",
        )
        if event_type not in SHIPPING:
            event.biz_location = event.read_point
        company = ctx["party_uri"][ctx["company_partner"][line["company_id"]]]
        partner = ctx["party_uri"].get(row["partner_id"])
        if partner and event_type in SHIPPING:
            event.sources = [("owning_party", company)]
            event.destinations = [("owning_party", partner)]
        elif partner and event_type in RECEIVING:
            event.sources = [("owning_party", partner)]
            event.destinations = [("owning_party", company)]
        return event

    @api.model
    def _get_move_links(self, move):
        """``(document, kind, transactions)`` of a move: the transformation
        it belongs to (its manufacturing order, unbuild or repair where
        those apps are installed, else the move itself) and the orders
        behind it (``bizTransactionList``: sale or purchase order ``po``,
        manufacturing order ``prodorder``)."""
        document, kind = self._document_uri(move), "production"
        for field_name, field_kind in (
            ("production_id", "production"),
            ("raw_material_production_id", "production"),
            ("unbuild_id", "unbuild"),
            ("consume_unbuild_id", "unbuild"),
            ("repair_id", "repair"),
        ):
            if field_name in move._fields and move[field_name]:
                document, kind = self._document_uri(move[field_name]), field_kind
                break
        transactions = []
        for field_name in ("sale_line_id", "purchase_line_id"):
            if field_name in move._fields and move[field_name]:
                order = move[field_name].order_id
                transactions.append(("po", self._document_uri(order)))
        for field_name in ("production_id", "raw_material_production_id"):
            if field_name in move._fields and move[field_name]:
                transactions.append(("prodorder", self._document_uri(move[field_name])))
        return document, kind, transactions

    @api.model
    def _get_picking_link(self, picking):
        """The transfer as a business transaction: despatch advice for a
        delivery, receiving advice for a receipt, bill of lading otherwise."""
        kind = {"outgoing": "desadv", "incoming": "recadv"}.get(
            picking.picking_type_id.code, "bol"
        )
        return kind, self._document_uri(picking)

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
        """``{unit id: (UN/CEFACT code, quantity converter)}``: the unit's
        own code (from its xml id), else the first unit with a code among
        the units it is defined from (a pack of 6 is written in units), else
        "EA" for a unit of the user's own."""
        chain = uoms
        for _depth in range(5):
            chain |= chain.relative_uom_id
        xmlids = chain._get_external_ids()
        own = {
            uom.id: next(
                (
                    epcis.UOM_CODES[xmlid]
                    for xmlid in xmlids.get(uom.id, [])
                    if xmlid in epcis.UOM_CODES
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
            if not unit:
                codes[uom.id] = ("EA", float)
            elif unit == uom:
                codes[uom.id] = (own[uom.id], float)
            else:
                codes[uom.id] = (
                    own[unit.id],
                    lambda qty, uom=uom, unit=unit: uom._compute_quantity(
                        qty, unit, round=False
                    ),
                )
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
