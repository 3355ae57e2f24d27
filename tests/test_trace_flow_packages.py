# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Recall completeness: lots that travel in packages.

A receipt is put in a package (``action_put_in_pack``), the package is
unpacked (``stock.package.unpack``), part of the stock is put in a new
package on an internal transfer and that whole package is delivered
(``action_add_entire_packs``); the rest leaves loose.
"""

from odoo import Command

from .common_trace_flow import TraceFlowCase


class TestTraceFlowPackages(TraceFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        builder = cls.builder
        cls.env.user.group_ids = [
            Command.link(cls.env.ref("stock.group_tracking_lot").id)
        ]
        cls.bulk = builder.create_product("PKGF Bulk", tracking="lot")
        cls.device = builder.create_product("PKGF Device", tracking="serial")
        vendor = builder.create_partner("PKGF Vendor")
        cls.alice, cls.bob = builder.create_partners(["PKGF Alice", "PKGF Bob"])
        # receipt put in a package
        cls.receipt = cls.builder.prepare_picking(
            cls.warehouse.in_type_id,
            vendor,
            vendor.property_stock_supplier,
            cls.stock_location,
            {
                cls.bulk: [{"lot_name": "PKGF-L1", "quantity": 20.0}],
                cls.device: [
                    {"lot_name": "PKGF-SN-1", "quantity": 1.0},
                    {"lot_name": "PKGF-SN-2", "quantity": 1.0},
                ],
            },
        )
        cls.received_pack = cls.receipt.action_put_in_pack()
        builder.validate(cls.receipt)
        cls.lot = builder.get_lots(cls.bulk, ["PKGF-L1"])
        cls.sn1, cls.sn2 = builder.get_lots(cls.device, ["PKGF-SN-1", "PKGF-SN-2"])
        # unpacked in stock
        cls.received_pack.unpack()
        # part of it put in a new package on an internal transfer
        cls.packing = cls.builder.prepare_picking(
            cls.warehouse.int_type_id,
            cls.env["res.partner"],
            cls.stock_location,
            cls.stock_location,
            {
                cls.bulk: [{"lot_id": cls.lot.id, "quantity": 12.0}],
                cls.device: [{"lot_id": cls.sn1.id, "quantity": 1.0}],
            },
        )
        cls.shipped_pack = cls.packing.action_put_in_pack()
        builder.validate(cls.packing)
        # the whole package goes to Alice
        cls.pack_delivery = cls.env["stock.picking"].create(
            {
                "picking_type_id": cls.warehouse.out_type_id.id,
                "partner_id": cls.alice.id,
                "location_id": cls.stock_location.id,
                "location_dest_id": cls.alice.property_stock_customer.id,
            }
        )
        cls.pack_delivery.action_add_entire_packs(cls.shipped_pack.ids)
        cls.pack_delivery.action_confirm()
        cls.pack_delivery.move_ids.picked = True
        builder.validate(cls.pack_delivery)
        # loose stock goes to Bob
        builder.deliver(cls.bulk, {cls.lot: 5.0}, cls.bob)
        builder.deliver(cls.device, {cls.sn2: 1.0}, cls.bob)

    def test_flow_is_built_by_odoo(self):
        self.assertEqual(
            self.receipt.move_line_ids.result_package_id, self.received_pack
        )
        self.assertFalse(self.received_pack.quant_ids)
        self.assertEqual(
            self.packing.move_line_ids.result_package_id, self.shipped_pack
        )
        delivered = self.pack_delivery.move_line_ids
        self.assertEqual(delivered.package_id, self.shipped_pack)
        self.assertTrue(all(delivered.mapped("is_entire_pack")))
        self.assertEqual(delivered.lot_id, self.lot | self.sn1)
        self.assertEqual(self.shipped_pack.location_id.usage, "customer")

    def test_packages_add_no_lot(self):
        for lot in self.lot | self.sn1 | self.sn2:
            self.assertLots(lot._trace_downstream().lots, lot)
            self.assertLots(lot._trace_upstream().lots, lot)

    def test_lot_reaches_customers_in_and_out_of_packages(self):
        recall = self._traced_recall(self.lot)
        self.assertEqual(
            self._per_partner(recall.shipment_ids), {self.alice: 12.0, self.bob: 5.0}
        )
        self.assertEqual(
            self._stock(recall, "on_hand"), {(self.lot, self.stock_location): 3.0}
        )
        # receipt, unpack, pack, whole-package delivery, loose delivery
        self.assertEqual(
            self._events(recall, self.lot),
            ["receiving", "internal", "internal", "shipping", "shipping"],
        )
        self.assertFullyAccounted(recall, self.lot)

    def test_serials_reach_their_customers(self):
        recall = self._traced_recall(self.sn1 | self.sn2)
        self.assertEqual(
            {
                (shipment.lot_id, shipment.partner_id): shipment.quantity
                for shipment in recall.shipment_ids
            },
            {(self.sn1, self.alice): 1.0, (self.sn2, self.bob): 1.0},
        )
        self.assertFalse(self._stock(recall, "on_hand"))
        self.assertEqual(
            self._events(recall, self.sn1),
            ["receiving", "internal", "internal", "shipping"],
        )
        self.assertFullyAccounted(recall, self.sn1 | self.sn2)
