# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from .common import TraceabilityChainBuilder


@tagged("post_install", "-at_install")
class TestTourLotTraceability(HttpCase):
    """A person opens a demo lot and its traceability report in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo = TraceabilityChainBuilder(cls.env).build_demo_chain()
        cls.env.ref("base.user_admin").group_ids |= cls.env.ref(
            "stock.group_production_lot"
        )

    def test_lot_traceability_report(self):
        self.assertIn("FLOUR-2026-001", self.demo["lots"])
        self.start_tour(
            "/odoo/action-stock.stock_picking_type_action",
            "stock_lot_traceability_lot_report",
            login="admin",
            timeout=180,
        )
