# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.fields import Command
from odoo.tests import tagged

from .common import DemoChainTourCase


@tagged("post_install", "-at_install")
class TestTourGenealogy(DemoChainTourCase):
    """A quality officer opens the Genealogy tab of the demo recall, clicks
    the seed lot through to its form, and opens the genealogy of a lot from
    the lot form without creating a recall."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seed = cls.demo["lots"]["FLOUR-2026-003"]
        cls.recall = cls.env["stock.recall"].create(
            {
                "lot_ids": [Command.set(cls.seed.ids)],
                "direction": "downstream",
                "reason": "Salmonella in flour",
            }
        )
        cls.recall.action_trace()

    def test_genealogy_tour(self):
        self.assertEqual(self.recall.customer_count, 3)
        recalls = self.env["stock.recall"].search_count([])
        self.start_tour(
            f"/odoo/action-stock_lot_traceability.stock_recall_action/{self.recall.id}",
            "stock_lot_traceability_genealogy",
            login="admin",
            timeout=180,
        )
        # the lot form's genealogy created no recall
        self.assertEqual(self.env["stock.recall"].search_count([]), recalls)
