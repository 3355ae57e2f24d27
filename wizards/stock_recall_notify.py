# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools.misc import formatLang

from ..tools.recall_view_sql import NOTICE_RESEND_STATES, NOTICE_STATES


class StockRecallNotify(models.TransientModel):
    """Preview and send the customer notices of a recall."""

    _name = "stock.recall.notify"
    _description = "Notify Recall Customers"

    recall_id = fields.Many2one(
        "stock.recall", required=True, readonly=True, ondelete="cascade"
    )
    is_mock = fields.Boolean(related="recall_id.is_mock")
    mode = fields.Selection(
        [("new", "First notice"), ("again", "Follow-up")],
        required=True,
        default="new",
        readonly=True,
        help="First notice: customers never notified, or whose notice failed "
        "or bounced. Follow-up: customers already notified, on purpose only "
        "(Notify again).",
    )
    line_ids = fields.One2many("stock.recall.notify.line", "wizard_id")
    skipped_info = fields.Text(
        string="Already Notified",
        readonly=True,
        help="Customers left out because they already received the notice.",
    )
    anonymous_info = fields.Text(
        string="Not Notifiable",
        readonly=True,
        help="Quantities sold to anonymous retail customers (point of sale).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self.env["stock.recall"]._check_recall_manager()
        return super().create(vals_list)

    @api.model
    def _open_for(self, recall, mode):
        """Create the wizard of ``recall`` with one line per customer to
        notify in ``mode`` and return the action that shows it."""
        wizard = self.create(self._prepare_wizard_vals(recall, mode))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Notify customers")
            if mode == "new"
            else self.env._("Notify again (follow-up)"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    @api.model
    def _prepare_wizard_vals(self, recall, mode):
        notices = recall._get_notices(follow_up=mode == "again")
        partners = sorted(notices, key=lambda partner: partner.display_name)
        not_reached = self._get_recipients_not_reached(notices) if mode == "new" else {}
        vals = {
            "recall_id": recall.id,
            "mode": mode,
            "line_ids": [
                Command.create(
                    {
                        "partner_id": partner.id,
                        "recipient_ids": [
                            Command.set(not_reached.get(partner, partner).ids)
                        ],
                    }
                )
                for partner in partners
            ],
            "anonymous_info": self._format_holdings(recall._get_anonymous_holdings()),
        }
        if mode == "new":
            notified = recall._get_notices(follow_up=True)
            vals["skipped_info"] = ", ".join(
                sorted(
                    partner.display_name
                    for partner in notified
                    if partner not in notices
                )
            )
        return vals

    @api.model
    def _get_recipients_not_reached(self, notices):
        """``{customer: partners}``: the recipients whose email of the
        customer's failed or bounced notice did not arrive, as Odoo's mail
        tracking records them (``mail.notification``), for the customers of
        ``notices`` (``{customer: shipment rows}``) that have one. A notice
        to a customer and its contact that reached the customer only is
        offered again to the contact only (and to the customer too if it
        also lists a shipment never notified); one that reached nobody, to
        all its recipients."""
        failed_rows = self.env["stock.recall.shipment"].union(*notices.values())
        failed_rows = failed_rows.filtered(
            lambda row: row.delivery_state in NOTICE_RESEND_STATES
        )
        if not failed_rows:
            return {}
        # the notifications of the recall's own chatter, read to address
        # the wizard: not restricted to the messages the user authored
        notifications = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "in", failed_rows.notice_message_id.ids),
                    ("notification_type", "=", "email"),
                    ("notification_status", "in", ("exception", "bounce", "canceled")),
                    ("res_partner_id", "!=", False),
                ]
            )
        )
        not_reached_by_message = defaultdict(lambda: self.env["res.partner"])
        for notification in notifications:
            not_reached_by_message[notification.mail_message_id.id] |= (
                notification.res_partner_id
            )
        not_reached = {}
        for partner, rows in notices.items():
            recipients = self.env["res.partner"].union(
                *(
                    not_reached_by_message[row.notice_message_id.id]
                    for row in rows & failed_rows
                )
            )
            if not recipients:
                continue
            # a shipment never notified: the customer never heard of it
            if rows.filtered(lambda row: row.kind == "shipment" and not row.notified):
                recipients |= partner
            not_reached[partner] = recipients
        return not_reached

    @api.model
    def _format_holdings(self, holdings):
        """``LOT (product): qty unit; ..`` of ``{(lot, product): qty}``."""
        return "; ".join(
            self.env._(
                "%(lot)s (%(product)s): %(qty)s %(uom)s",
                lot=lot.name,
                product=product.display_name,
                qty=formatLang(self.env, qty, dp="Product Unit"),
                uom=product.uom_id.name,
            )
            for (lot, product), qty in sorted(
                holdings.items(), key=lambda item: (item[0][0].name, item[0][1].id)
            )
        )

    def action_apply(self):
        self.ensure_one()
        count = self._get_apply_methods()[self.mode]()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self._get_done_message(count),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _get_apply_methods(self):
        """``{mode: method}``: what ``action_apply`` runs for each mode."""
        return {"new": self._apply_new, "again": self._apply_again}

    def _get_recipients_by_partner(self):
        return {
            line.partner_id: line.recipient_ids
            for line in self.line_ids
            if line.include
        }

    def _apply_new(self):
        return self.recall_id._notify_customers(self._get_recipients_by_partner())

    def _apply_again(self):
        return self.recall_id._notify_customers(
            self._get_recipients_by_partner(), follow_up=True
        )

    def _get_done_message(self, count):
        if self.is_mock:
            if count == 1:
                return self.env._("Drill: 1 notice simulated, no mail sent.")
            return self.env._(
                "Drill: %(count)s notices simulated, no mail sent.", count=count
            )
        # the emails leave after the commit, through the mail queue: whether
        # they reach the customers shows on the recall (Notice Status)
        if count == 1:
            return self.env._("1 customer notice queued for sending.")
        return self.env._("%(count)s customer notices queued for sending.", count=count)


class StockRecallNotifyLine(models.TransientModel):
    """One customer's notice: who receives it, what it says."""

    _name = "stock.recall.notify.line"
    _description = "Recall Customer Notice"

    wizard_id = fields.Many2one(
        "stock.recall.notify", required=True, ondelete="cascade", index=True
    )
    include = fields.Boolean(
        string="Send", default=True, help="Untick to leave this customer out."
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True
    )
    recipient_ids = fields.Many2many(
        "res.partner",
        "stock_recall_notify_line_recipient_rel",
        "line_id",
        "partner_id",
        string="Recipients",
        # a customer archived since the shipment (a closed account) still
        # holds the lots: its notice goes to it, not to nobody
        context={"active_test": False},
        help="Who receives the notice; the customer by default. Add or replace "
        "contacts (e.g. the customer's quality manager).",
    )
    shipment_ids = fields.Many2many(
        "stock.recall.shipment",
        string="Shipments",
        compute="_compute_shipment_ids",
        help="The customer's rows the notice lists (the rows are a view: "
        "computed, never stored).",
    )
    lot_summary = fields.Text(string="Lots", compute="_compute_lot_summary")
    notified_date = fields.Datetime(
        string="Notified On", compute="_compute_lot_summary"
    )
    delivery_state = fields.Selection(
        selection=lambda self: self.env["stock.recall.shipment"]
        ._fields["delivery_state"]
        ._description_selection(self.env),
        string="Last Notice",
        compute="_compute_lot_summary",
        help="The delivery of the last notice sent to this customer, if any.",
    )
    delivery_failure = fields.Char(
        string="Failure Reason", compute="_compute_lot_summary"
    )
    subject = fields.Char(compute="_compute_preview")
    body_html = fields.Html(
        string="Message", compute="_compute_preview", sanitize=False
    )

    @api.depends("partner_id", "wizard_id.recall_id", "wizard_id.mode")
    def _compute_shipment_ids(self):
        """The rows of each line's notice: the recall's notices, read once
        per wizard."""
        for wizard in self.wizard_id:
            notices = wizard.recall_id._get_notices(follow_up=wizard.mode == "again")
            shipments = self.env["stock.recall.shipment"]
            for line in self.filtered(lambda line, w=wizard: line.wizard_id == w):
                line.shipment_ids = notices.get(line.partner_id, shipments)
        (self - self.filtered("wizard_id")).shipment_ids = False

    @api.depends("shipment_ids")
    def _compute_lot_summary(self):
        for line in self:
            holdings = defaultdict(float)
            for row in line.shipment_ids:
                holdings[row.lot_id, row.product_id] += row.product_qty
            line.lot_summary = line.wizard_id._format_holdings(holdings).replace(
                "; ", "\n"
            )
            line.notified_date = max(
                line.shipment_ids.filtered("notified_date").mapped("notified_date"),
                default=False,
            )
            # the least delivered notice of the rows (worst first)
            last = min(
                line.shipment_ids.filtered("delivery_state"),
                key=lambda row: NOTICE_STATES.index(row.delivery_state),
                default=line.shipment_ids.browse(),
            )
            line.delivery_state = last.delivery_state
            line.delivery_failure = last.delivery_failure

    @api.depends("partner_id", "shipment_ids", "wizard_id.mode")
    def _compute_preview(self):
        for line in self:
            line.subject, line.body_html = line.wizard_id.recall_id._render_notice(
                line.partner_id,
                line.shipment_ids,
                follow_up=line.wizard_id.mode == "again",
            )
