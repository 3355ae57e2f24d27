# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from ..tools import lot_merge


class StockLotDeduplicate(models.TransientModel):
    """Resolve a group of lots that share a name in their uniqueness scope
    (made before the add-on): rename some, or merge them into one. Once no
    group is left, the database enforces serial uniqueness again."""

    _name = "stock.lot.deduplicate"
    _description = "Resolve Lots/Serial Numbers Sharing a Name"

    lot_ids = fields.Many2many(
        "stock.lot",
        string="Lots/Serial Numbers",
        required=True,
        readonly=True,
    )
    mode = fields.Selection(
        [("rename", "Rename"), ("merge", "Merge into one lot")],
        required=True,
        default="rename",
    )
    line_ids = fields.One2many(
        "stock.lot.deduplicate.line",
        "wizard_id",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    keep_lot_id = fields.Many2one(
        "stock.lot",
        string="Keep",
        domain="[('id', 'in', lot_ids)]",
        help="The lot that stays: the others' moves, stock and history move "
        "onto it and they are deleted.",
    )
    reason = fields.Text(required=True)

    @api.model
    def _check_deduplicate_rights(self):
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(
                self.env._(
                    "Only inventory managers can rename or merge lots/serial numbers."
                )
            )

    @api.depends("lot_ids")
    def _compute_line_ids(self):
        for wizard in self:
            on_hand = dict.fromkeys(wizard.lot_ids.ids, 0.0)
            for lot_id, _location_id, qty in self.env.execute_query(
                lot_merge.on_hand_by_lot_query(wizard.lot_ids.ids)
            ):
                on_hand[lot_id] += qty
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "lot_id": lot.id,
                        "new_name": lot.name,
                        "quantity": on_hand[lot.id],
                    }
                )
                for lot in wizard.lot_ids
            ]

    @api.model_create_multi
    def create(self, vals_list):
        self._check_deduplicate_rights()
        return super().create(vals_list)

    def action_apply(self):
        self.ensure_one()
        self._check_deduplicate_rights()
        self._get_apply_methods()[self.mode]()
        return self._get_result_action()

    def _get_apply_methods(self):
        """``{mode: method}``: what ``action_apply`` runs for each mode."""
        return {"rename": self._apply_rename, "merge": self._apply_merge}

    def _apply_rename(self):
        self.lot_ids._action_rename_duplicates(
            {line.lot_id: (line.new_name or "").strip() for line in self.line_ids},
            self.reason,
        )

    def _apply_merge(self):
        if not self.keep_lot_id:
            raise UserError(self.env._("Choose the lot to keep."))
        self.lot_ids._action_merge_into(self.keep_lot_id, self.reason)

    def _get_result_action(self):
        Lot = self.env["stock.lot"]
        if Lot._traceability_ensure_unique_index():
            message = self.env._(
                "No lots share a name any more: serial uniqueness is enforced by "
                "the database again."
            )
            kind = "success"
        else:
            message = self.env._(
                "Done. %(count)s groups of lots still share a name: serial "
                "uniqueness is not yet enforced by the database.",
                count=len(Lot._traceability_unique_key_conflicts()),
            )
            kind = "warning"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }


class StockLotDeduplicateLine(models.TransientModel):
    _name = "stock.lot.deduplicate.line"
    _description = "Lot/Serial Number Sharing a Name"

    wizard_id = fields.Many2one(
        "stock.lot.deduplicate", required=True, ondelete="cascade"
    )
    lot_id = fields.Many2one("stock.lot", required=True, readonly=True)
    product_id = fields.Many2one(related="lot_id.product_id")
    company_id = fields.Many2one(related="lot_id.company_id")
    current_name = fields.Char(related="lot_id.name", string="Current Name")
    quantity = fields.Float(string="On Hand", digits="Product Unit", readonly=True)
    uom_id = fields.Many2one(related="lot_id.product_id.uom_id", string="Unit")
    new_name = fields.Char()
