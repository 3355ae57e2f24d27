# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import DemoChainTourCase


@tagged("post_install", "-at_install")
class TestTourRecallNotify(DemoChainTourCase, MockEmail):
    """Notify customers in the browser: preview, exclude, confirm; notices
    refused by the mail server shown failed, offered again, and closing
    asks first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lot = cls.demo["lots"]["FLOUR-2026-003"]
        cls.recall = (
            cls.env["stock.recall"]
            .with_user(cls.admin)
            .create(
                {
                    "lot_ids": [Command.set(lot.ids)],
                    "direction": "downstream",
                    "reason": "Listeria found in flour",
                }
            )
        )
        cls.recall.action_trace()

    def test_recall_notify_tour(self):
        recall = self.recall
        customers = recall.shipment_ids.partner_id
        self.assertEqual(
            set(customers.mapped("name")),
            {"Green Grocer Ltd", "Corner Bakery Café", "Sunrise Supermarket"},
        )
        before = recall.message_ids
        self.start_tour(
            f"/odoo/action-stock_lot_traceability.stock_recall_action/{recall.id}",
            "stock_lot_traceability_recall_notify",
            login="admin",
            timeout=180,
        )
        self.env.invalidate_all()
        notices = (recall.message_ids - before).filtered(
            lambda m: m.message_type == "comment"
        )
        # one notice per customer, Sunrise's sent on its own, after the others
        self.assertEqual(len(notices), 3)
        self.assertEqual(notices.partner_ids, customers)
        sunrise = customers.filtered(lambda p: p.name == "Sunrise Supermarket")
        last = notices.sorted("id")[-1]
        self.assertEqual(last.partner_ids, sunrise)
        self.assertTrue(all(recall.shipment_ids.mapped("notified")))
        # Odoo's tests send no email: the notices wait in the queue
        self.assertEqual(set(recall.shipment_ids.mapped("delivery_state")), {"queued"})
        self.assertEqual(recall.notice_queued_count, 3)
        self.assertEqual(recall.notify_pending_count, 0)
        self.assertEqual(recall.state, "in_progress")

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_recall_notice_failed_tour(self):
        recall = self.recall
        action = recall.action_notify()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(
            wizard.action_apply()["params"]["message"],
            "3 customer notices queued for sending.",
        )

        def refuse(*args, **kwargs):
            raise ConnectionRefusedError(111, "Connection refused")

        with self.mock_mail_gateway():
            self.connect_mocked.side_effect = refuse
            self.env["mail.mail"].sudo().process_email_queue()
        self.env.invalidate_all()
        self.assertEqual(set(recall.shipment_ids.mapped("delivery_state")), {"failed"})
        self.start_tour(
            f"/odoo/action-stock_lot_traceability.stock_recall_action/{recall.id}",
            "stock_lot_traceability_recall_notice_failed",
            login="admin",
            timeout=180,
        )
        self.env.invalidate_all()
        self.assertEqual(recall.state, "closed")
        self.assertEqual(recall.notice_failed_count, 3)
