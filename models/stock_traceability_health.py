# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import SQL

from . import lot_merge

FINDING_CATEGORIES = [
    ("unique_key_conflict", "Lots/serials sharing a name (uniqueness not enforced)"),
    ("untracked_stock", "Tracked product with untracked stock"),
    ("serial_duplicate", "Serial with more than one unit or in two places"),
    ("negative_lot", "Negative lot/serial quantity"),
    ("no_incoming", "Lot/serial with no incoming history"),
    ("expired_saleable", "Expired lot in saleable stock"),
    ("blocked_saleable", "Blocked lot in saleable stock"),
    ("create_new_outgoing", "Create New enabled on an outgoing operation type"),
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
    quantity = fields.Float(digits="Product Unit", readonly=True)
    description = fields.Char(readonly=True)
    fix_label = fields.Char(compute="_compute_fix_label", string="Fix")

    @api.depends("category")
    def _compute_fix_label(self):
        labels = {
            "untracked_stock": self.env._("Assign lots/serials"),
            "create_new_outgoing": self.env._("Open operation type"),
            "unique_key_conflict": self.env._("Rename or merge"),
        }
        for finding in self:
            finding.fix_label = labels.get(
                finding.category, self.env._("Open lot/serial")
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

    def action_fix(self):
        """Open what fixes this finding: the wizard, the lot or the type."""
        self.ensure_one()
        if self.category == "untracked_stock":
            return self.env["stock.lot.assign"]._get_action_for_products(
                self.product_id
            )
        if self.category == "unique_key_conflict":
            return self.lot_ids.action_open_deduplicate_wizard()
        if self.category == "create_new_outgoing":
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
            "stock.lot",
            "stock.move.line",
            "stock.picking.type",
            "stock.location",
            "product.template",
        ):
            self.env[model].flush_model()
        findings = []
        for sequence, (category, _label) in enumerate(FINDING_CATEGORIES):
            for finding in getattr(self, f"_find_{category}")():
                finding.setdefault("category", category)
                finding["sequence"] = sequence
                findings.append(finding)
        return findings

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
                "%(qty)s units on hand without lot/serial number",
                qty=float(finding["quantity"]),
            )
        return findings

    def _find_serial_duplicate(self):
        findings = self._query(
            SQL(
                """
                SELECT q.company_id, q.product_id, q.lot_id, SUM(q.quantity),
                       COUNT(DISTINCT q.location_id)
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id
                       AND l.usage IN ('internal', 'transit')
                  JOIN product_product p ON p.id = q.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE q.lot_id IS NOT NULL
                   AND q.quantity > 0
                   AND t.tracking = 'serial'
                   AND q.company_id = ANY(%(companies)s)
                 GROUP BY q.company_id, q.product_id, q.lot_id
                HAVING SUM(q.quantity) > 1 OR COUNT(DISTINCT q.location_id) > 1
                """,
                companies=self.env.companies.ids,
            ),
            ("company_id", "product_id", "lot_id", "quantity", "locations"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s units on hand in %(count)s location(s)",
                qty=float(finding["quantity"]),
                count=finding.pop("locations"),
            )
        return findings

    def _find_negative_lot(self):
        findings = self._query(
            SQL(
                """
                SELECT q.company_id, q.product_id, q.lot_id, q.location_id,
                       SUM(q.quantity)
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id AND l.usage = 'internal'
                 WHERE q.lot_id IS NOT NULL
                   AND q.company_id = ANY(%(companies)s)
                 GROUP BY q.company_id, q.product_id, q.lot_id, q.location_id
                HAVING SUM(q.quantity) < 0
                """,
                companies=self.env.companies.ids,
            ),
            ("company_id", "product_id", "lot_id", "location_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s on hand: taken from a location where it was not",
                qty=float(finding["quantity"]),
            )
        return findings

    def _find_no_incoming(self):
        findings = self._query(
            SQL(
                """
                SELECT q.company_id, q.product_id, q.lot_id, SUM(q.quantity)
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id AND l.usage = 'internal'
                 WHERE q.lot_id IS NOT NULL
                   AND q.quantity > 0
                   AND q.company_id = ANY(%(companies)s)
                   AND NOT EXISTS (
                       SELECT 1
                         FROM stock_move_line ml
                        WHERE ml.lot_id = q.lot_id
                          AND ml.state = 'done'
                   )
                 GROUP BY q.company_id, q.product_id, q.lot_id
                """,
                companies=self.env.companies.ids,
            ),
            ("company_id", "product_id", "lot_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s on hand but no done move brought it in",
                qty=float(finding["quantity"]),
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
                "%(qty)s expired units in saleable stock",
                qty=float(finding["quantity"]),
            )
        return findings

    def _find_blocked_saleable(self):
        findings = self._query(
            self._saleable_lot_query(SQL("lot.is_blocked IS TRUE")),
            ("company_id", "product_id", "lot_id", "location_id", "quantity"),
        )
        for finding in findings:
            finding["description"] = self.env._(
                "%(qty)s blocked units outside quarantine",
                qty=float(finding["quantity"]),
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
