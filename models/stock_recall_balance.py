# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from . import quantity_format


class StockRecall(models.Model):
    """The figures of a traced recall: counts, quantities on hand and shipped
    per unit of measure, the mass balance and what was recovered."""

    _inherit = "stock.recall"

    affected_lot_count = fields.Integer(compute="_compute_summary")
    # written by the trace (stock_recall_trace): counting the customers of
    # a recall reads every customer row of its trace
    customer_count = fields.Integer(readonly=True, copy=False)
    shipment_count = fields.Integer(readonly=True, copy=False)
    event_count = fields.Integer(compute="_compute_summary")
    qty_on_hand_display = fields.Char(
        string="Quantity on hand",
        compute="_compute_summary",
        help="Per unit of measure: quantities in different units are never added.",
    )
    qty_shipped_display = fields.Char(
        string="Quantity shipped",
        compute="_compute_summary",
        help="Per unit of measure: quantities in different units are never added.",
    )
    balance_pct = fields.Float(
        string="Accounted (%)",
        compute="_compute_summary",
        digits=(16, 2),
        help="Accounted for / received or produced, per unit of measure; when "
        "the lots have several units, the unit furthest from 100 %.",
    )
    balance_flag_count = fields.Integer(
        string="Lots Out of Balance", compute="_compute_summary"
    )
    qty_unexplained_display = fields.Char(
        string="Unexplained", compute="_compute_summary"
    )
    qty_recovered_display = fields.Char(
        string="Recovered",
        compute="_compute_recovered",
        help="Customer returns received since the recall started, of the "
        "quantity shipped, per unit of measure.",
    )
    recovered_pct = fields.Float(
        string="Recovered (%)",
        compute="_compute_recovered",
        digits=(16, 2),
        help="Recovered / shipped; when the shipments have several units of "
        "measure, the lowest of their percentages.",
    )

    @api.depends("affected_lot_ids", "shipment_ids", "event_ids")
    def _compute_summary(self):
        domain = [("recall_id", "in", self.ids)]
        recall_lot = self.env["stock.recall.lot"]
        counts = dict(recall_lot._read_group(domain, ["recall_id"], ["__count"]))
        flagged = dict(
            recall_lot._read_group(
                [*domain, ("balance_flag", "=", True)], ["recall_id"], ["__count"]
            )
        )
        lot_totals = self._totals_per_unit(
            recall_lot,
            domain,
            "lot_id.product_id.uom_id",
            [
                "qty_in",
                "qty_accounted",
                "qty_on_hand",
                "qty_unexplained",
                "qty_customer_shipped",
            ],
        )
        events = dict(
            recall_lot._read_group(domain, ["recall_id"], ["event_count:sum"])
        )
        for recall in self:
            units = lot_totals.get(recall.id, {})
            recall.affected_lot_count = counts.get(recall, 0)
            recall.balance_pct = self._worst_pct(
                [self._balance_pct(sums[0], sums[1]) for sums in units.values()]
            )
            recall.balance_flag_count = flagged.get(recall, 0)
            recall.qty_on_hand_display = self._format_totals(units, 2)
            recall.qty_unexplained_display = self._format_totals(units, 3)
            recall.qty_shipped_display = self._format_totals(units, 4)
            recall.event_count = events.get(recall, 0)

    @api.model
    def _totals_per_unit(self, model, domain, uom_path, qty_fields):
        """``{recall_id: {uom: (sum of each of qty_fields)}}``: the rows of
        ``model`` matching ``domain``, totalled per recall and per unit."""
        totals = defaultdict(dict)
        for recall, uom, *sums in model._read_group(
            domain, ["recall_id", uom_path], [f"{fname}:sum" for fname in qty_fields]
        ):
            totals[recall.id][uom] = tuple(sums)
        return totals

    def _format_totals(self, units, index):
        """Text of the ``index``-th total of ``units`` (``{uom: sums}``), per unit."""
        totals = {uom: sums[index] for uom, sums in units.items()}
        return quantity_format.format_quantities(self.env, totals) or "0"

    @api.model
    def _worst_pct(self, percentages):
        """The percentage furthest from 100 (100 when there is none)."""
        return max(percentages, key=lambda pct: abs(pct - 100.0), default=100.0)

    @api.model
    def _balance_pct(self, qty_in, accounted):
        if not qty_in:
            return 100.0 if not accounted else 0.0
        return round(100.0 * accounted / qty_in, 2)

    def _compute_recovered(self):
        """Customer returns of recalled lots received since the recall
        started, per unit of measure, against the quantity shipped."""
        recovered = defaultdict(dict)
        if self.ids:
            self.env["stock.move.line"].flush_model(
                ["lot_id", "state", "date", "location_id"]
            )
            uoms = self.env["uom.uom"]
            for recall_id, uom_id, qty in self.env.execute_query(
                SQL(
                    """
                    SELECT rl.recall_id, pt.uom_id, SUM(ml.quantity_product_uom)
                      FROM stock_recall_lot rl
                      JOIN stock_recall r ON r.id = rl.recall_id
                      JOIN stock_move_line ml
                        ON ml.lot_id = rl.lot_id AND ml.state = 'done'
                       AND ml.date >= r.date_start
                       AND ml.company_id = r.company_id
                      JOIN stock_location src ON src.id = ml.location_id
                      JOIN product_product pp ON pp.id = ml.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                     WHERE rl.recall_id = ANY(%s) AND rl.direction != 'upstream'
                       AND src.usage = 'customer'
                     GROUP BY rl.recall_id, pt.uom_id
                    """,
                    [recall_id for recall_id in self.ids if isinstance(recall_id, int)],
                )
            ):
                recovered[recall_id][uoms.browse(uom_id)] = qty
        shipped = self._totals_per_unit(
            self.env["stock.recall.lot"],
            [("recall_id", "in", self.ids)],
            "lot_id.product_id.uom_id",
            ["qty_customer_shipped"],
        )
        for recall in self:
            back = recovered.get(recall.id, {})
            out = {uom: sums[0] for uom, sums in shipped.get(recall.id, {}).items()}
            recall.qty_recovered_display = (
                quantity_format.format_quantities(self.env, back) or "0"
            )
            recall.recovered_pct = min(
                (
                    round(100.0 * back.get(uom, 0.0) / qty, 2)
                    for uom, qty in out.items()
                    if qty
                ),
                default=0.0,
            )
