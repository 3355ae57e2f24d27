# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError


class StockLotCorrect(models.TransientModel):
    _name = "stock.lot.correct"
    _description = "Correct a Lot/Serial Number"

    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", required=True)
    product_id = fields.Many2one(related="lot_id.product_id")
    current_name = fields.Char(related="lot_id.name", string="Current Name")
    new_name = fields.Char(required=True)
    reason = fields.Text(required=True)

    @api.model
    def _check_correct_rights(self):
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(
                self.env._("Only inventory managers can correct lot/serial numbers.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_correct_rights()
        return super().create(vals_list)

    def action_apply(self):
        self.ensure_one()
        self._check_correct_rights()
        return self._apply_rename()

    def _apply_rename(self):
        self.lot_id._action_correct_name(self.new_name, self.reason)
        return {"type": "ir.actions.act_window_close"}
