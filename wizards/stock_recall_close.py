# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.fields import Command


class StockRecallClose(models.TransientModel):
    """Confirm closing recalls whose customers were not all reached: a
    closed recall says the customers were dealt with."""

    _name = "stock.recall.close"
    _description = "Close Recall"

    recall_ids = fields.Many2many("stock.recall", string="Recalls", readonly=True)
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
    def _open_for(self, recalls, undelivered):
        """The confirmation of closing ``recalls``, ``undelivered`` being
        :meth:`stock.recall._get_undelivered_notices`."""
        wizard = self.create(self._prepare_wizard_vals(recalls, undelivered))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Close with undelivered notices?"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    @api.model
    def _prepare_wizard_vals(self, recalls, undelivered):
        labels = {
            "failed": self.env._("Notice failed or bounced"),
            "not_notified": self.env._("Never notified"),
            "queued": self.env._("Still in the mail queue"),
            "unknown": self.env._("No delivery record"),
        }
        lines = []
        for recall, categories in undelivered.items():
            lines.append(
                self.env._(
                    "%(recall)s: %(count)s customers not reached",
                    recall=recall.name,
                    count=sum(len(partners) for partners in categories.values()),
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
            "recall_ids": [Command.set(recalls.ids)],
            "undelivered_count": sum(
                len(partners)
                for categories in undelivered.values()
                for partners in categories.values()
            ),
            "undelivered_info": "\n".join(lines),
        }

    def action_apply(self):
        self.ensure_one()
        self.recall_ids._close()
        return {"type": "ir.actions.act_window_close"}
