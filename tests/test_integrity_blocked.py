# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A6: blocked lots (manager only, logged, never reserved, quarantine only)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form

from ..exceptions import TraceabilityError
from .common import TraceabilityCase


class TestIntegrityBlocked(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.builder.create_product("Blockable", tracking="lot")
        cls.vendor = cls.builder.create_partner("Block Vendor")
        cls.customer = cls.builder.create_partner("Block Customer")
        cls.receipt = cls.builder.receive(
            cls.product, {"BLK-OLD": 5, "BLK-NEW": 5}, cls.vendor
        )
        cls.old_lot, cls.new_lot = cls.builder.get_lots(
            cls.product, ["BLK-OLD", "BLK-NEW"]
        )
        # FIFO takes the oldest lot first.
        cls.old_lot.quant_ids.in_date = fields.Datetime.now() - timedelta(days=10)

    def _block(self, lots, reason="Supplier recall R-1", user=None):
        action = lots.with_user(user or self.stock_manager).action_open_block_wizard()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(user or self.stock_manager)
            .with_context(**action["context"])
        )
        wizard_form.reason = reason
        return wizard_form.save().action_apply()

    def _delivery(self, qty):
        picking = self._create_delivery(self.product, qty, self.customer)
        picking.action_assign()
        return picking

    # --- who, when, why ----------------------------------------------------

    def test_block_and_unblock_logged(self):
        self._block(self.old_lot)
        self.assertTrue(self.old_lot.is_blocked)
        self.assertEqual(self.old_lot.blocked_reason, "Supplier recall R-1")
        self.assertEqual(self.old_lot.blocked_by_id, self.stock_manager)
        self.assertTrue(self.old_lot.blocked_date)
        action = self.old_lot.with_user(self.stock_manager).action_open_unblock_wizard()
        wizard = (
            self.env["stock.lot.block"]
            .with_user(self.stock_manager)
            .with_context(**action["context"])
            .create({"reason": "Lab analysis negative"})
        )
        wizard.action_apply()
        self.assertFalse(self.old_lot.is_blocked)
        bodies = "\n".join(self.old_lot.message_ids.mapped("body"))
        self.assertIn("Supplier recall R-1", bodies)
        self.assertIn("Lab analysis negative", bodies)
        self.assertIn(self.stock_manager.name, bodies)

    def test_stock_user_cannot_block_or_unblock(self):
        with self.assertRaises(AccessError):
            self.old_lot.with_user(self.stock_user).action_open_block_wizard()
        with self.assertRaises(AccessError):
            self.env["stock.lot.block"].with_user(self.stock_user).create(
                {"lot_ids": [Command.set(self.old_lot.ids)], "reason": "x"}
            )
        with self.assertRaises(AccessError):
            self.old_lot.with_user(self.stock_user).write({"is_blocked": True})
        self.old_lot._action_block("Recall")
        with self.assertRaises(AccessError):
            self.old_lot.with_user(self.stock_user).action_open_unblock_wizard()
        with self.assertRaises(AccessError):
            self.old_lot.with_user(self.stock_user).write({"is_blocked": False})
        self.assertTrue(self.old_lot.is_blocked)

    def test_block_context_sent_by_a_client_does_not_block(self):
        """An RPC client sets any context key it likes: the block marker of
        ``_action_block`` is not one it can send."""
        with self.assertRaises(AccessError):
            self.old_lot.with_user(self.stock_user).with_context(
                slt_lot_block=True
            ).write({"is_blocked": True, "blocked_reason": "no reason logged"})
        self.assertFalse(self.old_lot.is_blocked)

    def test_block_needs_a_reason(self):
        with self.assertRaises(UserError):
            self.old_lot._action_block("  ")

    def test_action_block_is_set_based(self):
        lots = self.old_lot | self.new_lot
        blocked = lots._action_block("Recall R-2")
        self.assertEqual(blocked, lots)
        self.assertEqual(set(lots.mapped("is_blocked")), {True})
        # Already blocked lots are left as they are.
        self.assertFalse(lots._action_block("Again"))
        self.assertEqual(set(lots.mapped("blocked_reason")), {"Recall R-2"})

    def test_block_several_lots_from_the_list(self):
        action = self.env.ref("stock_lot_traceability.stock_lot_block_action")
        self.assertEqual(action.binding_model_id.model, "stock.lot")
        lots = self.old_lot | self.new_lot
        self.env["stock.lot.block"].with_user(self.stock_manager).with_context(
            active_model="stock.lot", active_ids=lots.ids, default_mode="block"
        ).create({"reason": "Recall R-3"}).action_apply()
        self.assertEqual(set(lots.mapped("is_blocked")), {True})

    # --- reservation -------------------------------------------------------

    def test_blocked_lot_never_reserved(self):
        self.old_lot._action_block("Recall")
        picking = self._delivery(5)
        self.assertEqual(picking.move_line_ids.lot_id, self.new_lot)
        picking = self._delivery(5)
        self.assertFalse(picking.move_line_ids, "only the blocked lot is left")
        self.assertEqual(picking.state, "confirmed")

    def test_client_context_cannot_reserve_blocked_lots(self):
        """The reservation's own context key, sent over RPC to switch the
        blocked-lot filter off, lifts nothing: reservation always sets it."""
        self.old_lot._action_block("Recall")
        self.new_lot._action_block("Recall")
        picking = self._create_delivery(self.product, 5, self.customer)
        picking.with_context(slt_reservable_lots_only=False).action_assign()
        self.assertFalse(picking.move_line_ids)
        self.assertEqual(picking.state, "confirmed")

    def test_unblocked_lot_reserved_again(self):
        self.old_lot._action_block("Recall")
        self.old_lot._action_unblock("Cleared")
        picking = self._delivery(5)
        self.assertEqual(picking.move_line_ids.lot_id, self.old_lot)

    # --- moves -------------------------------------------------------------

    def test_blocked_lot_delivery_refused(self):
        self.old_lot._action_block("Recall")
        with self.assertRaisesRegex(TraceabilityError, "BLK-OLD.*blocked"):
            self.builder.deliver(self.product, {"BLK-OLD": 2}, self.customer)
        # _action_done called directly is checked too.
        picking = self._delivery(2)
        picking.move_line_ids.lot_id = self.old_lot
        picking.move_ids.picked = True
        with self.assertRaisesRegex(TraceabilityError, "BLK-OLD"):
            picking.move_ids._action_done()

    def test_blocked_lot_received_by_name_refused(self):
        """A receipt naming a blocked lot (typed, not picked) does not put it
        back into saleable stock."""
        self.old_lot._action_block("Recall")
        with self.assertRaisesRegex(TraceabilityError, "BLK-OLD.*blocked"):
            self.builder.receive(self.product, {"BLK-OLD": 2}, self.vendor)
        quarantine = self.warehouse.quarantine_location_id
        self.builder.receive(self.product, {"BLK-OLD": 2}, self.vendor, quarantine)
        self.assertEqual(
            self.old_lot.with_context(location=quarantine.id).product_qty, 2
        )

    def test_blocked_lot_internal_transfer_refused(self):
        shelf = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.stock_location.id}
        )
        self.old_lot._action_block("Recall")
        with self.assertRaises(TraceabilityError):
            self.builder.transfer(self.product, {"BLK-OLD": 1}, shelf)

    def test_blocked_lot_to_quarantine_scrap_and_vendor(self):
        quarantine = self.warehouse.quarantine_location_id
        self.old_lot._action_block("Recall")
        self.builder.transfer(self.product, {"BLK-OLD": 2}, quarantine)
        self.builder.scrap(self.product, "BLK-OLD", 1, location=quarantine)
        self.builder.return_picking(self.receipt, {"BLK-OLD": 2})
        self.assertEqual(
            self.old_lot.with_context(location=quarantine.id).product_qty, 1
        )
        self.assertEqual(
            self.old_lot.with_context(location=self.stock_location.id).product_qty, 1
        )

    def test_master_switch_off_is_standard(self):
        self.old_lot._action_block("Recall")
        self.company.strict_traceability = False
        picking = self._delivery(5)
        self.assertEqual(picking.move_line_ids.lot_id, self.old_lot)
        self.builder.deliver(self.product, {"BLK-OLD": 1}, self.customer)

    # --- quarantine locations ----------------------------------------------

    def test_quarantine_location_per_warehouse(self):
        quarantine = self.warehouse.quarantine_location_id
        self.assertTrue(quarantine.is_quarantine)
        self.assertEqual(quarantine.usage, "internal")
        self.assertEqual(quarantine.location_id, self.warehouse.view_location_id)
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Second WH", "code": "WH2Q"}
        )
        self.assertTrue(warehouse.quarantine_location_id.is_quarantine)
        self.assertEqual(warehouse.quarantine_location_id.name, "Quarantine")
        # A warehouse that lost it gets it back (post-install hook path).
        warehouse.quarantine_location_id = False
        warehouse._create_quarantine_locations()
        self.assertTrue(warehouse.quarantine_location_id.is_quarantine)
