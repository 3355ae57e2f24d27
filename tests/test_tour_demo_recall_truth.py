# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import DEMO_EXPIRED_LOT, DemoChainTourCase


@tagged("post_install", "-at_install")
class TestTourDemoRecallTruth(DemoChainTourCase, MockEmail):
    """The demo recall of FLOUR-2026-003 walked in the browser as a quality
    officer would: a genealogy with no edge through a box it does not join,
    quantities per product, and notices refused by the mail server shown
    failed, offered again and named before closing."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recall = (
            cls.env["stock.recall"]
            .with_user(cls.admin)
            .create(
                {
                    "lot_ids": [Command.set(cls.demo["lots"][DEMO_EXPIRED_LOT].ids)],
                    "direction": "downstream",
                    "reason": "Listeria found in flour",
                }
            )
        )
        cls.recall.action_trace()

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_demo_recall_truth_tour(self):
        recall = self.recall
        url = f"/odoo/action-stock_lot_traceability.stock_recall_action/{recall.id}"
        # the tour finds the gift box between the cookie lot and the
        # customers the cookie lot was shipped to
        self.assertEqual(
            set(recall.shipment_ids.lot_id.mapped("name")),
            {"COOKIE-2026-003", "GIFTBOX-0007"},
        )
        self.start_tour(
            url, "stock_lot_traceability_demo_recall_truth", login="admin", timeout=240
        )
        self.env.invalidate_all()
        self.assertEqual(set(recall.shipment_ids.mapped("delivery_state")), {"queued"})
        self.assertEqual(recall.notice_queued_count, 3)

        # the mail server refuses every connection: the queue leaves nothing
        # delivered
        def refuse(*args, **kwargs):
            raise ConnectionRefusedError(111, "Connection refused")

        with self.mock_mail_gateway():
            self.connect_mocked.side_effect = refuse
            self.env["mail.mail"].sudo().process_email_queue()
        self.env.invalidate_all()
        self.assertEqual(set(recall.shipment_ids.mapped("delivery_state")), {"failed"})
        self.assertEqual(recall.notice_failed_count, 3)

        self.start_tour(
            url,
            "stock_lot_traceability_demo_recall_truth_failed",
            login="admin",
            timeout=240,
        )
        self.env.invalidate_all()
        self.assertEqual(recall.state, "closed")
        self.assertEqual(recall.close_note, "The three customers were called by phone.")
        # closing did not turn the failed notices into delivered ones
        self.assertEqual(recall.notice_failed_count, 3)
        self.assertEqual(recall.notice_delivered_count, 0)
