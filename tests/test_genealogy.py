# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import TransactionCase

from ..tools import genealogy
from .common_recall import RecallCase


def _lot(node_id, column, state="on_hand", product="P", qty=1.0, uom="Units"):
    return {
        "id": node_id,
        "kind": "lot",
        "column": column,
        "label": node_id,
        "sublabel": product,
        "group_label": product,
        "state": state,
        "quantities": [[qty, uom]],
        "res_model": "stock.lot",
        "res_ids": [int(node_id.split("-")[1])],
    }


def _customer(node_id, quantities):
    return {
        "id": node_id,
        "kind": "customer",
        "column": 0,
        "label": node_id,
        "sublabel": "",
        "group_label": "",
        "state": "customer",
        "quantities": quantities,
        "res_model": "stock.recall.shipment",
        "res_ids": [int(node_id.split("-")[1])],
    }


class TestGenealogyLayout(TransactionCase):
    """The layered layout as a pure function."""

    def _by_id(self, graph):
        return {node["id"]: node for node in graph["nodes"]}

    def test_columns_by_depth_customers_last(self):
        nodes = [
            _lot("lot-1", 0),
            _lot("lot-2", 1),
            _lot("lot-3", -1),
            _lot("lot-4", 2),
            _customer("customer-9", [[2.0, "Units"]]),
        ]
        edges = [("lot-1", "lot-2"), ("lot-1", "lot-3"), ("lot-2", "lot-4")]
        edges.append(("lot-4", "customer-9"))
        graph = genealogy.layout(nodes, edges)
        xs = {node_id: node["x"] for node_id, node in self._by_id(graph).items()}
        # upstream left of the seed, then each level, customers last
        self.assertLess(xs["lot-3"], xs["lot-1"])
        self.assertLess(xs["lot-1"], xs["lot-2"])
        self.assertLess(xs["lot-2"], xs["lot-4"])
        self.assertLess(xs["lot-4"], xs["customer-9"])
        self.assertEqual(
            [(col["depth"], col["kind"]) for col in graph["columns"]],
            [(-1, "lot"), (0, "lot"), (1, "lot"), (2, "lot"), (3, "customer")],
        )
        self.assertEqual(len(graph["edges"]), 4)
        self.assertEqual({edge["count"] for edge in graph["edges"]}, {1})
        self.assertFalse(graph["notices"])
        for node in graph["nodes"]:
            self.assertLessEqual(node["x"] + node["w"], graph["width"])
            self.assertLessEqual(node["y"] + node["h"], graph["height"])

    def test_barycenter_limits_crossings(self):
        # parents a(1) above b(2); children listed in the crossing order
        nodes = [_lot("lot-1", 0), _lot("lot-2", 0)]
        nodes += [_lot("lot-3", 1), _lot("lot-4", 1)]
        nodes[0]["label"], nodes[1]["label"] = "A", "B"
        nodes[2]["label"], nodes[3]["label"] = "A-child-of-b", "B-child-of-a"
        graph = genealogy.layout(nodes, [("lot-1", "lot-4"), ("lot-2", "lot-3")])
        by_id = self._by_id(graph)
        self.assertLess(by_id["lot-1"]["y"], by_id["lot-2"]["y"])
        # the child of the upper parent is drawn above the other one
        self.assertLess(by_id["lot-4"]["y"], by_id["lot-3"]["y"])

    def test_column_above_threshold_is_grouped_with_counts(self):
        nodes = [_lot("lot-1", 0)]
        nodes += [
            _lot(f"lot-{i}", 1, state="shipped", product="Box") for i in range(10, 16)
        ]
        nodes += [
            _lot(f"lot-{i}", 1, state="on_hand", product="Box") for i in range(20, 22)
        ]
        nodes += [
            _customer("customer-1", [[1.0, "Units"]]),
            _customer("customer-2", [[2.0, "Units"], [3.0, "kg"]]),
            _customer("customer-3", [[0.5, "kg"]]),
        ]
        edges = [("lot-1", f"lot-{i}") for i in (*range(10, 16), 20, 21)]
        edges += [("lot-10", "customer-1"), ("lot-11", "customer-2")]
        edges += [("lot-12", "customer-3"), ("lot-20", "customer-3")]
        graph = genealogy.layout(nodes, edges, threshold=2)
        groups = [node for node in graph["nodes"] if node["is_group"]]
        lots = {node["state"]: node for node in groups if node["kind"] == "lot"}
        self.assertEqual(lots["shipped"]["count"], 6)
        self.assertEqual(lots["on_hand"]["count"], 2)
        self.assertEqual(lots["shipped"]["quantities"], [[6.0, "Units"]])
        self.assertEqual(lots["on_hand"]["res_ids"], [20, 21])
        (customers,) = [node for node in groups if node["kind"] == "customer"]
        self.assertEqual(customers["count"], 3)
        # summed per unit, never across units
        self.assertEqual(customers["quantities"], [[3.0, "Units"], [3.5, "kg"]])
        self.assertEqual(
            sorted((n["column"], n["count"], n["groups"]) for n in graph["notices"]),
            [(1, 8, 2), (2, 3, 1)],
        )
        counts = {
            (edge["source"], edge["target"]): edge["count"] for edge in graph["edges"]
        }
        self.assertEqual(
            counts,
            {
                ("lot-1", lots["shipped"]["id"]): 6,
                ("lot-1", lots["on_hand"]["id"]): 2,
                (lots["shipped"]["id"], customers["id"]): 3,
                (lots["on_hand"]["id"], customers["id"]): 1,
            },
        )
        self.assertEqual(len(graph["nodes"]), 4)

    def test_lot_state(self):
        self.assertEqual(genealogy.lot_state(True, True, 0, 5, 0), ("blocked", 0))
        self.assertEqual(genealogy.lot_state(False, True, 2, 5, 0), ("expired", 2))
        self.assertEqual(genealogy.lot_state(False, True, 0, 5, 0), ("shipped", 5))
        self.assertEqual(genealogy.lot_state(False, False, 0, 0, 3), ("consumed", 3))
        self.assertEqual(genealogy.lot_state(False, False, 0, 0, 0), ("empty", 0.0))

    def test_empty(self):
        graph = genealogy.layout([], [])
        self.assertEqual((graph["nodes"], graph["width"]), ([], 0))


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
        self.assertEqual(on_hand["quantities"], [[1.0, "Units"]])
        shipped = by_id[f"lot-{self.finished[0].id}"]
        self.assertEqual(shipped["state"], "shipped")
        consumed = by_id[f"lot-{level2.id}"]
        self.assertEqual(consumed["state"], "consumed")
        self.assertEqual(consumed["quantities"], [[5.0, "Units"]])
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
        self.assertEqual(first["quantities"], [[2.0, "Units GEN Finished"]])
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
        self.assertEqual(groups["shipped"]["quantities"], [[4.0, "Units"]])
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
