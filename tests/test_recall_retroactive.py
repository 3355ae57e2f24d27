# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.fields import Command

from .common_assign import AssignCase
from .common_recall import RecallCase


class TestRecallRetroactiveLot(AssignCase, RecallCase):
    """A lot assigned retroactively balances in a recall's mass balance: the
    stock it was assigned to counts as received."""

    def test_retroactive_lot_is_in_balance(self):
        product = self._create_untracked_product("Retro Flour", "RETRO-FLOUR")
        self._put_stock(product, self.shelf1, 30)
        self._put_stock(product, self.shelf2, 10)
        self._track(product, "lot")
        wizard = self._wizard(product, mode="single_lot", lot_name="RETRO-LOT-1")
        wizard.action_apply()
        lot = self.env["stock.lot"].search([("product_id", "=", product.id)])
        self.assertEqual(len(lot), 1)
        recall = (
            self.env["stock.recall"]
            .create(
                {
                    "lot_ids": [Command.set(lot.ids)],
                    "direction": "both",
                    "reason": "Retroactively tracked stock",
                }
            )
            .with_user(self.recall_manager)
        )
        recall.action_trace()
        line = recall.affected_lot_ids
        self.assertEqual(line.lot_id, lot)
        self.assertEqual(line.qty_received, 40.0)
        self.assertEqual(line.qty_in, 40.0)
        self.assertEqual(line.qty_on_hand, 40.0)
        self.assertEqual(line.qty_unexplained, 0.0)
        self.assertEqual(line.balance_pct, 100.0)
        self.assertFalse(line.balance_flag)
        self.assertEqual(recall.balance_flag_count, 0)
        # the history lines of the run are lot assignments, not transfers,
        # also in the FSMA 204 export
        run = self.env["stock.lot.assign.run"].search([], order="id desc", limit=1)
        events = recall.event_ids
        self.assertEqual(set(events.mapped("event_type")), {"assignment"})
        self.assertEqual(sum(events.mapped("product_qty")), 40.0)
        self.assertEqual(set(events.mapped("reference")), {run.name})
        fsma = recall._get_fsma_rows()
        self.assertEqual(
            {(row["event_type"], row["document_type"]) for row in fsma},
            {("Lot Assignment (retroactive)", "Lot assignment run")},
        )
        self.assertEqual({row["tlc"] for row in fsma}, {"RETRO-LOT-1"})
