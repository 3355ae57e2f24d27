# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Recall completeness: repairs (``repair``).

A customer's serial comes back (return wizard), is repaired from the return
(``action_repair_return``) with a part lot added, goes back to the customer;
it comes back again and the part is removed. Odoo links the repaired
serial's line to the part lines through ``consume_line_ids``
(``repair.order.action_repair_done``).
"""

from odoo.tests import Form

from .common_trace_flow import TraceFlowCase


class TestTraceFlowRepair(TraceFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_apps("repair")
        builder = cls.builder
        cls.device = builder.create_product("REPF Device", tracking="serial")
        cls.part = builder.create_product("REPF Part", tracking="lot")
        vendor = builder.create_partner("REPF Vendor")
        cls.alice = builder.create_partner("REPF Alice")
        builder.receive(cls.device, {"REPF-SN-1": 1.0}, vendor)
        builder.receive(cls.part, {"REPF-P1": 10.0}, vendor)
        cls.serial = builder.get_lots(cls.device, ["REPF-SN-1"])
        cls.part_lot = builder.get_lots(cls.part, ["REPF-P1"])
        delivery = builder.deliver(cls.device, {cls.serial: 1.0}, cls.alice)
        cls.add_repair = cls._repair_returned(delivery, "add", 2.0)
        delivery = builder.deliver(cls.device, {cls.serial: 1.0}, cls.alice)
        cls.remove_repair = cls._repair_returned(delivery, "remove", 1.0)
        builder.deliver(cls.device, {cls.serial: 1.0}, cls.alice)

    @classmethod
    def _repair_returned(cls, delivery, line_type, part_qty):
        """Customer return of ``delivery``, then a repair of the serial from
        the return with one part line of ``line_type``; returns the repair."""
        customer_return = cls.builder.return_picking(delivery)
        repair_form = Form.from_action(cls.env, customer_return.action_repair_return())
        repair_form.product_id = cls.device
        repair_form.lot_id = cls.serial
        with repair_form.move_ids.new() as move:
            move.repair_line_type = line_type
            move.product_id = cls.part
            move.product_uom_qty = part_qty
        repair = repair_form.save()
        repair.action_validate()
        part_move = repair.move_ids
        action = part_move.action_show_details()
        with Form(
            part_move.with_context(action["context"]), view=action["view_id"]
        ) as form:
            for _index in range(len(form.move_line_ids)):
                form.move_line_ids.remove(0)
            with form.move_line_ids.new() as line:
                line.lot_id = cls.part_lot
                line.quantity = part_qty
                line.picked = True
        repair.action_repair_start()
        repair.action_repair_end()
        return repair

    def test_flow_is_built_by_odoo(self):
        for repair, line_type in (
            (self.add_repair, "add"),
            (self.remove_repair, "remove"),
        ):
            self.assertEqual(repair.state, "done")
            self.assertEqual(repair.partner_id, self.alice)
            part_line = repair.move_ids.move_line_ids
            self.assertEqual(repair.move_ids.repair_line_type, line_type)
            self.assertEqual(part_line.lot_id, self.part_lot)
            repaired = repair.move_id.move_line_ids
            self.assertEqual(repaired.lot_id, self.serial)
            self.assertEqual(repaired.consume_line_ids, part_line)
        self.assertEqual(self.add_repair.move_ids.location_dest_id.usage, "production")
        self.assertEqual(self.remove_repair.move_ids.location_id.usage, "production")

    def test_part_lot_reaches_repaired_serial(self):
        self.assertLots(
            self.part_lot._trace_downstream().lots, self.part_lot | self.serial
        )
        self.assertLots(self.serial._trace_upstream().lots, self.serial | self.part_lot)

    def test_recall_of_part_reaches_repaired_serial_and_its_customer(self):
        recall = self._traced_recall(self.part_lot)
        self.assertEqual(
            {line.lot_id: line.direction for line in recall.affected_lot_ids},
            {self.part_lot: "seed", self.serial: "downstream"},
        )
        # shipped three times, returned twice: the serial is at Alice's
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.alice: 1.0})
        self.assertEqual(
            self._stock(recall, "on_hand"), {(self.part_lot, self.stock_location): 8.0}
        )
        # received, added to the serial, removed from it (to inventory loss)
        self.assertEqual(
            self._events(recall, self.part_lot),
            ["receiving", "consumption", "adjustment"],
        )
        removed = recall.event_ids.filtered(
            lambda e: e.move_line_id.move_id.repair_line_type == "remove"
        )
        self.assertEqual(
            (removed.lot_id, removed.quantity, removed.reference),
            (self.part_lot, 1.0, self.remove_repair.name),
        )
        self.assertEqual(
            self._events(recall, self.serial),
            [
                "receiving",
                "shipping",
                "customer_return",
                "internal",
                "shipping",
                "customer_return",
                "internal",
                "shipping",
            ],
        )
        self.assertFullyAccounted(recall, self.part_lot | self.serial)

    def test_recall_of_serial_goes_back_to_part(self):
        recall = self._traced_recall(self.serial, direction="upstream")
        self.assertEqual(
            {line.lot_id: line.direction for line in recall.affected_lot_ids},
            {self.serial: "seed", self.part_lot: "upstream"},
        )
        self.assertFullyAccounted(recall, self.part_lot | self.serial)
