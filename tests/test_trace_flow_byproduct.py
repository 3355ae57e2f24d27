# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.fields import Command

from .common_trace_flow import TraceFlowCase


class TestTraceFlowByproduct(TraceFlowCase):
    """A manufacturing order with a lot-tracked by-product (BoM
    ``byproduct_ids``): the component lot reaches the finished lot and the
    by-product lot, each shipped to its own customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_apps("mrp")
        # lots to produce on the manufacturing order form
        cls._grant_groups("stock.group_production_lot")
        builder = cls.builder
        cls.wheat = builder.create_product("BP Wheat")
        cls.flour = builder.create_product("BP Flour")
        cls.bran = builder.create_product("BP Bran")
        vendor = builder.create_partner("BP Mill Supplier")
        cls.bakery, cls.farm = builder.create_partners(["BP Bakery", "BP Farm"])
        builder.receive(cls.wheat, {"BP-W1": 10.0}, vendor)
        cls.wheat_lot = builder.get_lots(cls.wheat, ["BP-W1"])
        bom = cls._bom(
            cls.flour,
            {cls.wheat: 1.0},
            byproduct_ids=[
                Command.create({"product_id": cls.bran.id, "product_qty": 0.5})
            ],
        )
        production = cls._confirmed_mo(bom, 4.0)
        cls.flour_lot, cls.bran_lot = cls.env["stock.lot"].create(
            [
                {"name": "BP-F1", "product_id": cls.flour.id},
                {"name": "BP-B1", "product_id": cls.bran.id},
            ]
        )
        cls._set_producing(production, cls.flour_lot)
        # as a user does in the By-Products tab of the order
        production.move_byproduct_ids.lot_ids = [Command.link(cls.bran_lot.id)]
        cls._mark_done(production)
        cls.production = production
        builder.deliver(cls.flour, {cls.flour_lot: 3.0}, cls.bakery)
        builder.deliver(cls.bran, {cls.bran_lot: 2.0}, cls.farm)

    def test_byproduct_documents(self):
        byproduct_lines = self.production.move_byproduct_ids.move_line_ids
        self.assertEqual(byproduct_lines.lot_id, self.bran_lot)
        self.assertEqual(sum(byproduct_lines.mapped("quantity")), 2.0)
        self.assertEqual(byproduct_lines.consume_line_ids.lot_id, self.wheat_lot)

    def test_downstream_of_component_reaches_finished_and_byproduct(self):
        trace = self.wheat_lot._trace_downstream()
        self.assertEqual(trace.lots, self.wheat_lot | self.flour_lot | self.bran_lot)
        self.assertEqual(trace.depth[self.bran_lot.id], 1)

    def test_upstream_of_byproduct_and_finished(self):
        self.assertEqual(
            self.bran_lot._trace_upstream().lots, self.bran_lot | self.wheat_lot
        )
        self.assertEqual(
            self.flour_lot._trace_upstream().lots, self.flour_lot | self.wheat_lot
        )

    def test_byproduct_is_not_an_input_of_the_finished_lot(self):
        self.assertEqual(self.bran_lot._trace_downstream().lots, self.bran_lot)
        self.assertEqual(self.flour_lot._trace_downstream().lots, self.flour_lot)

    def test_recall_of_component(self):
        recall = self._traced_recall(self.wheat_lot)
        self.assertFullyAccounted(
            recall, self.wheat_lot | self.flour_lot | self.bran_lot
        )
        self.assertEqual(
            self._per_partner(recall.shipment_ids),
            {self.bakery: 3.0, self.farm: 2.0},
        )
        self.assertEqual(
            self._on_hand(recall),
            {self.wheat_lot: 6.0, self.flour_lot: 1.0},
        )
        self.assertEqual(
            sorted(self._events(recall, self.bran_lot)), ["production", "shipping"]
        )
        self.assertEqual(
            sorted(self._events(recall, self.wheat_lot)), ["consumption", "receiving"]
        )
        bran = self._affected(recall, self.bran_lot)
        self.assertEqual((bran.qty_produced, bran.qty_shipped), (2.0, 2.0))

    def test_upstream_recall_of_byproduct(self):
        recall = self._traced_recall(self.bran_lot, direction="upstream")
        self.assertFullyAccounted(recall, self.bran_lot | self.wheat_lot)
        # the upstream lot's customers are not the recall's customers
        self.assertEqual(self._per_partner(recall.shipment_ids), {self.farm: 2.0})
