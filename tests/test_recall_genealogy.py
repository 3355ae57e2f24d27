# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The genealogy of stored recalls and of lots (``get_genealogy``, the
Genealogy tab, the lot form and the PDF): drawn from lot ids, every edge an
edge of the traced graph, quantities per product."""

import re

from odoo.fields import Command
from odoo.modules.module import load_script

from .chain_builder import TraceabilityChainBuilder
from .common_recall import RecallCase

MIGRATION = "stock_lot_traceability/migrations/19.0.1.4.0/post-migrate.py"


def _report_svg(recall):
    html = (
        recall.env["ir.actions.report"]
        ._render_qweb_html("stock_lot_traceability.report_stock_recall", recall.ids)[0]
        .decode()
    )
    start = html.index("<svg")
    return html[start : html.index("</svg>", start)]


class TestGenealogyRecall(RecallCase):
    """get_genealogy on a traced recall, on a lot, and in the PDF."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_chain("GEN", serials=5)
        cls.recall = cls._new_recall(cls.raw_lot).with_user(cls.recall_manager)
        cls.recall.action_trace()

    def _check_chain_graph(self, graph, customer_model):
        by_id = {node["id"]: node for node in graph["nodes"]}
        lots = self.chain["lots"]
        raw, level1, level2 = lots[0], lots[1], lots[2]
        seed = by_id[f"lot-{raw.id}"]
        self.assertTrue(seed["is_seed"])
        self.assertEqual(seed["column"], 0)
        self.assertEqual(by_id[f"lot-{level2.id}"]["column"], 2)
        edges = {(edge["source"], edge["target"]) for edge in graph["edges"]}
        self.assertIn((f"lot-{raw.id}", f"lot-{level1.id}"), edges)
        self.assertIn((f"lot-{level1.id}", f"lot-{level2.id}"), edges)
        for serial in self.finished:
            node = by_id[f"lot-{serial.id}"]
            self.assertEqual(node["column"], 3)
            self.assertIn((f"lot-{level2.id}", node["id"]), edges)
        on_hand = by_id[f"lot-{self.chain['on_hand_serials'].id}"]
        self.assertEqual(on_hand["state"], "on_hand")
        self.assertEqual(
            on_hand["quantities"],
            [[1.0, "Units", "GEN Finished", self.finished.product_id.id]],
        )
        shipped = by_id[f"lot-{self.finished[0].id}"]
        self.assertEqual(shipped["state"], "shipped")
        consumed = by_id[f"lot-{level2.id}"]
        self.assertEqual(consumed["state"], "consumed")
        self.assertEqual(
            consumed["quantities"],
            [[5.0, "Units", "GEN Level 2", level2.product_id.id]],
        )
        customers = [node for node in graph["nodes"] if node["kind"] == "customer"]
        self.assertEqual(
            sorted(node["label"] for node in customers),
            sorted(self.chain["customers"].mapped("display_name")),
        )
        last = max(col["depth"] for col in graph["columns"])
        self.assertEqual({node["column"] for node in customers}, {last})
        self.assertEqual({node["res_model"] for node in customers}, {customer_model})
        first = next(n for n in customers if n["label"] == "GEN Customer 1")
        # serials 1 and 4 went to the first customer (per product and unit)
        self.assertEqual(
            first["quantities"],
            [[2.0, "Units", "GEN Finished", self.finished.product_id.id]],
        )
        self.assertEqual(len(first["res_ids"]), 2)
        self.assertIn((f"lot-{self.finished[0].id}", first["id"]), edges)
        self.assertEqual(graph["lot_count"], 3 + len(self.finished))

    def test_recall_genealogy(self):
        graph = self.recall.get_genealogy()
        self._check_chain_graph(graph, "stock.recall.shipment")
        first = next(n for n in graph["nodes"] if n["label"] == "GEN Customer 1")
        shipments = self.env["stock.recall.shipment"].browse(first["res_ids"])
        self.assertEqual(shipments.partner_id.display_name, "GEN Customer 1")
        self.assertEqual(shipments.recall_id, self.recall)

    def test_lot_genealogy_without_recall(self):
        recalls = self.env["stock.recall"].search_count([])
        graph = self.raw_lot.with_user(self.stock_user).get_genealogy()
        self._check_chain_graph(graph, "stock.move.line")
        self.assertEqual(self.env["stock.recall"].search_count([]), recalls)
        first = next(n for n in graph["nodes"] if n["label"] == "GEN Customer 1")
        lines = self.env["stock.move.line"].browse(first["res_ids"])
        self.assertEqual(lines.picking_id.partner_id.display_name, "GEN Customer 1")

    def test_grouped_above_threshold(self):
        graph = self.recall.get_genealogy(threshold=3)
        groups = {
            node["state"]: node
            for node in graph["nodes"]
            if node["is_group"] and node["kind"] == "lot"
        }
        self.assertEqual(set(groups), {"shipped", "on_hand"})
        self.assertEqual(groups["shipped"]["count"], 4)
        self.assertEqual(
            groups["shipped"]["quantities"],
            [[4.0, "Units", "GEN Finished", self.finished.product_id.id]],
        )
        self.assertEqual(
            groups["on_hand"]["res_ids"], self.chain["on_hand_serials"].ids
        )
        self.assertEqual(len(graph["notices"]), 1)
        self.assertEqual(graph["notices"][0]["count"], 5)

    def test_pdf_embeds_the_genealogy_svg(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "stock_lot_traceability.report_stock_recall", self.recall.ids
            )[0]
            .decode()
        )
        start = html.index("<svg")
        svg = html[start : html.index("</svg>", start)]
        self.assertIn(self.raw_lot.name, svg)
        self.assertIn("GEN Customer 1", svg)
        self.assertEqual(svg.count("<rect"), len(self.recall.get_genealogy()["nodes"]))


class TestGenealogySameNames(RecallCase):
    """Date-coded lots: a flour mix and a sugar mix both named D1201, made
    the same day from one yeast lot, each made into its own product. The
    recall of the yeast lot links each mix to what was made of it only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._require_mrp()
        builder = cls.builder
        create = builder.create_product
        cls.yeast = create("SN Yeast", tracking="lot")
        cls.flour_mix = create("SN Flour mix", tracking="lot")
        cls.sugar_mix = create("SN Sugar mix", tracking="lot")
        cls.cake = create("SN Cake", tracking="lot")
        cls.bread = create("SN Bread", tracking="lot")
        vendor = builder.create_partner("SN Vendor")
        cls.shop, cls.bistro = builder.create_partners(["SN Shop", "SN Bistro"])
        builder.receive(cls.yeast, {"Y-001": 10.0}, vendor)
        builder.manufacture(cls.flour_mix, {"D1201": 4.0}, {cls.yeast: {"Y-001": 2.0}})
        builder.manufacture(cls.sugar_mix, {"D1201": 4.0}, {cls.yeast: {"Y-001": 2.0}})
        builder.manufacture(cls.cake, {"CAKE-1": 4.0}, {cls.flour_mix: {"D1201": 4.0}})
        builder.manufacture(
            cls.bread, {"BREAD-1": 4.0}, {cls.sugar_mix: {"D1201": 4.0}}
        )
        builder.deliver(cls.cake, {"CAKE-1": 2.0}, cls.shop)
        builder.deliver(cls.bread, {"BREAD-1": 1.0}, cls.shop)
        builder.deliver(cls.bread, {"BREAD-1": 3.0}, cls.bistro)
        lot = builder.get_lots
        cls.yeast_lot = lot(cls.yeast, ["Y-001"])
        cls.flour_lot = lot(cls.flour_mix, ["D1201"])
        cls.sugar_lot = lot(cls.sugar_mix, ["D1201"])
        cls.cake_lot = lot(cls.cake, ["CAKE-1"])
        cls.bread_lot = lot(cls.bread, ["BREAD-1"])
        cls.recall = cls._new_recall(cls.yeast_lot).with_user(cls.recall_manager)
        cls.recall.action_trace()

    def _expected_edges(self):
        return {
            (f"lot-{self.yeast_lot.id}", f"lot-{self.flour_lot.id}"),
            (f"lot-{self.yeast_lot.id}", f"lot-{self.sugar_lot.id}"),
            (f"lot-{self.flour_lot.id}", f"lot-{self.cake_lot.id}"),
            (f"lot-{self.sugar_lot.id}", f"lot-{self.bread_lot.id}"),
            (f"lot-{self.cake_lot.id}", f"customer-{self.shop.id}"),
            (f"lot-{self.bread_lot.id}", f"customer-{self.shop.id}"),
            (f"lot-{self.bread_lot.id}", f"customer-{self.bistro.id}"),
        }

    def test_same_names_of_different_products(self):
        self.assertEqual(self.flour_lot.name, self.sugar_lot.name)
        self.assertNotEqual(self.flour_lot, self.sugar_lot)
        parents = {row.lot_id: row.path for row in self.recall.affected_lot_ids}
        # the text path cannot tell the two mixes apart
        self.assertEqual(parents[self.cake_lot], "Y-001 → D1201 → CAKE-1")
        self.assertEqual(parents[self.bread_lot], "Y-001 → D1201 → BREAD-1")

    def test_recall_tab_draws_no_false_edge(self):
        graph = self.recall.get_genealogy()
        edges = {(edge["source"], edge["target"]) for edge in graph["edges"]}
        self.assertEqual(edges, self._expected_edges())
        self.assertNotIn((f"lot-{self.sugar_lot.id}", f"lot-{self.cake_lot.id}"), edges)
        self.assertNotIn(
            (f"lot-{self.flour_lot.id}", f"lot-{self.bread_lot.id}"), edges
        )
        self.assertGenealogyTrue(self.recall)

    def test_pdf_draws_no_false_edge(self):
        graph = self.recall.get_genealogy()
        svg = _report_svg(self.recall)
        paths = re.findall(r'<path d="([^"]*)"', svg)
        # one path per true edge, the paths of the Genealogy tab's edges
        self.assertEqual(len(paths), len(self._expected_edges()))
        self.assertEqual(paths, [edge["d"] for edge in graph["edges"]])

    def test_lot_form_genealogy_draws_no_false_edge(self):
        graph = self.yeast_lot.with_user(self.stock_user).get_genealogy()
        edges = {(edge["source"], edge["target"]) for edge in graph["edges"]}
        self.assertEqual(edges, self._expected_edges())

    def test_customer_box_lists_each_product(self):
        """The shop received 2 cakes and 1 bread: two lines, never 3 Units."""
        graph = self.recall.get_genealogy()
        (shop,) = [n for n in graph["nodes"] if n["id"] == f"customer-{self.shop.id}"]
        self.assertEqual(
            shop["quantities"],
            [
                [1.0, "Units", "SN Bread", self.bread.id],
                [2.0, "Units", "SN Cake", self.cake.id],
            ],
        )
        self.assertEqual(shop["items"], shop["quantities"])
        svg = _report_svg(self.recall)
        self.assertIn("2.00 Units · SN Cake", svg)
        self.assertIn("1.00 Units · SN Bread", svg)
        self.assertNotIn("Received · 3.00 Units", svg)

    def test_migration_fills_parents_from_the_graph(self):
        """Recalls traced before the parents were stored: the migration
        finds each parent among the lots of its name on the path, and keeps
        only the lot linked to it in the lot graph."""
        rows = self.recall.affected_lot_ids
        self.env.cr.execute(
            "SELECT lot_id, parent_lot_ids FROM stock_recall_lot WHERE recall_id = %s",
            [self.recall.id],
        )
        stored = dict(self.env.cr.fetchall())
        self.assertEqual(stored[self.cake_lot.id], [self.flour_lot.id])
        self.assertEqual(stored[self.bread_lot.id], [self.sugar_lot.id])
        self.assertEqual(stored[self.yeast_lot.id], [])
        self.env.cr.execute(
            "UPDATE stock_recall_lot SET parent_lot_ids = '{}' WHERE id = ANY(%s)",
            [rows.ids],
        )
        migration = load_script(MIGRATION, "slt_post_migrate_19_0_1_4_0")
        migration.migrate(self.env.cr, "19.0.1.3.0")
        self.env.cr.execute(
            "SELECT lot_id, parent_lot_ids FROM stock_recall_lot WHERE recall_id = %s",
            [self.recall.id],
        )
        self.assertEqual(dict(self.env.cr.fetchall()), stored)
        # a second run changes nothing
        migration.migrate(self.env.cr, "19.0.1.3.0")
        self.env.cr.execute(
            "SELECT lot_id, parent_lot_ids FROM stock_recall_lot WHERE recall_id = %s",
            [self.recall.id],
        )
        self.assertEqual(dict(self.env.cr.fetchall()), stored)


class TestGenealogyDemoRecall(RecallCase):
    """The demo recall of FLOUR-2026-003: cookies shipped to customers and
    made into gift boxes, shipped too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        builder = TraceabilityChainBuilder(cls.env)
        if not builder.has_mrp:
            cls._setup_chain("SKIP", serials=2)  # raises SkipTest without mrp
        cls.demo = builder.build_demo_chain()
        cls.seed = cls.demo["lots"]["FLOUR-2026-003"]

    def _recall(self, direction):
        recall = self.env["stock.recall"].create(
            {
                "lot_ids": [Command.set(self.seed.ids)],
                "direction": direction,
                "reason": "Salmonella in flour",
            }
        )
        recall.action_trace()
        return recall

    def test_demo_recall_draws_only_true_edges_round_the_boxes(self):
        for direction in ("downstream", "both"):
            with self.subTest(direction=direction):
                recall = self._recall(direction)
                self.assertGenealogyTrue(recall)

    def test_cookie_shipments_pass_beside_the_gift_box(self):
        recall = self._recall("downstream")
        graph = recall.get_genealogy()
        nodes = {node["id"]: node for node in graph["nodes"]}
        cookie = self.demo["lots"]["COOKIE-2026-003"]
        giftboxes = [
            node for node in graph["nodes"] if node["label"].startswith("GIFTBOX")
        ]
        self.assertTrue(giftboxes)
        shipments = [
            edge
            for edge in graph["edges"]
            if edge["source"] == f"lot-{cookie.id}"
            and nodes[edge["target"]]["kind"] == "customer"
        ]
        self.assertTrue(shipments)
        for edge in shipments:
            # bent across the gift boxes' column, beside every gift box
            self.assertEqual(len(edge["points"]), 4)
            y = edge["points"][1][1]
            for box in giftboxes:
                self.assertFalse(box["y"] <= y <= box["y"] + box["h"], (edge, box))

    def test_customer_boxes_never_sum_products(self):
        recall = self._recall("downstream")
        graph = recall.get_genealogy()
        for node in graph["nodes"]:
            if node["kind"] != "customer":
                continue
            shipments = self.env["stock.recall.shipment"].browse(node["res_ids"])
            expected = {}
            for shipment in shipments:
                key = (shipment.product_id.id, shipment.product_id.uom_id.name)
                expected[key] = expected.get(key, 0.0) + shipment.product_qty
            self.assertEqual(
                {(pid, uom): qty for qty, uom, _name, pid in node["quantities"]},
                expected,
                node["label"],
            )
            self.assertEqual(node["items"], node["quantities"])
