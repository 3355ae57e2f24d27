# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from datetime import timedelta

from odoo import fields
from odoo.fields import Domain

from .common import (
    DEMO_ALERT_LOT,
    DEMO_EXPIRED_LOT,
    DEMO_INTERMEDIATE_LOTS,
    DEMO_RAW_LOTS,
    DEMO_SERIALS,
    TraceabilityCase,
)


def _has_mrp(env):
    return "mrp.production" in env


class TestBuilder(TraceabilityCase):
    """The chain builder makes real, consistent stock documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flour = cls.builder.create_product(
            "Test Flour", tracking="lot", expiration_time=100, alert_time=10
        )
        cls.vendor = cls.builder.create_partner("Test Mill")
        cls.customer = cls.builder.create_partner("Test Shop")

    def assertQuantsMatchMoves(self, lots):
        """On every internal location, each lot's quant equals in - out of
        its done move lines."""
        balance = defaultdict(float)
        lines = self.env["stock.move.line"]._read_group(
            [("lot_id", "in", lots.ids), ("state", "=", "done")],
            ["lot_id", "location_id", "location_dest_id"],
            ["quantity_product_uom:sum"],
        )
        for lot, src, dest, qty in lines:
            if src.usage == "internal":
                balance[lot, src] -= qty
            if dest.usage == "internal":
                balance[lot, dest] += qty
        quants = self.env["stock.quant"]._read_group(
            [("lot_id", "in", lots.ids), ("location_id.usage", "=", "internal")],
            ["lot_id", "location_id"],
            ["quantity:sum"],
        )
        on_hand = {(lot, location): qty for lot, location, qty in quants}
        self.assertTrue(balance, "the lots have no done move lines")
        for key in set(balance) | set(on_hand):
            self.assertAlmostEqual(
                on_hand.get(key, 0.0),
                balance.get(key, 0.0),
                msg=f"quant of {key[0].name} in {key[1].display_name}",
            )

    def test_receive_creates_lots_from_the_receipt(self):
        expiry = fields.Datetime.now() + timedelta(days=7)
        receipt = self.builder.receive(
            self.flour,
            {"TF-001": 30.0, "TF-002": 20.0},
            self.vendor,
            expiration_dates={"TF-002": expiry},
        )
        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.picking_type_code, "incoming")
        self.assertEqual(receipt.partner_id, self.vendor)
        lots = receipt.move_line_ids.lot_id
        self.assertEqual(sorted(lots.mapped("name")), ["TF-001", "TF-002"])
        self.assertEqual(lots.product_id, self.flour)
        lot1, lot2 = self.builder.get_lots(self.flour, ["TF-001", "TF-002"])
        self.assertEqual(lot1.product_qty, 30.0)
        self.assertEqual(lot2.product_qty, 20.0)
        # product_expiry computed the first date, the second one was given,
        # and the alert date follows the product's alert time.
        self.assertEqual(lot2.expiration_date, expiry)
        self.assertEqual(lot2.alert_date, expiry - timedelta(days=10))
        self.assertGreater(lot1.expiration_date, expiry + timedelta(days=90))
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(
                self.flour, self.stock_location, lot_id=lot1, strict=True
            ),
            30.0,
        )
        self.assertQuantsMatchMoves(lots)

    def test_deliver_takes_the_given_lot(self):
        self.builder.receive(self.flour, {"TF-A": 10.0, "TF-B": 10.0}, self.vendor)
        lot_a, lot_b = self.builder.get_lots(self.flour, ["TF-A", "TF-B"])
        # FIFO would take TF-A first: the builder must ship exactly TF-B.
        delivery = self.builder.deliver(self.flour, {lot_b: 4.0}, self.customer)
        self.assertEqual(delivery.state, "done")
        self.assertEqual(delivery.move_line_ids.lot_id, lot_b)
        self.assertEqual(
            delivery.move_line_ids.location_dest_id,
            self.customer.property_stock_customer,
        )
        self.assertEqual((lot_a.product_qty, lot_b.product_qty), (10.0, 6.0))
        self.assertQuantsMatchMoves(lot_a | lot_b)

    def test_return_scrap_loss_and_transfer(self):
        self.builder.receive(self.flour, {"TF-R": 50.0}, self.vendor)
        delivery = self.builder.deliver(self.flour, {"TF-R": 20.0}, self.customer)
        returned = self.builder.return_delivery(delivery, {"TF-R": 5.0})
        lot = self.builder.get_lots(self.flour, ["TF-R"])
        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_ids.origin_returned_move_id, delivery.move_ids)
        self.assertEqual(returned.move_line_ids.lot_id, lot)
        self.assertEqual(lot.product_qty, 35.0)

        scrap = self.builder.scrap(self.flour, lot, 2.0)
        self.assertEqual(scrap.move_ids.move_line_ids.lot_id, lot)
        self.assertEqual(scrap.move_ids.location_dest_id.usage, "inventory")

        losses = self.builder.inventory_loss(self.flour, {lot: 3.0})
        self.assertEqual(losses.mapped("quantity"), [3.0])
        self.assertTrue(losses.is_inventory)
        self.assertEqual(losses.move_line_ids.lot_id, lot)

        shelf = self.env["stock.location"].create(
            {"name": "Shelf T", "location_id": self.stock_location.id}
        )
        move = self.builder.transfer(self.flour, {lot: 10.0}, shelf)
        self.assertEqual(move.move_line_ids.location_dest_id, shelf)
        self.assertEqual(lot.product_qty, 30.0)
        self.assertEqual(
            lot.quant_ids.filtered(lambda q: q.location_id == shelf).quantity, 10.0
        )
        self.assertQuantsMatchMoves(lot)

    def test_manufacture_consumes_the_given_lots(self):
        if not _has_mrp(self.env):
            self.skipTest("needs mrp to build manufacturing orders")
        cookie = self.builder.create_product("Test Cookie", tracking="lot")
        box = self.builder.create_product("Test Box", tracking="serial")
        self.builder.receive(self.flour, {"TF-1": 10.0, "TF-2": 10.0}, self.vendor)
        flour1, flour2 = self.builder.get_lots(self.flour, ["TF-1", "TF-2"])
        production = self.builder.manufacture(
            cookie, {"TC-1": 40.0}, {self.flour: {flour1: 2.0, flour2: 6.0}}
        )
        self.assertEqual(production.state, "done")
        self.assertEqual(production.lot_producing_ids.name, "TC-1")
        consumed = production.move_raw_ids.move_line_ids
        self.assertEqual(
            {(ml.lot_id, ml.quantity) for ml in consumed},
            {(flour1, 2.0), (flour2, 6.0)},
        )
        produced = production.move_finished_ids.move_line_ids
        self.assertEqual(produced.lot_id.name, "TC-1")
        self.assertEqual(produced.quantity, 40.0)
        self.assertEqual(produced.consume_line_ids, consumed)
        for ml in consumed:
            self.assertEqual(ml.produce_line_ids, produced)

        cookie_lot = produced.lot_id
        boxes = self.builder.manufacture(
            box, {"TB-1": 1.0, "TB-2": 1.0}, {cookie: {cookie_lot: 10.0}}
        )
        self.assertEqual(
            sorted(boxes.lot_producing_ids.mapped("name")), ["TB-1", "TB-2"]
        )
        self.assertEqual(
            boxes.move_finished_ids.move_line_ids.mapped("quantity"), [1, 1]
        )
        self.assertEqual(cookie_lot.product_qty, 30.0)
        self.assertEqual((flour1.product_qty, flour2.product_qty), (8.0, 4.0))
        self.assertQuantsMatchMoves(
            flour1 | flour2 | cookie_lot | boxes.lot_producing_ids
        )

    def test_build_chain_three_levels(self):
        chain = self.builder.build_chain(levels=3, prefix="TC3", serials=4)
        self.assertEqual(len(chain["products"]), 4)
        raw, level1, level2, finished = chain["lots"]
        self.assertEqual(raw.name, "TC3-RAW-001")
        self.assertEqual((level1.name, level2.name), ("TC3-L1-001", "TC3-L2-001"))
        self.assertEqual(len(finished), 4)
        self.assertEqual(finished.product_id.tracking, "serial")
        self.assertEqual(chain["on_hand_serials"], finished[-1])
        self.assertEqual(chain["on_hand_serials"].product_qty, 1.0)
        # Three shipped serials reached the two customers.
        shipped = chain["deliveries"].move_line_ids
        self.assertEqual(shipped.lot_id, finished[:3])
        self.assertEqual(chain["deliveries"].partner_id, chain["customers"])
        self.assertEqual(set(shipped.location_dest_id.mapped("usage")), {"customer"})
        self.assertEqual(sum(finished[:3].mapped("product_qty")), 0.0)
        self.assertQuantsMatchMoves(raw | level1 | level2 | finished)
        if not _has_mrp(self.env):
            return
        self.assertEqual(len(chain["productions"]), 3)
        # Walk down the production links from the raw lot to the serials.
        upstream = raw
        for lots in (level1, level2, finished):
            produced = (
                self.env["stock.move.line"]
                .search([("lot_id", "in", upstream.ids)])
                .produce_line_ids
            )
            self.assertEqual(produced.lot_id, lots)
            upstream = lots

    def test_demo_chain(self):
        """The demo data (XML records and real actions) loads the chain the
        README tells: with mrp, flour → cookies → gift boxes → customers."""
        demo = self.builder.build_demo_chain()
        lots = demo["lots"]
        self.assertEqual(
            set(lots),
            {*DEMO_RAW_LOTS, *DEMO_INTERMEDIATE_LOTS, *DEMO_SERIALS},
        )
        self.assertEqual(set(demo["products"]), {"flour", "cookie", "giftbox"})
        # Two vendors, three raw lots with expiry dates.
        raw = self.env["stock.lot"].union(*(lots[name] for name in DEMO_RAW_LOTS))
        self.assertEqual(len(demo["receipts"].partner_id), 2)
        self.assertTrue(all(raw.mapped("expiration_date")))
        now = fields.Datetime.now()
        expired, alert = lots[DEMO_EXPIRED_LOT], lots[DEMO_ALERT_LOT]
        self.assertEqual(demo["expired_lot"], expired)
        self.assertTrue(expired.product_expiry_alert)
        self.assertLess(expired.expiration_date, now)
        self.assertFalse(alert.product_expiry_alert)
        self.assertTrue(now < alert.alert_date < now + timedelta(days=7))
        self.assertEqual(lots["GIFTBOX-0001"].product_id.tracking, "serial")
        # Three customers received gift boxes and cookies.
        customers = demo["deliveries"].partner_id
        self.assertEqual(len(customers), 3)
        self.assertEqual(len(demo["deliveries"]), 6)
        self.assertEqual(set(demo["deliveries"].mapped("state")), {"done"})
        # Stock still on hand, as documented in the demo files.
        expected = {
            "FLOUR-2026-001": 60.0,
            "FLOUR-2026-002": 50.0,
            "FLOUR-2026-003": 20.0,
            "COOKIE-2026-001": 150.0,
            "COOKIE-2026-002": 230.0,
            "COOKIE-2026-003": 80.0,
            "GIFTBOX-0004": 1.0,
            "GIFTBOX-0006": 1.0,
            "GIFTBOX-0001": 0.0,
            "GIFTBOX-0007": 0.0,
        }
        self.assertEqual({name: lots[name].product_qty for name in expected}, expected)
        all_lots = self.env["stock.lot"].union(*lots.values())
        self.assertQuantsMatchMoves(all_lots)
        self.assertEqual(len(demo["productions"]), 6)
        self.assertEqual(set(demo["productions"].mapped("state")), {"done"})
        # The expired lot reached every customer through manufacturing.
        reached = expired._trace_downstream().move_lines
        self.assertEqual(
            reached.filtered(
                lambda ml: ml.location_dest_id.usage == "customer"
            ).picking_id.partner_id,
            customers,
        )
        flour_lines = Domain("lot_id", "=", lots["FLOUR-2026-002"].id)
        consumed = self.env["stock.move.line"].search(
            flour_lines & Domain("move_id.raw_material_production_id", "!=", False)
        )
        self.assertEqual(consumed.produce_line_ids.lot_id, lots["COOKIE-2026-002"])
        # Loading it again does not duplicate anything.
        again = self.builder.build_demo_chain()
        self.assertEqual(again["products"], demo["products"])
        self.assertEqual(again["lots"], lots)
