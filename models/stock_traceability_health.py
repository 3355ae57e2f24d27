# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import SQL

from ..tools import lot_merge, quantity_format, trace_engine, traceability_invariants

FINDING_CATEGORIES = [
    ("unique_key_conflict", "Lots/serials sharing a name (uniqueness not enforced)"),
    ("untracked_stock", "Tracked product with untracked stock"),
    ("serial_duplicate", "Serial with more than one unit or in two places"),
    ("negative_lot", "Negative lot/serial quantity"),
    ("no_incoming", "Lot/serial with no incoming history"),
    ("expired_saleable", "Expired lot in saleable stock"),
    ("blocked_saleable", "Blocked lot in saleable stock"),
    ("create_new_outgoing", "Create New enabled on an outgoing operation type"),
    ("unclassified_line", "Done move the recall cannot classify"),
    ("missing_consume_links", "Manufacturing order without lot links"),
    ("unbalanced_lot", "Lot whose mass balance does not close"),
]


class StockTraceabilityHealth(models.TransientModel):
    """Findings of the traceability health check, one record per finding.

    ``_collect_findings()`` computes them set-based, one SQL query per kind
    of finding; ``action_open()`` stores them for the list view.
    """

    _name = "stock.traceability.health"
    _description = "Traceability Health Check Finding"
    _order = "sequence, category, product_id, lot_id, id"

    sequence = fields.Integer()
    category = fields.Selection(FINDING_CATEGORIES, required=True, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", readonly=True)
    lot_ids = fields.Many2many(
        "stock.lot",
        "stock_traceability_health_lot_rel",
        "finding_id",
        "lot_id",
        string="Lots/Serials",
        readonly=True,
        help="The lots of a group sharing a name in their uniqueness scope.",
    )
    location_id = fields.Many2one("stock.location", readonly=True)
    picking_type_id = fields.Many2one(
        "stock.picking.type", string="Operation Type", readonly=True
    )
    # no sum in the list's group rows: the findings have different units
    quantity = fields.Float(digits="Product Unit", readonly=True, aggregator=False)
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    description = fields.Char(readonly=True)
    document = fields.Char(readonly=True, help="The document the finding comes from.")
    res_model = fields.Char(readonly=True)
    res_id = fields.Integer(readonly=True)
    fix_label = fields.Char(compute="_compute_fix_label", string="Fix")

    @api.depends("category")
    def _compute_fix_label(self):
        labels = {
            "untracked_stock": self.env._("Assign lots/serials"),
            "create_new_outgoing": self.env._("Open operation type"),
            "unclassified_line": self.env._("Open the move"),
            "missing_consume_links": self.env._("Open manufacturing order"),
            "unique_key_conflict": self.env._("Rename or merge"),
        }
        for finding in self:
            finding.fix_label = labels.get(
                finding.category, self.env._("Open lot/serial")
            )

    def _format_qty(self, finding):
        """The finding's quantity with its product's unit."""
        product = self.env["product.product"].browse(finding["product_id"])
        return quantity_format.format_quantity(
            self.env, float(finding["quantity"]), product.uom_id
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def action_open(self):
        """Run the check and show its findings (menu entry)."""
        self.search([("create_uid", "=", self.env.uid)]).unlink()
        findings = self.create(self._collect_findings())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_lot_traceability.stock_traceability_health_action"
        )
        action["domain"] = [("id", "in", findings.ids)]
        return action

    @api.model
    @api.readonly
    def get_findings(self):
        """The findings without storing them, for RPC clients (a replica
        serves them): dicts of this model's fields, relations as ids."""
        findings = self._collect_findings()
        for finding in findings:
            if "lot_ids" in finding:
                finding["lot_ids"] = list(finding["lot_ids"][0][2])
        return findings

    def action_fix(self):
        """Open what fixes this finding: the wizard, the lot or the type."""
        self.ensure_one()
        if self.category == "untracked_stock":
            return self.env["stock.lot.assign"]._get_action_for_products(
                self.product_id
            )
        if self.category == "unique_key_conflict":
            return self.lot_ids.action_open_deduplicate_wizard()
        if self.res_model and self.res_id:
            record = self.env[self.res_model].browse(self.res_id)
        elif self.category == "create_new_outgoing":
            record = self.picking_type_id
        else:
            record = self.lot_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Findings, set-based
    # ------------------------------------------------------------------

    @api.model
    def _collect_findings(self):
        """Return the findings as a list of dicts (fields of this model),
        for the allowed companies; one query per kind of finding."""
        for model in (
            "stock.quant",
            "stock.move",
            "stock.lot",
            "stock.move.line",
            "stock.picking.type",
            "stock.location",
            "product.template",
            "stock.lot.assign.run.line",
        ):
            self.env[model].flush_model()
        finders = self._get_finding_methods()
        findings = []
        for sequence, (category, _label) in enumerate(FINDING_CATEGORIES):
            for finding in finders[category]():
                finding.setdefault("category", category)
                finding["sequence"] = sequence
                findings.append(finding)
        return findings

    def _get_finding_methods(self):
        """``{category: method}``: the method that returns the findings of
        each category of ``FINDING_CATEGORIES``. Extend it (call ``super()``)
        along with the selection to add a category."""
        return {
            "unique_key_conflict": self._find_unique_key_conflict,
            "untracked_stock": self._find_untracked_stock,
            "serial_duplicate": self._find_serial_duplicate,
            "negative_lot": self._find_negative_lot,
            "no_incoming": self._find_no_incoming,
            "expired_saleable": self._find_expired_saleable,
            "blocked_saleable": self._find_blocked_saleable,
            "create_new_outgoing": self._find_create_new_outgoing,
            "unclassified_line": self._find_unclassified_line,
            "missing_consume_links": self._find_missing_consume_links,
            "unbalanced_lot": self._find_unbalanced_lot,
        }

    def _query(self, query, keys):
        return [
            dict(zip(keys, row, strict=True)) for row in self.env.execute_query(query)
        ]

    def _find_untracked_stock(self):
        findings = self._query(
            SQL(
                """
                SELECT q.company_id, q.product_id, SUM(q.quantity)
                  %s
                 GROUP BY q.company_id, q.product_id
                HAVING SUM(q.quantity) > 0
                """,
                self.env["product.product"]._untracked_quants_sql(),
            ),
            ("company_id", "product_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s on hand without lot/serial number",
                qty=self._format_qty(finding),
            )
        return findings

    def _find_serial_duplicate(self):
        findings = self._query(
            traceability_invariants.serial_over_one_unit(self.env.companies.ids),
            ("company_id", "product_id", "lot_id", "quantity", "locations"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s on hand in %(count)s location(s)",
                qty=self._format_qty(finding),
                count=finding.pop("locations"),
            )
        return findings

    def _find_negative_lot(self):
        findings = self._query(
            traceability_invariants.negative_lot(self.env.companies.ids),
            ("company_id", "product_id", "lot_id", "location_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s on hand: taken from a location where it was not",
                qty=self._format_qty(finding),
            )
        return findings

    def _find_no_incoming(self):
        findings = self._query(
            traceability_invariants.lot_without_incoming(self.env.companies.ids),
            ("company_id", "product_id", "lot_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s on hand but no done move brought it in",
                qty=self._format_qty(finding),
            )
        return findings

    def _saleable_lot_query(self, condition):
        return SQL(
            """
            SELECT q.company_id, q.product_id, q.lot_id, q.location_id,
                   SUM(q.quantity)
              FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
                   AND l.usage = 'internal'
                   AND l.is_quarantine IS NOT TRUE
              JOIN stock_lot lot ON lot.id = q.lot_id
             WHERE q.quantity > 0
               AND q.company_id = ANY(%(companies)s)
               AND %(condition)s
             GROUP BY q.company_id, q.product_id, q.lot_id, q.location_id
            """,
            companies=self.env.companies.ids,
            condition=condition,
        )

    def _find_expired_saleable(self):
        findings = self._query(
            self._saleable_lot_query(
                SQL(
                    "lot.expiration_date <= %s AND lot.is_blocked IS NOT TRUE",
                    fields.Datetime.now(),
                )
            ),
            ("company_id", "product_id", "lot_id", "location_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s expired in saleable stock",
                qty=self._format_qty(finding),
            )
        return findings

    def _find_blocked_saleable(self):
        findings = self._query(
            self._saleable_lot_query(SQL("lot.is_blocked IS TRUE")),
            ("company_id", "product_id", "lot_id", "location_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s blocked outside quarantine",
                qty=self._format_qty(finding),
            )
        return findings

    def _find_create_new_outgoing(self):
        findings = self._query(
            SQL(
                """
                SELECT company_id, id
                  FROM stock_picking_type
                 WHERE code = 'outgoing'
                   AND use_create_lots IS TRUE
                   AND active IS TRUE
                   AND company_id = ANY(%(companies)s)
                """,
                companies=self.env.companies.ids,
            ),
            ("company_id", "picking_type_id"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "Deliveries of this type can create lots/serials out of nothing"
            )
        return findings

    def _find_unclassified_line(self):
        """Done lines of lots between locations the event classification does
        not know: the recall would count them nowhere. Only a line that
        touches a location of another kind than those the classification
        names can be one, so the lines are found through those locations'
        indexes, then classified."""
        findings = self._query(
            SQL(
                """
                SELECT ml.company_id, ml.product_id, ml.lot_id, ml.location_id,
                       ml.quantity_product_uom, m.reference, 'stock.move', ml.move_id
                  FROM stock_location odd
                  JOIN stock_move_line ml
                    ON odd.id IN (ml.location_id, ml.location_dest_id)
                  LEFT JOIN stock_move m ON m.id = ml.move_id
                  JOIN stock_location src_loc ON src_loc.id = ml.location_id
                  JOIN stock_location dst_loc ON dst_loc.id = ml.location_dest_id
                 WHERE odd.usage NOT IN (%(usages)s)
                   AND ml.state = 'done' AND ml.lot_id IS NOT NULL
                   AND ml.company_id = ANY(%(companies)s)
                   AND 'unclassified' = ANY(%(event_types)s)
                """,
                companies=self.env.companies.ids,
                event_types=trace_engine.event_types_sql(
                    SQL(
                        "%s::int[]",
                        self.env["stock.location"]._get_subcontracting_location_ids(),
                    )
                ),
                usages=SQL(", ").join(map(SQL, trace_engine.CLASSIFIED_USAGES)),
            ),
            (
                "company_id",
                "product_id",
                "lot_id",
                "location_id",
                "quantity",
                "document",
                "res_model",
                "res_id",
            ),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "Moved between locations of a kind the recall does not know: "
                "it is counted in no mass balance"
            )
        return findings

    def _find_missing_consume_links(self):
        """Done manufacturing orders that consumed lots and made a lot but
        linked none of them: the trace cannot cross them (needs mrp)."""
        if "raw_material_production_id" not in self.env["stock.move"]._fields:
            return []
        self.env["mrp.production"].flush_model(["state", "name"])
        findings = self._query(
            SQL(
                """
                SELECT mo.company_id, mo.product_id, mo.name, 'mrp.production', mo.id
                  FROM mrp_production mo
                 WHERE mo.state = 'done'
                   AND mo.company_id = ANY(%(companies)s)
                   AND EXISTS (
                       SELECT 1 FROM stock_move m
                         JOIN stock_move_line ml ON ml.move_id = m.id
                        WHERE m.raw_material_production_id = mo.id
                          AND ml.state = 'done' AND ml.lot_id IS NOT NULL)
                   AND EXISTS (
                       SELECT 1 FROM stock_move m
                         JOIN stock_move_line ml ON ml.move_id = m.id
                        WHERE m.production_id = mo.id
                          AND ml.state = 'done' AND ml.lot_id IS NOT NULL)
                   AND NOT EXISTS (
                       SELECT 1 FROM stock_move m
                         JOIN stock_move_line ml ON ml.move_id = m.id
                         JOIN stock_move_line_consume_rel rel
                           ON rel.consume_line_id = ml.id
                        WHERE m.production_id = mo.id)
                """,
                companies=self.env.companies.ids,
            ),
            ("company_id", "product_id", "document", "res_model", "res_id"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "Consumed lots and made a lot, but no link between them: a "
                "recall cannot follow the lots through this order"
            )
        return findings

    def _find_unbalanced_lot(self):
        """Lots whose mass balance, as a recall computes it, does not close."""
        findings = self._query(
            SQL(
                """
                WITH grouped AS MATERIALIZED (
                    -- one row per lot, route, scrap and assignment: the
                    -- locations and the classification are then read once
                    -- per group, not once per line
                    SELECT ml.lot_id, ml.location_id, ml.location_dest_id,
                           ml.move_id IN (SELECT sm.id FROM stock_move sm
                                           WHERE sm.scrap_id IS NOT NULL)
                               AS is_scrap,
                           ml.id IN (SELECT arl.move_line_id
                                       FROM stock_lot_assign_run_line arl)
                               AS is_retroactive,
                           SUM(ml.quantity_product_uom) AS qty
                      FROM stock_move_line ml
                     WHERE ml.state = 'done' AND ml.lot_id IS NOT NULL
                       AND ml.company_id = ANY(%(companies)s)
                     -- routes first: no index gives this order, so PostgreSQL
                     -- reads the table in one pass instead of by lot
                     GROUP BY 2, 3, 1, 4, 5
                ), lines AS (
                    SELECT g.lot_id, g.qty, dst_loc.usage AS dst_usage,
                           g.is_retroactive, ev.event_type
                      FROM grouped g
                      JOIN stock_location src_loc ON src_loc.id = g.location_id
                      JOIN stock_location dst_loc ON dst_loc.id = g.location_dest_id
                     CROSS JOIN LATERAL (
                           SELECT CASE WHEN g.is_scrap THEN 1 END) AS m(scrap_id)
                     CROSS JOIN LATERAL unnest(
                           CASE WHEN g.is_retroactive THEN ARRAY['assignment']
                                ELSE %(event_types)s END) AS ev(event_type)
                ), ev AS (%(event_totals)s),
                st AS (
                    SELECT q.lot_id,
                           SUM(q.quantity) FILTER (WHERE loc.usage = 'internal')
                               AS on_hand,
                           SUM(q.quantity) FILTER (
                               WHERE loc.usage = 'transit'
                                 AND loc.company_id IS NOT NULL) AS in_transit
                      FROM stock_quant q
                      JOIN stock_location loc ON loc.id = q.location_id
                       AND loc.usage IN ('internal', 'transit')
                     WHERE q.lot_id IS NOT NULL
                     GROUP BY q.lot_id
                ), bal AS (
                    SELECT COALESCE(ev.lot_id, st.lot_id) AS lot_id,
                           COALESCE(received, 0) AS received,
                           COALESCE(produced, 0) AS produced,
                           COALESCE(found, 0) AS found,
                           COALESCE(adjusted, 0) AS adjusted,
                           COALESCE(shipped, 0) AS shipped,
                           COALESCE(returned, 0) AS returned,
                           COALESCE(vendor_returned, 0) AS vendor_returned,
                           COALESCE(consumed, 0) AS consumed,
                           COALESCE(scrapped, 0) AS scrapped,
                           COALESCE(on_hand, 0) AS on_hand,
                           COALESCE(in_transit, 0) AS in_transit
                      FROM ev FULL JOIN st ON st.lot_id = ev.lot_id
                ), tot AS (
                    SELECT lot_id, %(qty_in)s AS qty_in,
                           %(accounted)s AS accounted
                      FROM bal
                )
                SELECT lot.company_id, lot.product_id, tot.lot_id,
                       tot.qty_in - tot.accounted
                  FROM tot
                  JOIN stock_lot lot ON lot.id = tot.lot_id
                 WHERE (lot.company_id IS NULL OR lot.company_id = ANY(%(companies)s))
                   AND CASE WHEN tot.qty_in != 0
                            THEN ABS(100.0 * tot.accounted / tot.qty_in - 100.0)
                                 > %(tolerance)s
                            ELSE ROUND(tot.accounted::numeric, 6) != 0 END
                """,
                companies=self.env.companies.ids,
                event_types=trace_engine.event_types_sql(
                    SQL(
                        "%s::int[]",
                        self.env["stock.location"]._get_subcontracting_location_ids(),
                    )
                ),
                event_totals=trace_engine.event_totals_sql(),
                qty_in=trace_engine.BALANCE_IN,
                accounted=trace_engine.BALANCE_ACCOUNTED,
                tolerance=self.env["stock.recall"].BALANCE_TOLERANCE,
            ),
            ("company_id", "product_id", "lot_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s unexplained: what came in and where it went differ "
                "(a flow the recall does not follow, or a correction outside Odoo)",
                qty=self._format_qty(finding),
            )
        return findings

    def _find_unique_key_conflict(self):
        """One finding per group of lots sharing a uniqueness key: they keep
        the database from enforcing serial uniqueness (A1)."""
        Lot = self.env["stock.lot"]
        if Lot._traceability_unique_index_exists():
            return []
        groups = Lot._traceability_unique_key_conflicts(self.env.companies.ids)
        lot_ids = [lot_id for _key, ids in groups for lot_id in ids]
        on_hand = defaultdict(float)
        for lot_id, _location_id, qty in self.env.execute_query(
            lot_merge.on_hand_by_lot_query(lot_ids)
        ):
            on_hand[lot_id] += qty
        # Read every lot, product and unit once, not per group.
        all_lots = Lot.browse(lot_ids)
        all_lots.mapped("product_id.display_name")
        all_lots.mapped("product_id.uom_id.name")
        findings = []
        for _key, ids in groups:
            lots = all_lots.browse(ids)
            findings.append(
                {
                    "company_id": lots[0].company_id.id,
                    "product_id": lots[0].product_id.id,
                    "lot_id": lots[0].id,
                    "lot_ids": [Command.set(ids)],
                    "quantity": sum(on_hand[lot_id] for lot_id in ids),
                    "description": self.env._(
                        "%(count)s lots share this name (spaces and case "
                        "ignored): %(lots)s",
                        count=len(ids),
                        lots="; ".join(
                            self.env._(
                                "'%(name)s' (%(product)s, %(qty)s %(uom)s on hand)",
                                name=lot.name,
                                product=lot.product_id.display_name,
                                qty=f"{on_hand[lot.id]:g}",
                                uom=lot.product_id.uom_id.name,
                            )
                            for lot in lots
                        ),
                    ),
                }
            )
        return findings
