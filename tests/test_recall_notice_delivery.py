# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re
import smtplib

from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common_recall import RecallCase

# A delivery status notification (RFC 3464) as a recipient's mail server
# sends it back: the failed recipient, and the headers of the email.
BOUNCE = """\
Return-Path: <>
From: MAILER-DAEMON@mx.rd.example.com (Mail Delivery System)
To: {sender}
Subject: Undelivered Mail Returned to Sender
Date: Mon, 7 Dec 2026 10:00:00 +0000
Message-Id: <bounce-{token}@mx.rd.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="RD-BOUNDARY"

--RD-BOUNDARY
Content-Type: text/plain; charset=us-ascii

<{recipient}>: 550 5.1.1 No such user here.

--RD-BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.rd.example.com

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 No such user here

--RD-BOUNDARY
Content-Type: text/rfc822-headers

Message-Id: {message_id}
From: {sender}
To: {recipient}
Subject: Product recall

--RD-BOUNDARY--
"""


class TestRecallNoticeDelivery(RecallCase, MockEmail):
    """A notice counts as delivered only when Odoo's mail tracking says so:
    the notices leave through the real mail queue
    (``mail.mail.process_email_queue``) towards an SMTP server that refuses
    the connection or accepts the emails (Odoo's own SMTP test doubles,
    ``mock_mail_gateway``), or come back as a bounce through the mail
    gateway; the rows, the summary, Notify and Close follow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RD", serials=4)
        cls.customers = cls.chain["customers"]
        for index, customer in enumerate(cls.customers, start=1):
            customer.email = f"customer{index}@rd.example.com"
        cls.recall_manager.email = "recall.manager@rd.example.com"

    def setUp(self):
        super().setUp()
        # nothing queued by other tests goes out with these notices
        self.env["mail.mail"].sudo().search([("state", "=", "outgoing")]).unlink()
        self.recall = self._new_recall(self.raw_lot).with_user(self.recall_manager)
        self.recall.action_trace()

    def _notify(self):
        """Send the notices of every customer offered, as the wizard does;
        the toast of the wizard."""
        action = self._notify_wizard(self.recall).action_apply()
        self.env.invalidate_all()
        return action["params"]["message"]

    def _notices(self, before):
        return (self.recall.message_ids - before).filtered(
            lambda m: m.message_type == "comment"
        )

    def _process_queue(self):
        self.env["mail.mail"].sudo().process_email_queue()
        self.env.invalidate_all()

    def _refuse_connections(self):
        def refuse(*args, **kwargs):
            raise ConnectionRefusedError(111, "Connection refused")

        self.connect_mocked.side_effect = refuse

    def _rows(self, partner):
        return self.recall.shipment_ids.filtered(lambda s: s.partner_id == partner)

    def assertSummary(self, delivered, pending, failed, to_notify):
        self.assertEqual(
            (
                self.recall.notice_delivered_count,
                self.recall.notice_queued_count,
                self.recall.notice_failed_count,
                self.recall.notify_pending_count,
            ),
            (delivered, pending, failed, to_notify),
            "delivered, pending, failed, customers to notify",
        )

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_refused_server_fails_offers_again_and_asks_before_closing(self):
        before = self.recall.message_ids
        self.assertEqual(self._notify(), "3 customer notices queued for sending.")
        notices = self._notices(before)
        self.assertEqual(len(notices), 3)
        # in the queue: queued, not delivered; nobody is offered twice
        self.assertEqual(
            set(self.recall.shipment_ids.mapped("delivery_state")), {"queued"}
        )
        self.assertSummary(delivered=0, pending=3, failed=0, to_notify=0)
        self.assertEqual(self.recall.notified_customer_count, 3)
        self.assertFalse(self._notify_wizard(self.recall).line_ids)

        with self.mock_mail_gateway():
            self._refuse_connections()
            self._process_queue()
        self.assertFalse(self._mails, "no email left")
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "in", notices.ids)])
        )
        self.assertEqual(set(mails.mapped("state")), {"exception"})
        self.assertEqual(
            set(notices.notification_ids.mapped("notification_status")), {"exception"}
        )
        # every row shows the failure and why
        rows = self.recall.shipment_ids
        self.assertEqual(set(rows.mapped("delivery_state")), {"failed"})
        self.assertTrue(all(rows.mapped("notified")), "sent, not delivered")
        for row in rows:
            self.assertEqual(row.delivery_failure_type, "mail_smtp")
            self.assertIn("Connection failed", row.delivery_failure)
            self.assertIn("Connection refused", row.delivery_failure)
        self.assertSummary(delivered=0, pending=0, failed=3, to_notify=3)
        for customer in self.customers:
            self.assertIn(
                f"{customer.display_name}: Connection failed",
                self.recall.notice_failure_info,
            )
        # the customer list to phone them says the notice failed, and why
        headers = self.recall._get_customer_list_headers()
        notices = {
            row[0]: row[headers.index("Notice")]
            for row in self.recall._get_customer_list_rows()
        }
        self.assertEqual(set(notices), set(self.customers.mapped("display_name")))
        for notice in notices.values():
            self.assertRegex(notice, r"^Failed: Connection failed.*Connection refused")

        # Notify offers every failed customer again, saying why
        wizard = self._notify_wizard(self.recall)
        self.assertEqual(wizard.mode, "new")
        self.assertEqual(wizard.line_ids.partner_id, self.customers)
        self.assertEqual(set(wizard.line_ids.mapped("delivery_state")), {"failed"})
        self.assertIn("Connection refused", wizard.line_ids[0].delivery_failure)
        self.assertFalse(wizard.skipped_info)
        self.assertNotIn("Follow-up", wizard.line_ids[0].subject)

        # closing asks first, naming the customers not reached
        action = self.recall.action_close()
        self.assertEqual(action["res_model"], "stock.recall.close")
        close = self.env["stock.recall.close"].browse(action["res_id"])
        self.assertEqual(close.undelivered_count, 3)
        self.assertIn(
            f"{self.recall.name}: 3 customers not reached", close.undelivered_info
        )
        self.assertIn("Notice failed or bounced (3)", close.undelivered_info)
        self.assertEqual(self.recall.state, "in_progress")
        close.note = "Customers called by phone."
        close.with_user(self.recall_manager).action_apply()
        self.assertEqual(self.recall.state, "closed")
        self.assertTrue(self.recall.date_closed)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_failed_notice_sent_again_then_delivered(self):
        before = self.recall.message_ids
        self._notify()
        first = self._notices(before)
        with self.mock_mail_gateway():
            self._refuse_connections()
            self._process_queue()
        self.assertSummary(delivered=0, pending=0, failed=3, to_notify=3)

        # one customer is left out of the second sending
        late = self.customers[2]
        wizard = self._notify_wizard(self.recall)
        wizard.line_ids.filtered(lambda line: line.partner_id == late).include = False
        self.assertEqual(
            wizard.action_apply()["params"]["message"],
            "2 customer notices queued for sending.",
        )
        self.env.invalidate_all()
        second = self._notices(before) - first
        self.assertEqual(second.partner_ids, self.customers[:2])
        self.assertFalse(any("Follow-up" in s for s in second.mapped("subject")))
        self.assertSummary(delivered=0, pending=2, failed=1, to_notify=1)

        with self.mock_mail_gateway(mail_unlink_sent=True):
            self._process_queue()
        self.assertEqual(
            sorted(email for mail in self._mails for email in mail["email_to"]),
            sorted(self.customers[:2].mapped("email_formatted")),
        )
        for customer in self.customers[:2]:
            rows = self._rows(customer)
            self.assertEqual(set(rows.mapped("delivery_state")), {"sent"})
            self.assertEqual(rows.notice_message_id, second & rows.notice_message_id)
            self.assertFalse(any(rows.mapped("delivery_failure")))
        # the first notice stays failed in the chatter; the row shows the last
        self.assertEqual(
            set(first.notification_ids.mapped("notification_status")), {"exception"}
        )
        self.assertEqual(set(self._rows(late).mapped("delivery_state")), {"failed"})
        self.assertSummary(delivered=2, pending=0, failed=1, to_notify=1)
        self.assertIn(late.display_name, self.recall.notice_failure_info)
        self.assertNotIn(
            self.customers[0].display_name, self.recall.notice_failure_info
        )
        close = self.env["stock.recall.close"].browse(
            self.recall.action_close()["res_id"]
        )
        self.assertEqual(close.undelivered_count, 1)
        self.assertIn(
            f"Notice failed or bounced (1): {late.display_name}", close.undelivered_info
        )

    def test_accepting_server_delivers_and_close_does_not_ask(self):
        before = self.recall.message_ids
        self._notify()
        notices = self._notices(before)
        # Odoo's tests have no mail server: the queue keeps the emails
        self._process_queue()
        self.assertSummary(delivered=0, pending=3, failed=0, to_notify=0)
        close = self.env["stock.recall.close"].browse(
            self.recall.action_close()["res_id"]
        )
        self.assertIn("Still in the mail queue (3)", close.undelivered_info)

        with self.mock_mail_gateway():
            self._process_queue()
        self.assertEqual(len(self._mails), 3)
        self.assertEqual(
            set(notices.notification_ids.mapped("notification_status")), {"sent"}
        )
        # without auto-delete the sent emails stay, 'sent' too
        self.assertEqual(
            set(
                self.env["mail.mail"]
                .sudo()
                .search([("mail_message_id", "in", notices.ids)])
                .mapped("state")
            ),
            {"sent"},
        )
        self.assertEqual(
            set(self.recall.shipment_ids.mapped("delivery_state")), {"sent"}
        )
        self.assertSummary(delivered=3, pending=0, failed=0, to_notify=0)
        self.assertFalse(self.recall.notice_failure_info)
        self.assertEqual(
            {row[-1] for row in self.recall._get_customer_list_rows()}, {"Sent"}
        )
        self.assertFalse(self._notify_wizard(self.recall).line_ids)
        # nobody left unreached: the close dialog asks only for its note
        close = self.env["stock.recall.close"].browse(
            self.recall.action_close()["res_id"]
        )
        self.assertFalse(close.undelivered_count)
        close.note = "Every customer confirmed the destruction."
        close.action_apply()
        self.assertEqual(self.recall.state, "closed")

    def test_bounce_after_delivery_offers_again(self):
        before = self.recall.message_ids
        self._notify()
        with self.mock_mail_gateway(mail_unlink_sent=True):
            self._process_queue()
        self.assertSummary(delivered=3, pending=0, failed=0, to_notify=0)
        customer = self.customers[0]
        sent = next(
            email for email in self.emails if email["smtp_to_list"] == [customer.email]
        )
        message_id = re.search(r"^Message-Id: (.+)$", sent["message"], re.M | re.I)[1]
        # the recipient's server sends the email back, through the gateway
        self.env["mail.thread"].sudo().message_process(
            False,
            BOUNCE.format(
                sender=self.recall_manager.email,
                recipient=customer.email,
                message_id=message_id.strip(),
                token="rd1",
            ),
        )
        self.env.invalidate_all()
        notice = self._notices(before).filtered(lambda m: m.partner_ids == customer)
        self.assertEqual(notice.notification_ids.notification_status, "bounce")
        rows = self._rows(customer)
        self.assertEqual(set(rows.mapped("delivery_state")), {"bounced"})
        self.assertIn("Bounce", rows[0].delivery_failure)
        self.assertIn("No such user", rows[0].delivery_failure)
        self.assertSummary(delivered=2, pending=0, failed=1, to_notify=1)
        wizard = self._notify_wizard(self.recall)
        self.assertEqual(wizard.line_ids.partner_id, customer)
        self.assertEqual(wizard.line_ids.delivery_state, "bounced")
        close = self.env["stock.recall.close"].browse(
            self.recall.action_close()["res_id"]
        )
        self.assertIn(
            f"{self.recall.name}: 1 customer not reached\n"
            f"- Notice failed or bounced (1): {customer.display_name}",
            close.undelivered_info,
        )

    def test_never_notified_customers_ask_before_closing(self):
        action = self.recall.action_close()
        close = self.env["stock.recall.close"].browse(action["res_id"])
        self.assertEqual(close.undelivered_count, 3)
        self.assertIn("Never notified (3)", close.undelivered_info)
        self.assertEqual(self.recall.state, "traced")
        # a drill sends nothing: nothing to confirm
        drill = self._new_recall(self.raw_lot, is_mock=True).with_user(
            self.recall_manager
        )
        drill.action_trace()
        close = self.env["stock.recall.close"].browse(drill.action_close()["res_id"])
        self.assertFalse(close.undelivered_count)
        close.note = "Drill done."
        close.action_apply()
        self.assertEqual(drill.state, "closed")

    def _count_status_queries(self, recall):
        """Queries of the notice figures of ``recall`` and of the status of
        each of its rows, cold cache."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        recall.read(
            [
                "notify_pending_count",
                "notice_delivered_count",
                "notice_queued_count",
                "notice_failed_count",
                "notice_failure_info",
            ]
        )
        recall.shipment_ids.mapped("delivery_failure")
        return self.cr.sql_log_count - before

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_delivery_states_do_not_grow_with_customers(self):
        small = self._new_recall(self.finished[:1]).with_user(self.recall_manager)
        small.action_trace()
        self._notify_wizard(small).action_apply()
        self._notify()
        with self.mock_mail_gateway():
            self._refuse_connections()
            self._process_queue()
        self.assertEqual(len(small.shipment_ids.partner_id), 1)
        self.assertEqual(len(self.recall.shipment_ids.partner_id), 3)
        self.assertEqual(small.notice_failed_count, 1)
        self.assertEqual(self.recall.notice_failed_count, 3)
        queries = self._count_status_queries(small)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(queries):
            self.recall.read(
                [
                    "notify_pending_count",
                    "notice_delivered_count",
                    "notice_queued_count",
                    "notice_failed_count",
                    "notice_failure_info",
                ]
            )
            self.recall.shipment_ids.mapped("delivery_failure")

    def _refuse_address(self, address):
        """The mail server takes every recipient but ``address``, which it
        refuses (``SMTPRecipientsRefused``, per recipient)."""
        send_email = self.send_email_mocked.side_effect

        def refuse_one(model, message, *args, **kwargs):
            if address in message["To"]:
                raise smtplib.SMTPRecipientsRefused(
                    {address: (550, b"5.1.1 No such user here")}
                )
            return send_email(model, message, *args, **kwargs)

        self.send_email_mocked.side_effect = refuse_one

    def _notify_with_contact_refused(self, customer):
        """Notify every customer offered, ``customer`` also at a new quality
        contact whose address the mail server refuses, and run the queue;
        the contact."""
        contact = self.env["res.partner"].create(
            {
                "name": "RD Quality",
                "parent_id": customer.id,
                "email": "quality@rd.example.com",
            }
        )
        wizard = self._notify_wizard(self.recall)
        line = wizard.line_ids.filtered(lambda line: line.partner_id == customer)
        line.recipient_ids = customer | contact
        wizard.action_apply()
        self.env.invalidate_all()
        with self.mock_mail_gateway(mail_unlink_sent=True):
            self._refuse_address(contact.email)
            self._process_queue()
        return contact

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_one_recipient_refused_the_other_reached(self):
        """A notice to a customer and its quality contact: the server takes
        the customer's address and refuses the contact's. Odoo records one
        notification sent and one failed; the customer's notice is failed
        (as delivered as its least delivered recipient), naming why, and
        Notify offers it again, to the contact only."""
        customer = self.customers[0]
        before = self.recall.message_ids
        contact = self._notify_with_contact_refused(customer)
        notice = self._notices(before).filtered(lambda m: contact in m.partner_ids)
        status = {
            n.res_partner_id: n.notification_status for n in notice.notification_ids
        }
        self.assertEqual(status, {customer: "sent", contact: "exception"})
        rows = self._rows(customer)
        self.assertEqual(set(rows.mapped("delivery_state")), {"failed"})
        self.assertIn("quality@rd.example.com", rows[0].delivery_failure)
        self.assertSummary(delivered=2, pending=0, failed=1, to_notify=1)
        wizard = self._notify_wizard(self.recall)
        self.assertEqual(wizard.line_ids.partner_id, customer)
        self.assertEqual(wizard.line_ids.delivery_state, "failed")
        # to the recipient not reached, not again to the one reached
        self.assertEqual(wizard.line_ids.recipient_ids, contact)
        wizard.action_apply()
        self.env.invalidate_all()
        with self.mock_mail_gateway(mail_unlink_sent=True):
            self._process_queue()
        self.assertEqual(
            [email for mail in self._mails for email in mail["email_to"]],
            contact.mapped("email_formatted"),
        )
        self.assertEqual(set(rows.mapped("delivery_state")), {"sent"})
        self.assertSummary(delivered=3, pending=0, failed=0, to_notify=0)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_odoo_retry_of_failed_notices(self):
        """Odoo 19 does not retry a failed email by itself: the queue sends
        outgoing emails only. Its Retry (``mail.mail.action_retry``, the
        Emails menu) puts a failed email back in the queue: the notices
        read queued, then sent once the server accepts them, and Notify
        offers nobody."""
        before = self.recall.message_ids
        self._notify()
        with self.mock_mail_gateway():
            self._refuse_connections()
            self._process_queue()
        self.assertSummary(delivered=0, pending=0, failed=3, to_notify=3)
        # the cron's next run changes nothing
        with self.mock_mail_gateway():
            self._process_queue()
        self.assertFalse(self._mails)
        self.assertSummary(delivered=0, pending=0, failed=3, to_notify=3)
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "in", self._notices(before).ids)])
        )
        mails.action_retry()
        self.env.invalidate_all()
        self.assertEqual(
            set(self.recall.shipment_ids.mapped("delivery_state")), {"queued"}
        )
        self.assertSummary(delivered=0, pending=3, failed=0, to_notify=0)
        self.assertFalse(self._notify_wizard(self.recall).line_ids)
        with self.mock_mail_gateway(mail_unlink_sent=True):
            self._process_queue()
        self.assertEqual(len(self._mails), 3)
        self.assertEqual(
            set(self.recall.shipment_ids.mapped("delivery_state")), {"sent"}
        )
        self.assertSummary(delivered=3, pending=0, failed=0, to_notify=0)
        self.assertFalse(self._notify_wizard(self.recall).line_ids)
        self.assertFalse(self.recall.notice_failure_info)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_contact_refused_then_a_new_shipment(self):
        """The contact's address refused, and since then the customer got
        one more serial (shipped after the recall started): the next notice
        lists both and goes to the customer and to the contact, not to the
        contact alone (the customer never heard of the new serial)."""
        customer = self.customers[0]
        contact = self._notify_with_contact_refused(customer)
        late = self.chain["on_hand_serials"]
        self.builder.deliver(late.product_id, {late: 1.0}, customer)
        self.recall.action_trace()
        wizard = self._notify_wizard(self.recall)
        self.assertEqual(wizard.line_ids.partner_id, customer)
        self.assertIn(late.name, wizard.line_ids.lot_summary)
        self.assertEqual(wizard.line_ids.recipient_ids, customer | contact)
