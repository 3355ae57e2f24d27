# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from .common import TraceabilityChainBuilder


@tagged("post_install", "-at_install")
class TestTourBlockLot(HttpCase):
    """An inventory manager blocks a lot from its form, with a reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").group_ids |= cls.env.ref(
            "stock.group_production_lot"
        )
        builder = TraceabilityChainBuilder(cls.env)
        product = builder.create_product("Tour Blockable", tracking="lot")
        vendor = builder.create_partner("Tour Vendor")
        builder.receive(product, {"TOUR-BLOCK-001": 4}, vendor)
        cls.lot = builder.get_lots(product, ["TOUR-BLOCK-001"])

    def test_block_lot_from_form(self):
        self.start_tour(
            f"/odoo/action-stock.action_production_lot_form/{self.lot.id}",
            "stock_lot_traceability_block_lot",
            login="admin",
            timeout=180,
        )
        self.assertTrue(self.lot.is_blocked)
        self.assertEqual(self.lot.blocked_reason, "Supplier recall notice 42")
        self.assertEqual(self.lot.blocked_by_id, self.env.ref("base.user_admin"))
