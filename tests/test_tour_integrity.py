# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import TraceabilityChainBuilder


@tagged("post_install", "-at_install")
class TestTourIntegrity(HttpCase):
    """A person types a serial number already on hand in a receipt's detailed
    operations and validates: the add-on's error is shown."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").group_ids |= cls.env.ref(
            "stock.group_production_lot"
        )
        builder = TraceabilityChainBuilder(cls.env)
        cls.product = builder.create_product("Tour Serial", tracking="serial")
        vendor = builder.create_partner("Tour Vendor")
        cls.first = builder.receive(cls.product, {"TOUR-SN-001": 1}, vendor)
        in_type = builder.warehouse.in_type_id
        cls.receipt = cls.env["stock.picking"].create(
            {
                "picking_type_id": in_type.id,
                "partner_id": vendor.id,
                "location_id": vendor.property_stock_supplier.id,
                "location_dest_id": in_type.default_location_dest_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 1,
                            "product_uom": cls.product.uom_id.id,
                            "location_id": vendor.property_stock_supplier.id,
                            "location_dest_id": in_type.default_location_dest_id.id,
                        }
                    )
                ],
            }
        )
        cls.receipt.action_confirm()

    def test_duplicate_serial_in_detailed_operations(self):
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_incoming/{self.receipt.id}",
            "stock_lot_traceability_duplicate_serial",
            login="admin",
            timeout=120,
        )
        self.assertNotEqual(self.receipt.state, "done")
        self.assertEqual(self.receipt.move_line_ids.lot_name, "TOUR-SN-001")
        lot = self.first.move_line_ids.lot_id
        self.assertEqual(lot.product_qty, 1)
