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
# Fields of stock.move naming the transformation document a move belongs to
# (the first one set wins), where the app that adds them is installed
MOVE_DOCUMENTS = (
    ("production_id", "production"),
    ("raw_material_production_id", "production"),
    ("unbuild_id", "unbuild"),
    ("consume_unbuild_id", "unbuild"),
    ("repair_id", "repair"),
)
# ... and those that are also a manufacturing order transaction (prodorder)
PRODUCTION_FIELDS = ("production_id", "raw_material_production_id")


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
        """Everything the rows need, keyed by id: the lines' columns, the
        URIs of their lots, locations, parties and documents, the unit
        codes, the quarantine locations and the time zone. Read in one
        query per table (a recall has tens of thousands of lines: field
        access record by record would be most of the export's time)."""
        base = self._base_url()
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
        lots = self._get_lots_info(list({row["lot_id"] for row in rows}), base)
        locations = self.env["stock.location"].browse(
            {line["location_id"] for line in values}
            | {line["location_dest_id"] for line in values}
        )
        companies = self.env["res.company"].browse(
            {line["company_id"] for line in values}
        )
        partner_ids = {row["partner_id"] for row in rows if row["partner_id"]}
        uoms = self.env["uom.uom"].browse({line["product_uom_id"] for line in values})
        warehouses = self.env["stock.warehouse"].sudo().search([])
        return {
            "lines": lines,
            "lot_uri": {lot_id: uri for lot_id, (uri, _serial) in lots.items()},
            "serial": {lot_id: serial for lot_id, (_uri, serial) in lots.items()},
            "location_uri": {
                loc.id: self._location_uri(loc, base) for loc in locations
            },
            "party_uri": self._get_party_uris(
                list(partner_ids | set(companies.partner_id.ids)), base
            ),
            "company_partner": {c.id: c.partner_id.id for c in companies},
            "move": self._get_moves_links(
                list({line["move_id"] for line in values if line["move_id"]}), base
            ),
            "picking": self._get_pickings_links(
                list({line["picking_id"] for line in values if line["picking_id"]}),
                base,
            ),
            "uom": self._get_uom_codes(uoms),
            "quarantine": set(warehouses.quarantine_location_id.ids),
            "tz": pytz.timezone(self.env.user.tz or "UTC"),
        }

    @api.model
    def _get_lots_info(self, lot_ids, base):
        """``{lot id: (URI, is a serial)}``."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lot.id, lot.name, lot.product_id, product.barcode,
                       template.tracking = 'serial'
                  FROM stock_lot lot
                  JOIN product_product product ON product.id = lot.product_id
                  JOIN product_template template
                       ON template.id = product.product_tmpl_id
                 WHERE lot.id = ANY(%s)
                """,
                lot_ids,
            )
        )
        return {
            lot_id: (
                epcis.product_epc(base, epcis.gtin14(barcode), product, name, serial),
                serial,
            )
            for lot_id, name, product, barcode, serial in rows
        }

    @api.model
    def _get_party_uris(self, partner_ids, base):
        rows = self.env.execute_query(
            SQL("SELECT id, barcode FROM res_partner WHERE id = ANY(%s)", partner_ids)
        )
        return {
            partner_id: epcis.party_uri(base, epcis.gln(barcode), partner_id)
            for partner_id, barcode in rows
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
    def _get_moves_links(self, move_ids, base):
        """``{move id: (document, kind, transactions)}``: the transformation
        a move belongs to (its manufacturing order, unbuild or repair where
        those apps are installed, else the move itself) and the orders
        behind it (``bizTransactionList``: sale or purchase order ``po``,
        manufacturing order ``prodorder``)."""
        Move = self.env["stock.move"]
        documents = [
            (name, kind, Move._fields[name].comodel_name)
            for name, kind in MOVE_DOCUMENTS
            if name in Move._fields
        ]
        orders = [
            (name, self.env[Move._fields[name].comodel_name])
            for name in ("sale_line_id", "purchase_line_id")
            if name in Move._fields
        ]
        columns = [SQL("move.id")]
        columns += [SQL("move.%s", SQL.identifier(name)) for name, _k, _m in documents]
        joins = []
        for name, line_model in orders:
            alias = SQL.identifier(f"{name}_line")
            columns.append(SQL("%s.order_id", alias))
            joins.append(
                SQL(
                    "LEFT JOIN %s AS %s ON %s.id = move.%s",
                    SQL.identifier(line_model._table),
                    alias,
                    alias,
                    SQL.identifier(name),
                )
            )
        rows = self.env.execute_query(
            SQL(
                "SELECT %s FROM stock_move move %s WHERE move.id = ANY(%s)",
                SQL(", ").join(columns),
                SQL(" ").join(joins),
                move_ids,
            )
        )
        links = {}
        for move_id, *values in rows:
            refs, order_ids = values[: len(documents)], values[len(documents) :]
            found = [
                (epcis.document_uri(base, model, ref), kind)
                for (_name, kind, model), ref in zip(documents, refs, strict=True)
                if ref
            ]
            document, kind = (
                found[0]
                if found
                else (epcis.document_uri(base, "stock.move", move_id), "production")
            )
            transactions = [
                ("prodorder", epcis.document_uri(base, model, ref))
                for (name, _kind, model), ref in zip(documents, refs, strict=True)
                if ref and name in PRODUCTION_FIELDS
            ]
            transactions += [
                (
                    "po",
                    epcis.document_uri(
                        base, line_model._fields["order_id"].comodel_name, order_id
                    ),
                )
                for (_name, line_model), order_id in zip(orders, order_ids, strict=True)
                if order_id
            ]
            links[move_id] = (document, kind, transactions)
        return links

    @api.model
    def _get_pickings_links(self, picking_ids, base):
        """``{transfer id: (type, URI)}``: the transfer as a business
        transaction, despatch advice for a delivery, receiving advice for a
        receipt, bill of lading otherwise."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT picking.id, picking_type.code
                  FROM stock_picking picking
                  JOIN stock_picking_type picking_type
                       ON picking_type.id = picking.picking_type_id
                 WHERE picking.id = ANY(%s)
                """,
                picking_ids,
            )
        )
        return {
            picking_id: (
                {"outgoing": "desadv", "incoming": "recadv"}.get(code, "bol"),
                epcis.document_uri(base, "stock.picking", picking_id),
            )
            for picking_id, code in rows
        }

    # ------------------------------------------------------------------
    # identifiers
    # ------------------------------------------------------------------

    def _base_url(self):
        return self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")

    @api.model
    def _lot_uri(self, lot):
        """The URI of one lot (:meth:`_get_lots_info` for many)."""
        self.env.flush_all()  # read in SQL
        return self._get_lots_info(lot.ids, self._base_url())[lot.id][0]

    @api.model
    def _location_uri(self, location, base):
        partner = location.warehouse_id.partner_id
        return epcis.location_uri(base, epcis.gln(partner.barcode), location.id)

    @api.model
    def _party_uri(self, partner):
        """The URI of one party (:meth:`_get_party_uris` for many)."""
        self.env.flush_all()  # read in SQL
        return self._get_party_uris(partner.ids, self._base_url())[partner.id]

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
