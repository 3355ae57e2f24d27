# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Recall completeness: returns both ways and re-deliveries.

Built with Odoo's return wizard (``stock.return.picking``) on the delivery
and on the receipt.
"""

from .common_trace_flow import TraceFlowCase


class TestTraceFlowReturns(TraceFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        builder = cls.builder
        cls.device = builder.create_product("RETF Device", tracking="serial")
        cls.powder = builder.create_product("RETF Powder", tracking="lot")
        cls.vendor = builder.create_partner("RETF Vendor")
        cls.alice, cls.bob = builder.create_partners(["RETF Alice", "RETF Bob"])
        # a serial shipped to Alice, returned by her, shipped again to Bob
        builder.receive(cls.device, {"RETF-SN-1": 1.0}, cls.vendor)
        cls.serial = builder.get_lots(cls.device, ["RETF-SN-1"])
        to_alice = builder.deliver(cls.device, {cls.serial: 1.0}, cls.alice)
        cls.customer_return = builder.return_picking(to_alice)
        builder.deliver(cls.device, {cls.serial: 1.0}, cls.bob)
        # a lot: 6 to Alice, 2 come back and go to Bob; 4 go back to the
        # vendor, who sends them again (same lot)
        builder.receive(cls.powder, {"RETF-LOT-1": 10.0}, cls.vendor)
        cls.lot = builder.get_lots(cls.powder, ["RETF-LOT-1"])
        lot_to_alice = builder.deliver(cls.powder, {cls.lot: 6.0}, cls.alice)
        builder.return_picking(lot_to_alice, {cls.lot: 2.0})
        builder.deliver(cls.powder, {cls.lot: 2.0}, cls.bob)
        receipt = builder.receive(cls.powder, {"RETF-LOT-2": 5.0}, cls.vendor)
        cls.lot2 = receipt.move_line_ids.lot_id
        cls.vendor_return = builder.return_picking(receipt, {cls.lot2: 4.0})
        cls.re_receipt = builder.receive(cls.powder, {cls.lot2: 4.0}, cls.vendor)

    def test_flow_is_built_by_odoo(self):
        self.assertEqual(self.customer_return.picking_type_id.code, "incoming")
        self.assertEqual(
            self.customer_return.move_ids.origin_returned_move_id.picking_id.partner_id,
            self.alice,
        )
        self.assertEqual(self.vendor_return.location_dest_id.usage, "supplier")
        self.assertEqual(
            self.vendor_return.move_ids.origin_returned_move_id.lot_ids, self.lot2
        )
        # the re-receipt reuses the lot record, it does not create a twin
        self.assertEqual(self.re_receipt.move_line_ids.lot_id, self.lot2)

    def test_lots_without_transformation_stay_alone(self):
        for lot in self.serial | self.lot | self.lot2:
            self.assertLots(lot._trace_downstream().lots, lot)
            self.assertLots(lot._trace_upstream().lots, lot)

    def test_serial_returned_then_shipped_to_another_customer(self):
        trace = self.serial._trace_downstream()
        self.assertEqual(len(trace.move_lines), 4)
        recall = self._traced_recall(self.serial)
        self.assertEqual(
            self._per_partner(recall.shipment_ids), {self.alice: 0.0, self.bob: 1.0}
        )
        self.assertEqual(
            self._events(recall, self.serial),
            ["receiving", "shipping", "customer_return", "shipping"],
        )
        self.assertFalse(self._stock(recall, "on_hand"))
        self.assertFullyAccounted(recall, self.serial)

    def test_lot_partly_returned_and_shipped_to_another_customer(self):
        recall = self._traced_recall(self.lot)
        self.assertEqual(
            self._per_partner(recall.shipment_ids), {self.alice: 4.0, self.bob: 2.0}
        )
        self.assertEqual(
            self._stock(recall, "on_hand"), {(self.lot, self.stock_location): 4.0}
        )
        self.assertEqual(
            self._events(recall, self.lot),
            ["receiving", "shipping", "customer_return", "shipping"],
        )
        self.assertFullyAccounted(recall, self.lot)

    def test_lot_returned_to_vendor_then_received_again(self):
        recall = self._traced_recall(self.lot2, direction="both")
        self.assertFalse(recall.shipment_ids)
        self.assertEqual(
            self._stock(recall, "on_hand"), {(self.lot2, self.stock_location): 5.0}
        )
        self.assertEqual(
            self._events(recall, self.lot2), ["receiving", "vendor_return", "receiving"]
        )
        lot_line = recall.affected_lot_ids
        self.assertEqual(
            (lot_line.qty_received, lot_line.qty_vendor_returned), (9.0, 4.0)
        )
        self.assertFullyAccounted(recall, self.lot2)
