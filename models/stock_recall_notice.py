# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class StockRecall(models.Model):
    """Customer notices of a recall: who is to be notified, the rendered
    notice, and sending it (the ``stock.recall.notify`` wizard previews and
    calls :meth:`_notify_customers`)."""

    _inherit = "stock.recall"

    notify_pending_count = fields.Integer(
        string="Customers to Notify",
        compute="_compute_notify_status",
        help="Customers holding an affected lot who were never sent a notice for it.",
    )
    notified_customer_count = fields.Integer(
        string="Customers Notified", compute="_compute_notify_status"
    )

    @api.depends("shipment_ids.notified")
    def _compute_notify_status(self):
        status = self.env["stock.recall.shipment"]._get_customer_status(self)
        for recall in self:
            customers = status.get(recall, {})
            recall.notify_pending_count = sum(
                bool(partner and customer["pending"])
                for partner, customer in customers.items()
            )
            recall.notified_customer_count = sum(
                bool(partner and customer["notified"])
                for partner, customer in customers.items()
            )

    def _open_notify_wizard(self, mode):
        self._check_recall_manager()
        self.ensure_one()
        self._check_traced()
        return self.env["stock.recall.notify"]._open_for(self, mode)

    def _get_notices(self, follow_up=False):
        """``{customer: shipment rows}`` of the notices to send: to customers
        never notified for a lot they hold, or (``follow_up``) to those
        already notified. Rows cover the lots the customer still holds."""
        self.ensure_one()
        status = self.env["stock.recall.shipment"]._get_customer_status(self)
        flag = "notified" if follow_up else "pending"
        return {
            partner: self.shipment_ids._get_notice_rows(partner, customer["lots"])
            for partner, customer in status.get(self, {}).items()
            if partner and customer[flag]
        }

    def _get_anonymous_holdings(self):
        """``{(lot, product): qty}`` held by anonymous retail customers (point
        of sale): nobody to notify."""
        self.ensure_one()
        status = self.env["stock.recall.shipment"]._get_customer_status(self)
        anonymous = self.env["res.partner"]
        return status.get(self, {}).get(anonymous, {}).get("lots", {})

    def _render_notice(self, partner, rows, follow_up=False):
        """``(subject, body)`` of the notice to ``partner`` listing ``rows``,
        rendered from the recall notice template."""
        self.ensure_one()
        template = self.env.ref(
            "stock_lot_traceability.mail_template_stock_recall_notice"
        )
        class_label = dict(
            self._fields["recall_class"]._description_selection(self.env)
        )[self.recall_class]
        values = {
            "partner": partner,
            "lines": rows._get_notice_lines(),
            "class_label": class_label,
        }
        body = template._render_field("body_html", self.ids, add_context=values)
        subject = template._render_field("subject", self.ids, add_context=values)
        subject = subject[self.id]
        if follow_up:
            subject = self.env._("Follow-up: %(subject)s", subject=subject)
        return subject, body[self.id]

    def _notify_customers(self, recipients_by_partner, follow_up=False):
        """Send one notice per customer of ``recipients_by_partner``
        (``{customer: recipient partners}``) and record it on the rows it
        covers. Customers already notified are skipped unless ``follow_up``;
        if none is left, nothing is sent and the error says so. Everything
        is checked before the first message, and the mails leave after the
        commit: a failure sends and records nothing."""
        self._check_recall_manager()
        self.ensure_one()
        self._check_traced()
        # two users sending at once: the second sees the first one's records
        self.env.execute_query(
            SQL("SELECT id FROM stock_recall WHERE id = %s FOR NO KEY UPDATE", self.id)
        )
        self.shipment_ids.invalidate_recordset()
        notices = self._get_notices(follow_up=follow_up)
        to_send = {
            partner: recipients
            for partner, recipients in recipients_by_partner.items()
            if partner in notices
        }
        if not to_send:
            raise UserError(self._get_nothing_to_send_message(recipients_by_partner))
        if self.is_mock:
            return self._simulate_notices(to_send)
        self._check_notice_recipients(to_send)
        message_by_row = {}
        for partner, recipients in to_send.items():
            subject, body = self._render_notice(partner, notices[partner], follow_up)
            message = self.message_post(
                body=body,
                subject=subject,
                partner_ids=recipients.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            message_by_row.update(dict.fromkeys(notices[partner].ids, message.id))
        now = fields.Datetime.now()
        self.shipment_ids._mark_notified(message_by_row, now)
        self.write(
            {
                "state": "in_progress",
                "date_notified": self.date_notified or now,
            }
        )
        return len(to_send)

    def _get_nothing_to_send_message(self, recipients_by_partner):
        names = ", ".join(
            sorted(partner.display_name for partner in recipients_by_partner)
        )
        if not names:
            return self.env._(
                "Nothing was sent for recall %(name)s: no customer left to notify "
                "(already notified, excluded or not notifiable).",
                name=self.name,
            )
        return self.env._(
            "Nothing was sent for recall %(name)s: %(names)s already received "
            "this notice. Use 'Notify again' to send them a follow-up.",
            name=self.name,
            names=names,
        )

    def _check_notice_recipients(self, recipients_by_partner):
        """One error listing every customer whose notice would reach nobody."""
        problems = []
        for partner, recipients in recipients_by_partner.items():
            if not recipients:
                problems.append(
                    self.env._("%(customer)s: no recipient", customer=partner.name)
                )
            for recipient in recipients.filtered(lambda r: not r.email):
                problems.append(
                    self.env._(
                        "%(customer)s: %(recipient)s has no email address",
                        customer=partner.name,
                        recipient=recipient.display_name,
                    )
                )
        if problems:
            raise UserError(
                self.env._(
                    "These notices cannot be sent; nothing was sent. Add a contact "
                    "with an email address, or exclude the customer and notify "
                    "them by phone or post (export the customer list):\n%(lines)s",
                    lines="\n".join(problems),
                )
            )

    def _simulate_notices(self, recipients_by_partner):
        """Mock recall: no mail, no record, one note in the chatter."""
        self.message_post(
            body=self.env._(
                "Drill: notification simulated, no mail sent. It would notify "
                "%(count)s customers: %(names)s.",
                count=len(recipients_by_partner),
                names=", ".join(
                    sorted(partner.display_name for partner in recipients_by_partner)
                ),
            )
        )
        return len(recipients_by_partner)
