# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain


class StockRecallProduct(models.TransientModel):
    """Start a recall from a product: its lots received or produced in a
    date range."""

    _name = "stock.recall.product"
    _description = "Start a Recall from a Product"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain="[('tracking', '!=', 'none')]",
    )
    date_from = fields.Datetime(string="Received From")
    date_to = fields.Datetime(string="Received Until")
    reason = fields.Text(required=True)
    recall_class = fields.Selection(
        [("1", "Class I"), ("2", "Class II"), ("3", "Class III")],
        string="Class",
        required=True,
        default="2",
    )
    direction = fields.Selection(
        [("downstream", "Downstream"), ("upstream", "Upstream"), ("both", "Both")],
        required=True,
        default="both",
    )
    is_mock = fields.Boolean(string="Mock Recall")
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Lots",
        compute="_compute_lot_ids",
        store=True,
        readonly=False,
    )

    @api.depends("product_id", "date_from", "date_to", "company_id")
    def _compute_lot_ids(self):
        for wizard in self:
            wizard.lot_ids = wizard._find_lots()

    def _get_lot_line_domain(self):
        """Done move lines that brought the lots to find in, in the date range."""
        self.ensure_one()
        domain = (
            Domain(
                [
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "done"),
                    ("lot_id", "!=", False),
                ]
            )
            & self._get_lot_source_domain()
        )
        if self.product_id:
            domain &= Domain("product_id", "=", self.product_id.id)
        if self.date_from:
            domain &= Domain("date", ">=", self.date_from)
        if self.date_to:
            domain &= Domain("date", "<=", self.date_to)
        return domain

    def _get_lot_source_domain(self):
        """Where the lots came in: received from vendors or produced."""
        return Domain("location_id.usage", "in", ("supplier", "production"))

    def _can_find_lots(self):
        return bool(self.product_id)

    def _find_lots(self):
        self.ensure_one()
        if not self._can_find_lots():
            return self.env["stock.lot"]
        groups = self.env["stock.move.line"]._read_group(
            self._get_lot_line_domain(), ["lot_id"]
        )
        return self.env["stock.lot"].union(*(lot for (lot,) in groups))

    def _prepare_recall_vals(self):
        self.ensure_one()
        return {
            "lot_ids": [Command.set(self.lot_ids.ids)],
            "reason": self.reason,
            "recall_class": self.recall_class,
            "direction": self.direction,
            "is_mock": self.is_mock,
            "company_id": self.company_id.id,
        }

    def action_apply(self):
        self.ensure_one()
        if not self.lot_ids:
            raise UserError(self.env._("No lot matches: nothing to recall."))
        recall = self.env["stock.recall"].create(self._prepare_recall_vals())
        recall.action_trace()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.recall",
            "res_id": recall.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
