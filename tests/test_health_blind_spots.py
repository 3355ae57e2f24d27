# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a recall cannot place is a health-check finding, never silence.

Third-party modules can write what Odoo's own flows never do; the tests
stand in for them with the smallest direct write that produces the same
data (a quant without a move, a move between unknown kinds of locations,
an order whose lot links were not written)."""

from odoo.tools import SQL

from .common_recall import RecallCase


class TestHealthBlindSpots(RecallCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.builder.create_partner("BLIND Vendor")
        cls.customer = cls.builder.create_partner("BLIND Customer")
        cls.raw = cls.builder.create_product("BLIND Raw", tracking="lot")
        cls.builder.receive(cls.raw, {"BLIND-R1": 10.0}, cls.vendor)
        cls.raw_lot = cls.builder.get_lots(cls.raw, ["BLIND-R1"])

    def _findings(self, category, **match):
        return [
            f
            for f in self.env["stock.traceability.health"]._collect_findings()
            if f["category"] == category
            and all(f.get(key) == value for key, value in match.items())
        ]

    def test_balanced_lot_is_no_finding(self):
        self.builder.deliver(self.raw, {self.raw_lot: 4.0}, self.customer)
        self.assertFalse(self._findings("unbalanced_lot", lot_id=self.raw_lot.id))

    def test_stock_without_move_unbalances_the_lot(self):
        # a correction outside Odoo's moves: 5 more units appear in stock
        self.env["stock.quant"]._update_available_quantity(
            self.raw, self.stock_location, 5.0, lot_id=self.raw_lot
        )
        [finding] = self._findings("unbalanced_lot", lot_id=self.raw_lot.id)
        self.assertEqual(finding["product_id"], self.raw.id)
        self.assertAlmostEqual(float(finding["quantity"]), -5.0)
        # and the recall of that lot flags it too: the same balance
        recall = self._new_recall(self.raw_lot)
        recall.action_trace()
        self.assertTrue(recall.affected_lot_ids.balance_flag)

    def test_move_between_unknown_locations_is_listed(self):
        picking = self.builder.deliver(self.raw, {self.raw_lot: 2.0}, self.customer)
        line = picking.move_line_ids
        view_location = self.env["stock.location"].search(
            [("usage", "=", "view"), ("company_id", "=", self.company.id)], limit=1
        )
        # a module's own kind of location: Odoo's flows never end in a view
        self.env.execute_query(
            SQL(
                "UPDATE stock_move_line SET location_dest_id = %s WHERE id = %s",
                view_location.id,
                line.id,
            )
        )
        self.env.invalidate_all()
        [finding] = self._findings("unclassified_line", lot_id=self.raw_lot.id)
        self.assertEqual(finding["document"], picking.move_ids.reference)
        record = self.env["stock.traceability.health"].create(finding)
        self.assertEqual(record.action_fix()["res_model"], "stock.move")
        recall = self._new_recall(self.raw_lot)
        recall.action_trace()
        self.assertIn("unclassified", recall.event_ids.mapped("event_type"))
        self.assertTrue(recall.affected_lot_ids.balance_flag)

    def test_order_without_lot_links_is_listed(self):
        if not self.builder.has_mrp:
            self.skipTest("manufacturing orders need mrp")
        fin = self.builder.create_product("BLIND Fin", tracking="lot")
        production = self.builder.manufacture(
            fin, {"BLIND-F1": 2.0}, {self.raw: {self.raw_lot: 2.0}}
        )
        self.assertFalse(self._findings("missing_consume_links", res_id=production.id))
        # a module that finishes orders its own way and skips the links
        self.env.execute_query(
            SQL(
                "DELETE FROM stock_move_line_consume_rel"
                " WHERE consume_line_id = ANY(%s)",
                production.move_finished_ids.move_line_ids.ids,
            )
        )
        self.env.invalidate_all()
        [finding] = self._findings("missing_consume_links", res_id=production.id)
        self.assertEqual(finding["document"], production.name)
        self.assertEqual(finding["res_model"], "mrp.production")
