# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class StockRecallClose(models.TransientModel):
    """Close a recall: what was recovered, and a closing note (required),
    which the recall keeps and posts to its chatter
    (:meth:`~odoo.addons.stock_lot_traceability.models.stock_recall.StockRecall._action_close`)."""

    _name = "stock.recall.close"
    _description = "Close a Recall"

    recall_id = fields.Many2one(
        "stock.recall", required=True, readonly=True, ondelete="cascade"
    )
    note = fields.Text(
        string="Closing Note",
        required=True,
        help="Why the recall can close: what was recovered, destroyed or "
        "decided, and by whom.",
    )
    is_mock = fields.Boolean(related="recall_id.is_mock")
    qty_shipped_display = fields.Char(related="recall_id.qty_shipped_display")
    qty_recovered_display = fields.Char(related="recall_id.qty_recovered_display")
    recovered_pct = fields.Float(related="recall_id.recovered_pct")
    notify_pending_count = fields.Integer(related="recall_id.notify_pending_count")

    @api.model
    def _get_action_for(self, recall):
        """The dialog closing ``recall``."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close %(recall)s", recall=recall.name),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_recall_id": recall.id},
        }

    def action_apply(self):
        self.ensure_one()
        self.recall_id._action_close(self.note)
        return {"type": "ir.actions.act_window_close"}
