# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A5: lots with done moves are immutable; logged corrections; tracking
changes logged and refused when they would leave stock inconsistent."""

from odoo.exceptions import AccessError
from odoo.tests import Form

from ..exceptions import TraceabilityError
from .common import TraceabilityCase


class TestIntegrityImmutability(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.builder.create_product("Immutable widget", tracking="lot")
        cls.vendor = cls.builder.create_partner("Immutable Vendor")
        cls.receipt = cls.builder.receive(cls.product, {"IMM-001": 10}, cls.vendor)
        cls.lot = cls.receipt.move_line_ids.lot_id
        cls.done_line = cls.receipt.move_line_ids

    def _messages(self, record):
        return "\n".join(record.message_ids.mapped("body"))

    # --- delete, rename, re-assign ---------------------------------------

    def test_delete_lot_with_done_moves_refused(self):
        """Standard Odoo deletes the lot and nulls lot_id on the done line."""
        self.lot.quant_ids.sudo().unlink()
        with self.assertRaisesRegex(TraceabilityError, "IMM-001"):
            self.lot.unlink()
        self.assertTrue(self.lot.exists())
        self.assertEqual(self.done_line.lot_id, self.lot)

    def test_delete_unused_lot_allowed(self):
        lot = self.env["stock.lot"].create(
            {"name": "IMM-FREE", "product_id": self.product.id}
        )
        lot.unlink()
        self.assertFalse(lot.exists())

    def test_done_line_keeps_its_lot(self):
        with self.assertRaisesRegex(TraceabilityError, "cannot be removed"):
            self.done_line.write({"lot_id": False})
        self.assertEqual(self.done_line.lot_id, self.lot)

    def test_rename_refused_as_user_and_through_form(self):
        with self.assertRaisesRegex(TraceabilityError, "IMM-001"):
            self.lot.with_user(self.stock_manager).name = "IMM-002"
        lot_form = Form(self.lot)
        lot_form.name = "IMM-003"
        with self.assertRaises(TraceabilityError):
            lot_form.save()
        self.lot.invalidate_recordset()
        self.assertEqual(self.lot.name, "IMM-001")

    def test_same_name_write_is_not_a_rename(self):
        self.lot.write({"name": "  IMM-001 "})
        self.assertEqual(self.lot.name, "IMM-001")

    def test_product_and_company_change_refused(self):
        other = self.builder.create_product("Other widget", tracking="lot")
        with self.assertRaises(TraceabilityError):
            self.lot.product_id = other
        other_company = self.env["res.company"].create({"name": "Other Co"})
        with self.assertRaisesRegex(TraceabilityError, "IMM-001"):
            self.lot.company_id = other_company
        self.env.invalidate_all()
        self.assertFalse(self.lot.company_id)

    def test_unused_lot_stays_editable(self):
        lot = self.env["stock.lot"].create(
            {"name": "IMM-EDIT", "product_id": self.product.id}
        )
        lot.name = "IMM-EDITED"
        self.assertEqual(lot.name, "IMM-EDITED")

    def test_master_switch_off_is_standard(self):
        self.company.strict_traceability = False
        self.lot.name = "IMM-RENAMED"
        self.lot.quant_ids.sudo().unlink()
        self.lot.unlink()
        self.assertFalse(self.done_line.lot_id)

    # --- correction wizard -----------------------------------------------

    def test_correction_wizard_renames_with_logged_reason(self):
        action = self.lot.with_user(self.stock_manager).action_open_correct_wizard()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.stock_manager)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard_form.new_name, "IMM-001")
        wizard_form.new_name = "IMM-001A"
        wizard_form.reason = "Label misread at receipt"
        wizard_form.save().action_apply()
        self.assertEqual(self.lot.name, "IMM-001A")
        self.assertEqual(self.done_line.lot_id, self.lot)
        messages = self._messages(self.lot)
        self.assertIn("Label misread at receipt", messages)
        self.assertIn("IMM-001", messages)
        self.assertIn(self.stock_manager.name, messages)

    def test_correction_needs_manager_and_reason(self):
        with self.assertRaises(AccessError):
            self.lot.with_user(self.stock_user).action_open_correct_wizard()
        with self.assertRaises(AccessError):
            self.env["stock.lot.correct"].with_user(self.stock_user).create(
                {"lot_id": self.lot.id, "new_name": "X", "reason": "x"}
            )
        with self.assertRaises(TraceabilityError):
            # The correction context alone does not rename for a user.
            self.lot.with_user(self.stock_user).with_context(
                slt_lot_correction=False
            ).name = "IMM-X"

    def test_correction_context_sent_by_a_client_does_not_rename(self):
        """An RPC client sets any context key it likes: the correction
        wizard's marker is not one it can send."""
        with self.assertRaises(TraceabilityError):
            self.lot.with_user(self.stock_user).with_context(
                slt_lot_correction=True
            ).name = "IMM-X"
        self.assertEqual(self.lot.name, "IMM-001")

    # --- tracking changes --------------------------------------------------

    def test_lot_to_serial_with_ten_unit_lot_refused(self):
        """Standard Odoo accepts it, leaving a 10-unit "serial"."""
        with self.assertRaisesRegex(TraceabilityError, "IMM-001"):
            self.product.tracking = "serial"
        self.env.invalidate_all()
        self.assertEqual(self.product.tracking, "lot")

    def test_lot_to_serial_allowed_when_every_lot_holds_one_unit(self):
        product = self.builder.create_product("Single units", tracking="lot")
        self.builder.receive(product, {"ONE-1": 1, "ONE-2": 1}, self.vendor)
        product.product_tmpl_id.tracking = "serial"
        self.assertEqual(product.tracking, "serial")
        messages = self._messages(product.product_tmpl_id)
        self.assertIn("Tracking changed from", messages)
        self.assertIn("By Unique Serial Number", messages)

    def test_untracked_to_tracked_allowed_and_logged(self):
        product = self.builder.create_product("Legacy stock", tracking="none")
        self.env["stock.quant"]._update_available_quantity(
            product, self.stock_location, 7
        )
        product.product_tmpl_id.tracking = "lot"
        self.assertEqual(product.tracking, "lot")
        messages = self._messages(product.product_tmpl_id)
        self.assertIn("Tracking changed from By Quantity to By Lots", messages)
        self.assertIn("7.00 Units on hand have no lot/serial number", messages)
