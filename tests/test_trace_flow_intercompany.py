# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Recall completeness: multi-company and inter-company transit.

Company A ships a serial into the company-less inter-company transit
location, company B receives it from there and ships it to its own
customer, as Odoo's own tests move lots between companies
(``stock/tests/test_multicompany.py``). Odoo shares the lot record between
the companies when the product has no company; a company may also keep its
own lot record of the same name: both are followed. A user who may not see
company B is told that the recall reaches beyond their companies.
"""

from odoo import Command

from .chain_builder import TraceabilityChainBuilder
from .common_trace_flow import TraceFlowCase


class TestTraceFlowIntercompany(TraceFlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company
        cls.company_b = cls.env["res.company"].create({"name": "ICF Company B"})
        cls.warehouse_b = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_b.id)], limit=1
        )
        cls.transit = cls.env.ref("stock.stock_location_inter_company")
        cls.transit.active = True
        env_b = cls.env(
            context=dict(
                cls.env.context,
                allowed_company_ids=[cls.company_b.id, cls.company_a.id],
            )
        )
        cls.builder_b = TraceabilityChainBuilder(env_b, warehouse=cls.warehouse_b)
        builder = cls.builder
        cls.device = builder.create_product("ICF Device", tracking="serial")
        vendor = builder.create_partner("ICF Vendor")
        cls.customer_b = builder.create_partner("ICF Customer of B")
        # shared lot record (the product has no company: Odoo's default)
        builder.receive(cls.device, {"ICF-SN-1": 1.0}, vendor)
        cls.shared_serial = builder.get_lots(cls.device, ["ICF-SN-1"])
        cls._ship_through_transit(cls.shared_serial, cls.shared_serial)
        # one lot record per company, same product and name
        cls.serial_a = builder.get_lots(cls.device, ["ICF-SN-2"], create=True)
        builder.receive(cls.device, {cls.serial_a: 1.0}, vendor)
        cls.serial_b = env_b["stock.lot"].create(
            {
                "name": "ICF-SN-2",
                "product_id": cls.device.id,
                "company_id": cls.company_b.id,
            }
        )
        cls._ship_through_transit(cls.serial_a, cls.serial_b)
        # recall users: one sees both companies, one only company A
        cls.recall_manager.company_ids = [
            Command.set((cls.company_a | cls.company_b).ids)
        ]
        cls.manager_a = cls.recall_manager.copy(
            {
                "login": "icf_recall_manager_a",
                "company_ids": [Command.set(cls.company_a.ids)],
            }
        )

    @classmethod
    def _ship_through_transit(cls, lot_a, lot_b):
        """A → inter-company transit (A's lot), transit → B (B's lot), then B
        delivers to its customer."""
        line_a = {cls.device: [{"lot_id": lot_a.id, "quantity": 1.0}]}
        line_b = {cls.device: [{"lot_id": lot_b.id, "quantity": 1.0}]}
        cls.builder.do_picking(
            cls.warehouse.out_type_id,
            cls.company_b.partner_id,
            cls.stock_location,
            cls.transit,
            line_a,
        )
        cls.builder_b.do_picking(
            cls.warehouse_b.in_type_id,
            cls.company_a.partner_id,
            cls.transit,
            cls.warehouse_b.lot_stock_id,
            line_b,
        )
        cls.builder_b.deliver(cls.device, {lot_b: 1.0}, cls.customer_b)

    def _recall(self, user, lot):
        recall = self._new_recall(lot).with_user(user)
        recall.action_trace()
        self.assertGenealogyTrue(recall)
        return recall

    def test_flow_is_built_by_odoo(self):
        self.assertFalse(self.transit.company_id)
        self.assertFalse(self.shared_serial.company_id)
        self.assertEqual(
            (self.serial_a.company_id, self.serial_b.company_id),
            (self.company_a, self.company_b),
        )
        lines = self.env["stock.move.line"].search(
            [("lot_id", "in", self.shared_serial.ids), ("state", "=", "done")]
        )
        self.assertEqual(lines.mapped("company_id"), self.company_a | self.company_b)

    def test_lots_are_followed_across_companies(self):
        self.assertLots(self.shared_serial._trace_downstream().lots, self.shared_serial)
        self.assertLots(
            self.serial_a._trace_downstream().lots, self.serial_a | self.serial_b
        )
        self.assertLots(
            self.serial_b._trace_upstream().lots, self.serial_a | self.serial_b
        )

    def test_shared_lot_reaches_customer_of_other_company(self):
        recall = self._recall(self.recall_manager, self.shared_serial)
        self.assertEqual(recall.company_id, self.company_a)
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.customer_b: 1.0})
        self.assertFalse(self._stock(recall, "on_hand"))
        self.assertFalse(self._stock(recall, "in_transit"))
        self.assertEqual(
            self._events(recall, self.shared_serial),
            # A receives from the vendor and ships to B; B receives from A
            # and ships to its customer: the events of two firms (FSMA 204)
            ["receiving", "shipping", "receiving", "shipping"],
        )
        # only B's customer is a customer: A's shipment went to B
        self.assertEqual(recall.customer_count, 1)
        self.assertEqual(
            (recall.hidden_lot_count, recall.hidden_shipment_count), (0, 0)
        )
        self.assertFullyAccounted(recall, self.shared_serial)

    def test_company_lot_continues_as_other_company_lot(self):
        recall = self._recall(self.recall_manager, self.serial_a)
        self.assertEqual(
            {line.lot_id: line.direction for line in recall.affected_lot_ids},
            {self.serial_a: "seed", self.serial_b: "downstream"},
        )
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.customer_b: 1.0})
        self.assertEqual(self._events(recall, self.serial_a), ["receiving", "shipping"])
        self.assertEqual(self._events(recall, self.serial_b), ["receiving", "shipping"])
        self.assertFalse(self._stock(recall, "on_hand"))
        self.assertEqual(
            (recall.hidden_lot_count, recall.hidden_shipment_count), (0, 0)
        )
        self.assertFullyAccounted(recall, self.serial_a | self.serial_b)

    def test_company_lot_is_not_left_in_transit(self):
        """The serial is at B's customer: the recall shows nothing in
        transit (Odoo keeps +1 of A's lot and -1 of B's lot in the transit
        location; they are the same unit)."""
        recall = self._recall(self.recall_manager, self.serial_a)
        self.assertEqual(self._stock(recall, "in_transit"), {})
        self.assertEqual(recall.affected_lot_ids.mapped("qty_in_transit"), [0.0, 0.0])

    def test_recall_says_what_it_cannot_show(self):
        for serial, hidden_lots in ((self.shared_serial, 0), (self.serial_a, 1)):
            recall = self._recall(self.manager_a, serial)
            self.assertFalse(recall.shipment_ids)
            self.assertEqual(recall.affected_lot_ids.lot_id, serial)
            self.assertEqual(
                (recall.hidden_lot_count, recall.hidden_shipment_count),
                (hidden_lots, 1),
            )
