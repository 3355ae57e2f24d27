# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError


class StockLotBlock(models.TransientModel):
    _name = "stock.lot.block"
    _description = "Block or Unblock Lots"

    lot_ids = fields.Many2many(
        "stock.lot",
        string="Lots/Serial Numbers",
        required=True,
        default=lambda self: self._default_lot_ids(),
    )
    mode = fields.Selection(
        [("block", "Block"), ("unblock", "Unblock")], required=True, default="block"
    )
    reason = fields.Text(required=True)

    @api.model
    def _default_lot_ids(self):
        # Opened from the action menu of the lots list.
        if self.env.context.get("active_model") == "stock.lot":
            return self.env["stock.lot"].browse(self.env.context.get("active_ids"))
        return self.env["stock.lot"]

    @api.model
    def _check_block_rights(self):
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(
                self.env._("Only inventory managers can block or unblock lots.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_block_rights()
        return super().create(vals_list)

    def action_apply(self):
        self.ensure_one()
        self._check_block_rights()
        return self._get_apply_methods()[self.mode]()

    def _get_apply_methods(self):
        """``{mode: method}``: what ``action_apply`` runs for each mode."""
        return {"block": self._apply_block, "unblock": self._apply_unblock}

    def _apply_block(self):
        self.lot_ids._action_block(self.reason)
        return {"type": "ir.actions.act_window_close"}

    def _apply_unblock(self):
        self.lot_ids._action_unblock(self.reason)
        return {"type": "ir.actions.act_window_close"}
