# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A3: no phantom lots or serial numbers."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form

from ..exceptions import TraceabilityError, TraceabilityValidationError
from .common import TraceabilityCase


class TestIntegrityPhantom(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref("stock.group_production_lot")
        cls.serial = cls.builder.create_product("Router", tracking="serial")
        cls.lot_product = cls.builder.create_product("Resin", tracking="lot")
        cls.vendor = cls.builder.create_partner("Router Vendor")
        cls.customer = cls.builder.create_partner("Router Customer")
        cls.out_type = cls.warehouse.out_type_id
        cls.in_type = cls.warehouse.in_type_id
        cls.shelf_1 = cls.env["stock.location"].create(
            {"name": "Shelf 1", "location_id": cls.stock_location.id}
        )
        cls.shelf_2 = cls.env["stock.location"].create(
            {"name": "Shelf 2", "location_id": cls.stock_location.id}
        )
        cls.Lot = cls.env["stock.lot"]

    def _delivery(self, product, lines, location=None, picking_type=None):
        """A confirmed delivery whose move lines are exactly ``lines``."""
        return self.builder.prepare_picking(
            picking_type or self.out_type,
            self.customer,
            location or self.stock_location,
            self.customer.property_stock_customer,
            {product: lines},
        )

    def _negative_quants(self, product):
        return self.env["stock.quant"].search(
            [
                ("product_id", "=", product.id),
                ("location_id.usage", "=", "internal"),
                ("quantity", "<", 0),
            ]
        )

    # --- the standard-Odoo reproductions --------------------------------

    def test_serial_never_received_delivered_refused(self):
        """Odoo 19 ships it and leaves a negative quant in WH/Stock."""
        lot = self.Lot.create({"name": "RT-001", "product_id": self.serial.id})
        picking = self._delivery(self.serial, [{"lot_id": lot.id, "quantity": 1}])
        with self.assertRaisesRegex(TraceabilityError, "RT-001 is not on hand"):
            picking.button_validate()
        self.assertFalse(self._negative_quants(self.serial))

    def test_lot_created_on_delivery_with_create_new_refused(self):
        """A delivery type left with Create New on invents lots in Odoo 19."""
        self.out_type.use_create_lots = True
        picking = self._delivery(self.serial, [{"lot_name": "RT-002", "quantity": 1}])
        with self.assertRaisesRegex(TraceabilityError, "RT-002 is not on hand"):
            picking.button_validate()
        self.assertFalse(self.Lot.search([("name", "=", "RT-002")]))

    def test_rpc_lot_create_for_type_without_create_new_refused(self):
        """``_check_create`` of Odoo only looks at ``active_picking_id``."""
        delivery = self._delivery(self.serial, [{"lot_name": "X", "quantity": 1}])
        vals = {"name": "RT-003", "product_id": self.serial.id}
        for context in (
            {"default_picking_type_id": self.out_type.id},
            {"active_model": "stock.picking", "active_id": delivery.id},
            {"default_picking_id": delivery.id},
        ):
            with self.assertRaisesRegex(TraceabilityError, "does not allow creating"):
                self.Lot.with_user(self.stock_user).with_context(**context).create(vals)
        # Odoo's own check still applies.
        with self.assertRaises(UserError):
            self.Lot.with_context(active_picking_id=delivery.id).create(vals)
        # A receipt type may create, and so may the Lots menu (no operation).
        self.Lot.with_context(default_picking_type_id=self.in_type.id).create(vals)
        self.Lot.create({"name": "RT-004", "product_id": self.serial.id})

    # --- on hand at the source -------------------------------------------

    def test_lot_name_on_type_without_create_new_refused(self):
        picking = self._delivery(self.serial, [{"lot_name": "RT-010", "quantity": 1}])
        with self.assertRaisesRegex(TraceabilityError, "does not allow creating"):
            picking.button_validate()

    def test_lot_ids_tags_take_lot_not_on_hand_refused(self):
        self.builder.receive(self.serial, {"RT-011": 1}, self.vendor)
        ghost = self.Lot.create({"name": "RT-012", "product_id": self.serial.id})
        picking = self._delivery(self.serial, [{"quantity": 1}])
        picking.move_ids.lot_ids = [Command.set(ghost.ids)]
        picking.move_ids.picked = True
        with self.assertRaisesRegex(TraceabilityError, "RT-012 is not on hand"):
            picking.button_validate()

    def test_delivery_form_flow_refused(self):
        ghost = self.Lot.create({"name": "RT-013", "product_id": self.serial.id})
        picking_form = Form(
            self.env["stock.picking"].with_context(
                default_picking_type_id=self.out_type.id
            )
        )
        picking_form.partner_id = self.customer
        with picking_form.move_ids.new() as move:
            move.product_id = self.serial
            move.product_uom_qty = 1
        picking = picking_form.save()
        picking.action_confirm()
        move_form = Form(picking.move_ids, view="stock.view_stock_move_operations")
        with move_form.move_line_ids.new() as line:
            line.lot_id = ghost
            line.quantity = 1
        move_form.save()
        picking.move_ids.picked = True
        with self.assertRaisesRegex(TraceabilityError, "RT-013 is not on hand"):
            picking.button_validate()

    def test_child_locations(self):
        self.builder.receive(
            self.serial, {"RT-020": 1}, self.vendor, location=self.shelf_1
        )
        # From the parent: the serial is in one of its children.
        picking = self._delivery(
            self.serial, [{"lot_id": self._lot("RT-020").id, "quantity": 1}]
        )
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        # From a sibling location: not there.
        self.builder.receive(
            self.serial, {"RT-021": 1}, self.vendor, location=self.shelf_1
        )
        picking = self._delivery(
            self.serial,
            [{"lot_id": self._lot("RT-021").id, "quantity": 1}],
            location=self.shelf_2,
        )
        with self.assertRaisesRegex(TraceabilityError, "RT-021 is not on hand in"):
            picking.button_validate()

    def _lot(self, name):
        return self.Lot.search([("name", "=", name)])

    def test_lot_quantity_beyond_on_hand_refused(self):
        self.builder.receive(self.lot_product, {"RS-001": 5}, self.vendor)
        lot = self._lot("RS-001")
        picking = self._delivery(self.lot_product, [{"lot_id": lot.id, "quantity": 8}])
        with self.assertRaisesRegex(TraceabilityError, r"on hand: 5\.00 Units"):
            picking.button_validate()
        self.builder.deliver(self.lot_product, {"RS-001": 5}, self.customer)
        self.assertFalse(self._negative_quants(self.lot_product))

    def test_action_done_directly_refused(self):
        lot = self.Lot.create({"name": "RT-030", "product_id": self.serial.id})
        picking = self._delivery(self.serial, [{"lot_id": lot.id, "quantity": 1}])
        with self.assertRaisesRegex(TraceabilityError, "RT-030 is not on hand"):
            picking.move_ids._action_done()

    def test_direct_quant_update_negative_refused(self):
        lot = self.Lot.create({"name": "RS-010", "product_id": self.lot_product.id})
        with self.assertRaisesRegex(TraceabilityValidationError, "not on hand"):
            self.env["stock.quant"]._update_available_quantity(
                self.lot_product, self.stock_location, -3, lot_id=lot
            )

    def test_manufacturing_consumes_lot_not_on_hand_refused(self):
        if not self.builder.has_mrp:
            self.skipTest("needs mrp")
        finished = self.builder.create_product("Router Kit", tracking="lot")
        self.Lot.create({"name": "RS-020", "product_id": self.lot_product.id})
        with self.assertRaisesRegex(TraceabilityError, "RS-020 is not on hand"):
            self.builder.manufacture(
                finished, {"KIT-1": 1}, {self.lot_product: {"RS-020": 2}}
            )

    # --- lot creation paths ------------------------------------------------

    def test_generate_serials_on_delivery_refused(self):
        picking = self._delivery(self.serial, [{"quantity": 1}])
        with self.assertRaisesRegex(TraceabilityError, "does not allow creating"):
            picking.move_ids._generate_serial_numbers("RT-040", next_serial_count=3)
        context_data = {
            "default_product_id": self.serial.id,
            "default_picking_type_id": self.out_type.id,
            "default_company_id": self.company.id,
            "default_location_dest_id": self.stock_location.id,
            "default_tracking": "serial",
            "default_quantity": 2,
        }
        with self.assertRaisesRegex(TraceabilityError, "does not allow creating"):
            self.env["stock.move"].action_generate_lot_line_vals(
                context_data, "import", False, 0, "RT-041\nRT-042"
            )
        self.assertFalse(self.Lot.search([("name", "like", "RT-04")]))

    def test_generate_serials_on_receipt_allowed(self):
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": self.in_type.id,
                "partner_id": self.vendor.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.serial.id,
                            "product_uom_qty": 3,
                            "product_uom": self.serial.uom_id.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        receipt.move_ids.move_line_ids.unlink()
        receipt.move_ids._generate_serial_numbers("RT-050", next_serial_count=3)
        receipt.move_ids.picked = True
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(len(receipt.move_ids.move_line_ids.lot_id), 3)

    # --- lot required ---------------------------------------------------------

    def test_inventory_adjustment_without_lot_refused(self):
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": self.serial.id,
                    "location_id": self.stock_location.id,
                    "inventory_quantity": 1,
                }
            )
        )
        with self.assertRaisesRegex(TraceabilityError, "lot/serial number is required"):
            quant.action_apply_inventory()

    def test_inventory_count_of_untracked_stock_to_zero_allowed(self):
        """Legacy untracked stock of a tracked product can be counted away."""
        self.company.strict_traceability = False
        self.env["stock.quant"]._update_available_quantity(
            self.lot_product, self.stock_location, 7
        )
        self.company.strict_traceability = True
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.lot_product.id), ("lot_id", "=", False)]
        )
        quant.with_context(inventory_mode=True).inventory_quantity = 0
        quant.action_apply_inventory()
        self.assertFalse(quant.exists() and quant.quantity)

    def test_inventory_import_without_lot_refused(self):
        result = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True, import_file=True)
            .load(
                ["product_id", "location_id", "inventory_quantity"],
                [
                    [
                        self.lot_product.display_name,
                        self.stock_location.display_name,
                        "4",
                    ]
                ],
            )
        )
        self.assertFalse(result["messages"], result["messages"])
        quants = self.env["stock.quant"].browse(result["ids"])
        with self.assertRaisesRegex(TraceabilityError, "lot/serial number is required"):
            quants.action_apply_inventory()

    # --- Create New on a delivery type ----------------------------------------

    def test_create_new_on_delivery_type_manager_only_and_logged(self):
        with self.assertRaises(AccessError):
            self.out_type.with_user(self.stock_user).use_create_lots = True
        # The rule itself, whatever access rights would let the write through.
        self.out_type.use_create_lots = True
        with self.assertRaises(AccessError):
            self.out_type.with_user(self.stock_user)._check_traceability_create_new()
        self.out_type.use_create_lots = False
        self.out_type.with_user(self.stock_manager).use_create_lots = True
        messages = self.env["mail.message"].search(
            [
                ("model", "=", "stock.picking.type"),
                ("res_id", "=", self.out_type.id),
                ("body", "ilike", "allowed this delivery operation type"),
            ]
        )
        self.assertTrue(messages)
        self.assertIn(self.stock_manager.name, messages[0].body)

    # --- switches ---------------------------------------------------------------

    def test_master_switch_off_is_odoo_behaviour(self):
        self.company.strict_traceability = False
        lot = self.Lot.create({"name": "RT-090", "product_id": self.serial.id})
        picking = self._delivery(self.serial, [{"lot_id": lot.id, "quantity": 1}])
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertTrue(self._negative_quants(self.serial))
