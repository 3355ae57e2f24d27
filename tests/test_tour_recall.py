# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io

from odoo.tests import tagged

from ..models.stock_recall import FSMA_EVENT_TYPES
from .common import DemoChainTourCase


@tagged("post_install", "-at_install")
class TestTourRecall(DemoChainTourCase):
    """A recall manager runs a recall from a demo lot in the browser, then
    prints the PDF and downloads the FSMA 204 spreadsheet."""

    def test_recall_tour(self):
        lot = self.demo["lots"]["FLOUR-2026-001"]
        self.start_tour(
            f"/odoo/action-stock.action_production_lot_form/{lot.id}",
            "stock_lot_traceability_recall",
            login="admin",
            timeout=180,
        )
        self.env.invalidate_all()
        recall = self.env["stock.recall"].search([("lot_ids", "in", lot.ids)], limit=1)
        self.assertEqual(recall.state, "in_progress")
        lots = recall.affected_lot_ids.lot_id
        self.assertEqual(lots.filtered("is_blocked"), lots)
        self.assertEqual(recall.customer_count, 3)

        self.authenticate("admin", "admin")
        response = self.url_open(
            f"/report/pdf/stock_lot_traceability.report_stock_recall/{recall.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        # in test mode Odoo serves the report's HTML under the PDF route
        self.assertIn(recall.name.encode(), response.content)
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("stock_lot_traceability.report_stock_recall", recall.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

        action = recall.with_user(self.admin).action_export_xlsx()
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        from openpyxl import load_workbook  # noqa: PLC0415

        sheet = load_workbook(io.BytesIO(response.content)).active
        self.assertEqual(sheet.cell(1, 3).value, "Traceability lot code")
        self.assertEqual(
            sheet.max_row,
            len(recall.event_ids.filtered(lambda e: e.event_type in FSMA_EVENT_TYPES))
            + 1,
        )
