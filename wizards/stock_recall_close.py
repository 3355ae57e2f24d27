# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class StockRecallClose(models.TransientModel):
    """Close a recall: what was recovered, who was not reached (a closed
    recall says the customers were dealt with) and a closing note, which
    the recall keeps and posts to its chatter
    (``stock.recall._action_close``)."""

    _name = "stock.recall.close"
    _description = "Close Recall"

    recall_id = fields.Many2one(
        "stock.recall", required=True, readonly=True, ondelete="cascade"
    )
    # required in the form, checked by the recall: the dialog exists
    # before it is written
    note = fields.Text(
        string="Closing Note",
        help="Why the recall can close: what was recovered, destroyed or "
        "decided, and by whom.",
    )
    qty_shipped_display = fields.Char(related="recall_id.qty_shipped_display")
    qty_recovered_display = fields.Char(related="recall_id.qty_recovered_display")
    recovered_pct = fields.Float(related="recall_id.recovered_pct")
    undelivered_count = fields.Integer(
        string="Customers Not Reached",
        readonly=True,
        help="Customers holding an affected lot whose notice failed, bounced, "
        "is still queued or was never sent.",
    )
    undelivered_info = fields.Text(string="Not Reached", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        self.env["stock.recall"]._check_recall_manager()
        return super().create(vals_list)

    @api.model
    def _open_for(self, recall, undelivered):
        """The dialog closing ``recall``, ``undelivered`` being
        :meth:`stock.recall._get_undelivered_notices`."""
        wizard = self.create(self._prepare_wizard_vals(recall, undelivered))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close %(recall)s", recall=recall.name)
            if not undelivered
            else self.env._(
                "Close %(recall)s with undelivered notices?", recall=recall.name
            ),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    @api.model
    def _prepare_wizard_vals(self, recall, undelivered):
        labels = {
            "failed": self.env._("Notice failed or bounced"),
            "not_notified": self.env._("Never notified"),
            "queued": self.env._("Still in the mail queue"),
            "unknown": self.env._("No delivery record"),
        }
        lines = []
        for undelivered_recall, categories in undelivered.items():
            count = sum(len(partners) for partners in categories.values())
            lines.append(
                self.env._(
                    "%(recall)s: 1 customer not reached",
                    recall=undelivered_recall.name,
                )
                if count == 1
                else self.env._(
                    "%(recall)s: %(count)s customers not reached",
                    recall=undelivered_recall.name,
                    count=count,
                )
            )
            lines.extend(
                self.env._(
                    "- %(label)s (%(count)s): %(names)s",
                    label=label,
                    count=len(categories[key]),
                    names=", ".join(sorted(categories[key].mapped("display_name"))),
                )
                for key, label in labels.items()
                if key in categories
            )
        return {
            "recall_id": recall.id,
            "undelivered_count": sum(
                len(partners)
                for categories in undelivered.values()
                for partners in categories.values()
            ),
            "undelivered_info": "\n".join(lines),
        }

    def action_apply(self):
        self.ensure_one()
        self.recall_id._action_close(self.note)
        return {"type": "ir.actions.act_window_close"}
