# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io

from odoo.fields import Command
from odoo.tests import tagged

from .common import DEMO_EXPIRED_LOT, DemoChainTourCase


@tagged("post_install", "-at_install")
class TestTourRecallScreens(DemoChainTourCase):
    """The recall form on a 1440 px screen: header actions per state, the
    gear menu, readable columns, and the XLSX export from the gear menu."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin.tz = "Europe/Brussels"
        cls.recall = cls.env["stock.recall"].create(
            {
                "lot_ids": [Command.set(cls.demo["lots"][DEMO_EXPIRED_LOT].ids)],
                "reason": "Listeria in flour",
            }
        )
        cls.recall.action_trace()

    def _xlsx_attachments(self):
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", "stock.recall"),
                ("res_id", "=", self.recall.id),
                ("name", "=like", "%.xlsx"),
            ]
        )

    def test_recall_form_screens(self):
        self.start_tour(
            f"/odoo/action-stock_lot_traceability.stock_recall_action/{self.recall.id}",
            "stock_lot_traceability_recall_screens",
            login="admin",
            timeout=180,
        )
        self.env.invalidate_all()
        self.assertEqual(self.recall.state, "in_progress")
        attachment = self._xlsx_attachments()
        self.assertEqual(len(attachment), 1)
        from openpyxl import load_workbook  # noqa: PLC0415

        book = load_workbook(io.BytesIO(attachment.raw))
        self.assertEqual(book.sheetnames[0], "FSMA events")
        self.assertEqual(
            book["FSMA events"].cell(1, 2).value, "Event date (Europe/Brussels)"
        )

    def test_lot_form_recalls_and_block(self):
        self.recall.action_quarantine()
        lot = self.demo["lots"][DEMO_EXPIRED_LOT]
        self.assertTrue(lot.is_blocked and lot.product_expiry_alert)
        self.assertEqual(lot.recall_count, 1)
        # a lot the recall reached (not its seed) counts it too
        self.assertEqual(self.demo["lots"]["GIFTBOX-0007"].recall_count, 1)
        self.assertEqual(self.demo["lots"]["GIFTBOX-0001"].recall_count, 0)
        self.start_tour(
            f"/odoo/action-stock.action_production_lot_form/{lot.id}",
            "stock_lot_traceability_lot_recalls",
            login="admin",
            timeout=180,
        )
