# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.tests import Form

from .common_recall import RecallCase


class TestRecallTrace(RecallCase):
    """The trace engine on chains built through real pickings and MOs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("RT3", serials=6)

    def test_downstream_reaches_every_customer_three_levels(self):
        trace = self.raw_lot._trace_downstream()
        expected = self.env["stock.lot"].union(*self.chain["lots"])
        self.assertEqual(set(trace.lots.ids), set(expected.ids))
        # depth = number of manufacturing steps; each path starts at the seed
        self.assertEqual(trace.depth[self.raw_lot.id], 0)
        for level, lots in enumerate(self.chain["lots"]):
            for lot in lots:
                self.assertEqual(trace.depth[lot.id], level)
                self.assertEqual(trace.path[lot.id][0], self.raw_lot.id)
                self.assertEqual(trace.path[lot.id][-1], lot.id)
                self.assertEqual(len(trace.path[lot.id]), level + 1)
        delivered = trace.move_lines.filtered(
            lambda ml: ml.location_dest_id.usage == "customer"
        )
        self.assertEqual(delivered.picking_id.partner_id, self.chain["customers"])
        self.assertEqual(delivered.lot_id, self.finished[:-1])
        self.assertEqual(delivered, self.chain["deliveries"].move_line_ids)

    def test_upstream_reaches_vendor_receipt(self):
        serial = self.finished[0]
        trace = serial._trace_upstream()
        self.assertEqual(
            set(trace.lots.ids),
            {serial.id} | {lots.id for lots in self.chain["lots"][:-1]},
        )
        receipts = trace.move_lines.filtered(
            lambda ml: ml.location_id.usage == "supplier"
        )
        self.assertEqual(receipts, self.chain["receipt"].move_line_ids)
        self.assertEqual(receipts.picking_id.partner_id, self.chain["vendor"])
        self.assertEqual(trace.depth[self.raw_lot.id], 3)

    def test_trace_is_company_aware(self):
        other = self.env["res.company"].create({"name": "Other recall company"})
        trace = self.raw_lot._trace_downstream(company_ids=other.ids)
        self.assertEqual(trace.lots, self.raw_lot)
        self.assertFalse(trace.move_lines)

    def test_return_and_unbuild_loop_terminates(self):
        builder = self.builder
        raw = builder.create_product("LOOP Raw", tracking="lot")
        fin = builder.create_product("LOOP Fin", tracking="lot")
        vendor = builder.create_partner("LOOP Vendor")
        alice, bob = builder.create_partners(["LOOP Alice", "LOOP Bob"])
        builder.receive(raw, {"LOOP-R": 10.0}, vendor)
        mo = builder.manufacture(fin, {"LOOP-F": 4.0}, {raw: {"LOOP-R": 4.0}})
        fin_lot = mo.lot_producing_ids
        raw_lot = builder.get_lots(raw, ["LOOP-R"])
        # customer return and re-delivery of the same lot
        delivery = builder.deliver(fin, {fin_lot: 2.0}, alice)
        builder.return_delivery(delivery)
        builder.deliver(fin, {fin_lot: 1.0}, bob)
        # unbuild: the finished lot gives back the raw lot (a cycle R -> F -> R)
        unbuild_form = Form(self.env["mrp.unbuild"])
        unbuild_form.product_id = fin
        unbuild_form.mo_id = mo
        unbuild_form.lot_id = fin_lot
        unbuild_form.product_qty = 1.0
        unbuild_form.save().action_unbuild()
        # and the raw lot is manufactured again into a new finished lot
        mo2 = builder.manufacture(fin, {"LOOP-F2": 1.0}, {raw: {"LOOP-R": 1.0}})
        trace = raw_lot._trace_downstream()
        self.assertEqual(
            set(trace.lots.ids), {raw_lot.id, fin_lot.id, mo2.lot_producing_ids.id}
        )
        upstream = fin_lot._trace_upstream()
        self.assertEqual(set(upstream.lots.ids), {raw_lot.id, fin_lot.id})
        recall = self._new_recall(raw_lot, direction="both")
        recall.action_trace()
        # net per customer: Alice returned what she received, Bob holds 1
        self.assertEqual(self._per_partner(recall.shipment_ids), {alice: 0.0, bob: 1.0})
        shipped = recall.shipment_ids.filtered(lambda s: s.kind == "shipment")
        self.assertEqual(self._per_partner(shipped), {alice: 2.0, bob: 1.0})
        returned = recall.stock_ids.filtered(lambda s: s.kind == "returned")
        self.assertEqual(sum(returned.mapped("quantity")), 2.0)
        self.assertFalse(recall.affected_lot_ids.filtered("balance_flag"))

    def _count_queries(self, func):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        self.env.flush_all()  # pending writes count too, as in assertQueryCount
        return self.env.cr.sql_log_count - before

    def test_query_count_does_not_grow_with_depth(self):
        short = self.builder.build_chain(levels=2, prefix="QC2", serials=2, customers=1)
        deep = self.builder.build_chain(levels=6, prefix="QC6", serials=5, customers=4)
        short_lot, deep_lot = short["lots"][0], deep["lots"][0]
        self.env.flush_all()
        short_count = self._count_queries(short_lot._trace_downstream)
        deep_count = self._count_queries(deep_lot._trace_downstream)
        self.assertEqual(short_count, deep_count)
        self.assertLessEqual(deep_count, 2)
        self.assertEqual(len(deep_lot._trace_downstream().lots), 1 + 5 + 5)
        # the same for the stored recall trace (lots, events, shipments, stock)
        short_recall = self._new_recall(short_lot, direction="both")
        deep_recall = self._new_recall(deep_lot, direction="both")
        self.env.flush_all()
        short_count = self._count_queries(short_recall._trace)
        deep_count = self._count_queries(deep_recall._trace)
        self.assertEqual(short_count, deep_count)
        again = self._new_recall(deep_lot, direction="both")
        self.env.invalidate_all()
        with self.assertQueryCount(deep_count):
            again._trace()
        self.assertEqual(deep_recall.shipment_count, 4)
