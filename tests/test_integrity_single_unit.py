# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A2: a serial number has at most one unit on hand in the company."""

from odoo import Command
from odoo.tests import Form

from ..exceptions import TraceabilityError, TraceabilityValidationError
from .common import TraceabilityCase


class TestIntegritySingleUnit(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref("stock.group_production_lot")
        cls.serial = cls.builder.create_product("Drill", tracking="serial")
        cls.vendor = cls.builder.create_partner("Drill Vendor")
        cls.customer = cls.builder.create_partner("Drill Customer")
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf 1", "location_id": cls.stock_location.id}
        )
        cls.other_location = cls.env["stock.location"].create(
            {
                "name": "Overflow",
                "location_id": cls.warehouse.view_location_id.id,
                "usage": "internal",
            }
        )
        cls.Quant = cls.env["stock.quant"]

    def _on_hand(self, lot):
        quants = self.Quant.search(
            [("lot_id", "=", lot.id), ("location_id.usage", "=", "internal")]
        )
        return sum(quants.mapped("quantity"))

    def _receive_form(self, lot_names, location=None):
        """A receipt made and filled through the UI forms (detailed operations)."""
        picking_form = Form(
            self.env["stock.picking"].with_context(
                default_picking_type_id=self.warehouse.in_type_id.id
            )
        )
        picking_form.partner_id = self.vendor
        with picking_form.move_ids.new() as move:
            move.product_id = self.serial
            move.product_uom_qty = len(lot_names)
        picking = picking_form.save()
        if location:
            picking.location_dest_id = location
        picking.action_confirm()
        # Start from empty detailed operations, as a user typing serials.
        picking.move_ids.move_line_ids.unlink()
        move_form = Form(picking.move_ids, view="stock.view_stock_move_operations")
        for name in lot_names:
            with move_form.move_line_ids.new() as line:
                line.lot_name = name
                line.quantity = 1
        move_form.save()
        picking.move_ids.picked = True
        return picking

    # --- the standard-Odoo reproduction --------------------------------

    def test_serial_received_twice_into_two_locations_refused(self):
        """Odoo 19 accepts this and has the serial on hand twice."""
        first = self.builder.receive(self.serial, {"DR-001": 1}, self.vendor)
        lot = first.move_line_ids.lot_id
        with self.assertRaisesRegex(TraceabilityError, "already on hand") as caught:
            self.builder.receive(
                self.serial, {"DR-001": 1}, self.vendor, location=self.other_location
            )
        message = str(caught.exception)
        self.assertIn(self.stock_location.display_name, message)
        self.assertIn(first.name, message)
        self.assertEqual(self._on_hand(lot), 1)

    def test_receipt_form_flow_refused(self):
        self.builder.receive(self.serial, {"DR-002": 1}, self.vendor)
        picking = self._receive_form(["DR-002"], location=self.other_location)
        with self.assertRaisesRegex(TraceabilityError, "DR-002.*already on hand"):
            picking.button_validate()
        self.assertNotEqual(picking.state, "done")

    def test_receipt_form_flow_new_serial_passes(self):
        picking = self._receive_form(["DR-003", "DR-004"])
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    def test_action_done_directly_refused(self):
        receipt = self.builder.receive(self.serial, {"DR-005": 1}, self.vendor)
        lot = receipt.move_line_ids.lot_id
        move = self.env["stock.move"].create(
            {
                "product_id": self.serial.id,
                "product_uom_qty": 1,
                "product_uom": self.serial.uom_id.id,
                "location_id": self.vendor.property_stock_supplier.id,
                "location_dest_id": self.shelf.id,
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": self.serial.id,
                            "lot_id": lot.id,
                            "quantity": 1,
                            "location_id": self.vendor.property_stock_supplier.id,
                            "location_dest_id": self.shelf.id,
                        }
                    )
                ],
            }
        )
        move._action_confirm()
        move.picked = True
        with self.assertRaisesRegex(TraceabilityError, "already on hand"):
            move._action_done()
        self.assertEqual(self._on_hand(lot), 1)

    def test_one_error_lists_every_line(self):
        self.builder.receive(
            self.serial, {"DR-010": 1, "DR-011": 1, "DR-012": 1}, self.vendor
        )
        with self.assertRaises(TraceabilityError) as caught:
            self.builder.receive(
                self.serial,
                {"DR-010": 1, "DR-011": 1, "DR-013": 1, "DR-012": 1},
                self.vendor,
            )
        message = str(caught.exception)
        for name in ("DR-010", "DR-011", "DR-012"):
            self.assertIn(name, message)
        self.assertNotIn("DR-013", message)
        self.assertEqual(message.count("already on hand"), 3)

    def test_same_serial_twice_in_one_receipt_refused(self):
        with self.assertRaisesRegex(TraceabilityError, "received twice"):
            self.builder.receive(self.serial, {"DR-020": 1, "dr-020": 1}, self.vendor)

    # --- what stays allowed ----------------------------------------------

    def test_customer_return_of_shipped_serial_allowed(self):
        self.builder.receive(self.serial, {"DR-030": 1}, self.vendor)
        delivery = self.builder.deliver(self.serial, {"DR-030": 1}, self.customer)
        lot = delivery.move_line_ids.lot_id
        self.assertEqual(self._on_hand(lot), 0)
        self.builder.return_delivery(delivery)
        self.assertEqual(self._on_hand(lot), 1)

    def test_customer_return_of_serial_on_hand_refused(self):
        self.builder.receive(self.serial, {"DR-031": 1}, self.vendor)
        delivery = self.builder.deliver(self.serial, {"DR-031": 1}, self.customer)
        # The same serial comes back through the vendor...
        self.builder.receive(self.serial, {"DR-031": 1}, self.vendor)
        # ...so the customer's return would make it two.
        with self.assertRaisesRegex(TraceabilityError, "DR-031.*already on hand"):
            self.builder.return_delivery(delivery)

    def test_internal_transfer_allowed(self):
        receipt = self.builder.receive(self.serial, {"DR-032": 1}, self.vendor)
        self.builder.transfer(self.serial, {"DR-032": 1}, self.shelf)
        lot = receipt.move_line_ids.lot_id
        on_hand = lot.quant_ids.filtered(lambda q: q.quantity > 0)
        self.assertEqual(on_hand.location_id, self.shelf)

    def test_transfer_into_shared_transit_allowed(self):
        """An inter-company delivery: the serial leaves the company's stock for
        a transit location of no company (Odoo's sale_stock multi-company
        test does this)."""
        receipt = self.builder.receive(self.serial, {"DR-033": 1}, self.vendor)
        transit = self.env.ref("stock.stock_location_inter_company")
        transit.active = True
        self.assertFalse(transit.company_id)
        self.builder.transfer(self.serial, {"DR-033": 1}, transit)
        lot = receipt.move_line_ids.lot_id
        on_hand = lot.quant_ids.filtered(lambda q: q.quantity > 0)
        self.assertEqual(on_hand.location_id, transit)

    # --- inventory adjustments ---------------------------------------------

    def test_inventory_adjustment_second_copy_in_child_location_refused(self):
        self.builder.receive(self.serial, {"DR-040": 1}, self.vendor)
        with self.assertRaisesRegex(TraceabilityError, "already on hand"):
            self.builder.adjust_inventory(self.serial, {"DR-040": 1}, self.shelf)

    def test_inventory_adjustment_second_copy_in_parent_location_refused(self):
        self.builder.receive(
            self.serial, {"DR-041": 1}, self.vendor, location=self.shelf
        )
        with self.assertRaisesRegex(TraceabilityError, "already on hand"):
            self.builder.adjust_inventory(self.serial, {"DR-041": 1})

    def test_inventory_adjustment_two_units_refused(self):
        receipt = self.builder.receive(self.serial, {"DR-042": 1}, self.vendor)
        quant = receipt.move_line_ids.lot_id.quant_ids.filtered(
            lambda q: q.location_id == self.stock_location
        )
        quant.with_context(inventory_mode=True).inventory_quantity = 2
        with self.assertRaisesRegex(TraceabilityError, "already on hand"):
            quant.action_apply_inventory()

    def test_inventory_adjustment_new_serial_allowed(self):
        moves = self.builder.adjust_inventory(self.serial, {"DR-043": 1}, self.shelf)
        self.assertEqual(moves.state, "done")

    def test_direct_quant_update_refused(self):
        receipt = self.builder.receive(self.serial, {"DR-050": 1}, self.vendor)
        lot = receipt.move_line_ids.lot_id
        with self.assertRaisesRegex(TraceabilityValidationError, "at most once"):
            self.Quant._update_available_quantity(
                self.serial, self.other_location, 1, lot_id=lot
            )

    def test_direct_quant_update_with_client_context_refused(self):
        """The context key that lets move lines being done skip the quant
        guard cannot be sent by a client."""
        receipt = self.builder.receive(self.serial, {"DR-051": 1}, self.vendor)
        lot = receipt.move_line_ids.lot_id
        with self.assertRaisesRegex(TraceabilityValidationError, "at most once"):
            self.Quant.with_context(
                traceability_lines_checked=True
            )._update_available_quantity(
                self.serial, self.other_location, 1, lot_id=lot
            )

    def test_quant_created_while_reservations_are_freed(self):
        """Odoo frees reservations with ``quants_cache=None``; a quant created
        on that path (seen under load) is created, not a server error."""
        product = self.builder.create_product("Cache Bolt", tracking="none")
        self.Quant.with_context(quants_cache=None)._update_available_quantity(
            product, self.stock_location, 3
        )
        self.assertEqual(
            self.Quant._get_available_quantity(product, self.stock_location), 3
        )

    def test_manufacturing_a_serial_already_on_hand_refused(self):
        if not self.builder.has_mrp:
            self.skipTest("needs mrp")
        component = self.builder.create_product("Drill Bit", tracking="none")
        self.Quant._update_available_quantity(component, self.stock_location, 5)
        self.builder.receive(self.serial, {"DR-070": 1}, self.vendor)
        with self.assertRaisesRegex(TraceabilityError, "DR-070.*already on hand"):
            self.builder.manufacture(self.serial, {"DR-070": 1}, {component: 1})

    # --- switches ------------------------------------------------------------

    def test_rule_off_is_odoo_behaviour(self):
        self.company.traceability_single_unit = False
        self.builder.receive(self.serial, {"DR-060": 1}, self.vendor)
        receipt = self.builder.receive(
            self.serial, {"DR-060": 1}, self.vendor, location=self.other_location
        )
        self.assertEqual(self._on_hand(receipt.move_line_ids.lot_id), 2)

    def test_master_switch_off_is_odoo_behaviour(self):
        self.company.strict_traceability = False
        self.builder.receive(self.serial, {"DR-061": 1}, self.vendor)
        receipt = self.builder.receive(
            self.serial, {"DR-061": 1}, self.vendor, location=self.other_location
        )
        self.assertEqual(self._on_hand(receipt.move_line_ids.lot_id), 2)
