# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Unit tests of ``tools/genealogy.py``, the layered layout: no database, no
environment (``BaseCase``; standalone with ``make unit``). The genealogy of
stored recalls and of lots is tested in ``test_recall_genealogy.py``."""

import random

from odoo.tests import BaseCase

from ..tools import genealogy
from .genealogy_checks import edge_problems


def _lot(node_id, column, state="on_hand", product="P", qty=1.0, uom="Units"):
    return {
        "id": node_id,
        "kind": "lot",
        "column": column,
        "label": node_id,
        "sublabel": product,
        "group_label": product,
        "state": state,
        "quantities": [[qty, uom, product, product]],
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


def _edges(graph):
    return {(edge["source"], edge["target"]): edge for edge in graph["edges"]}


class TestGenealogyLayout(BaseCase):
    """The layered layout as a pure function."""

    def _by_id(self, graph):
        return {node["id"]: node for node in graph["nodes"]}

    def test_columns_by_depth_customers_last(self):
        nodes = [
            _lot("lot-1", 0),
            _lot("lot-2", 1),
            _lot("lot-3", -1),
            _lot("lot-4", 2),
            _customer("customer-9", [[2.0, "Units", "P", "P"]]),
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
        self.assertEqual(edge_problems(graph), [])

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
            _customer("customer-1", [[1.0, "Units", "Box", "Box"]]),
            _customer(
                "customer-2",
                [[2.0, "Units", "Box", "Box"], [3.0, "kg", "Flour", "Flour"]],
            ),
            _customer("customer-3", [[0.5, "kg", "Flour", "Flour"]]),
        ]
        edges = [("lot-1", f"lot-{i}") for i in (*range(10, 16), 20, 21)]
        edges += [("lot-10", "customer-1"), ("lot-11", "customer-2")]
        edges += [("lot-12", "customer-3"), ("lot-20", "customer-3")]
        graph = genealogy.layout(nodes, edges, threshold=2)
        groups = [node for node in graph["nodes"] if node["is_group"]]
        lots = {node["state"]: node for node in groups if node["kind"] == "lot"}
        self.assertEqual(lots["shipped"]["count"], 6)
        self.assertEqual(lots["on_hand"]["count"], 2)
        self.assertEqual(lots["shipped"]["quantities"], [[6.0, "Units", "Box", "Box"]])
        # a group of one product's lots says its quantity on its third line
        self.assertEqual((lots["shipped"]["items"], lots["shipped"]["h"]), ([], 56))
        self.assertEqual(lots["on_hand"]["res_ids"], [20, 21])
        (customers,) = [node for node in groups if node["kind"] == "customer"]
        self.assertEqual(customers["count"], 3)
        # summed per product and unit, never across products or units
        self.assertEqual(
            customers["quantities"],
            [[3.0, "Units", "Box", "Box"], [3.5, "kg", "Flour", "Flour"]],
        )
        self.assertEqual(customers["items"], customers["quantities"])
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

    def test_group_of_several_products_is_never_summed(self):
        """Too many products in a column: one group per state, whose
        quantities stay per product (the box lists a few, then counts the
        rest)."""
        nodes = [_lot("lot-1", 0)]
        nodes += [
            _lot(f"lot-{i}", 1, product=f"Product {i}", qty=float(i))
            for i in range(10, 16)
        ]
        edges = [("lot-1", f"lot-{i}") for i in range(10, 16)]
        graph = genealogy.layout(nodes, edges, threshold=2)
        (group,) = [node for node in graph["nodes"] if node["is_group"]]
        self.assertEqual(group["count"], 6)
        self.assertEqual(
            group["quantities"],
            [
                [float(i), "Units", f"Product {i}", f"Product {i}"]
                for i in range(10, 16)
            ],
        )
        shown = genealogy.MAX_ITEM_LINES - 1
        self.assertEqual(group["items"], group["quantities"][:shown])
        self.assertEqual(group["items_hidden"], 6 - shown)
        self.assertEqual(
            group["h"], genealogy.NODE_H + genealogy.MAX_ITEM_LINES * genealogy.LINE_H
        )

    def test_customer_lists_each_product(self):
        """100 cookies and 1 gift box are two lines, not 101 Units."""
        customer = _customer(
            "customer-1",
            [
                [100.0, "Units", "Cookie", "Cookie"],
                [1.0, "Units", "Gift box", "Gift box"],
            ],
        )
        graph = genealogy.layout(
            [_lot("lot-1", 0, product="Cookie"), customer], [("lot-1", "customer-1")]
        )
        node = self._by_id(graph)["customer-1"]
        self.assertEqual(node["items"], customer["quantities"])
        self.assertEqual(node["items_hidden"], 0)
        self.assertEqual(node["h"], genealogy.NODE_H + 2 * genealogy.LINE_H)
        texts = {
            "title": lambda node: node["label"],
            "subtitle": lambda node: node["sublabel"],
            "figure": lambda node: "Received",
            "item": lambda item: f"{item[0]:.2f} {item[1]} · {item[2]}",
            "more": lambda count: f"+ {count} more",
        }
        svg = genealogy.render_svg(graph, texts)
        self.assertIn("100.00 Units · Cookie", svg)
        self.assertIn("1.00 Units · Gift box", svg)
        self.assertNotIn("101", svg)

    def test_products_of_one_name_are_not_summed(self):
        """Two products named alike (a flour mix and a sugar mix both sold
        as "Mix") stay two lines in a group of customers."""
        nodes = [_lot("lot-1", 0)]
        nodes += [
            _customer(f"customer-{i}", [[float(i), "Units", "Mix", i % 2]])
            for i in range(1, 5)
        ]
        edges = [("lot-1", f"customer-{i}") for i in range(1, 5)]
        graph = genealogy.layout(nodes, edges, threshold=2)
        (group,) = [node for node in graph["nodes"] if node["is_group"]]
        self.assertEqual(
            group["quantities"], [[6.0, "Units", "Mix", 0], [4.0, "Units", "Mix", 1]]
        )

    # ------------------------------------------------------------------
    # Routing of the edges
    # ------------------------------------------------------------------

    def _skip_graph(self):
        """The shape of the demo recall: a lot shipped to customers and made
        into a gift box, which is shipped too: the lot's shipments skip the
        gift box's column."""
        nodes = [
            _lot("lot-1", 0),
            _lot("lot-2", 1, product="Cookie"),
            _lot("lot-3", 2, product="Gift box"),
            _customer("customer-1", [[1.0, "Units", "Cookie", "Cookie"]]),
            _customer("customer-2", [[1.0, "Units", "Cookie", "Cookie"]]),
            _customer("customer-3", [[1.0, "Units", "Gift box", "Gift box"]]),
        ]
        edges = [
            ("lot-1", "lot-2"),
            ("lot-2", "lot-3"),
            ("lot-2", "customer-1"),
            ("lot-2", "customer-2"),
            ("lot-3", "customer-3"),
        ]
        return nodes, edges

    def test_edge_skipping_a_column_goes_round_its_boxes(self):
        nodes, edges = self._skip_graph()
        graph = genealogy.layout(nodes, edges)
        self.assertEqual(edge_problems(graph), [])
        by_id = self._by_id(graph)
        giftbox = by_id["lot-3"]
        edge = _edges(graph)["lot-2", "customer-1"]
        # out of the lot, across the gift box's column, into the customer
        start, enter, leave, end = edge["points"]
        self.assertEqual(start[0], by_id["lot-2"]["x"] + genealogy.NODE_W)
        self.assertEqual(
            (enter[0], leave[0]), (giftbox["x"], giftbox["x"] + giftbox["w"])
        )
        self.assertEqual(enter[1], leave[1])
        self.assertFalse(giftbox["y"] <= enter[1] <= giftbox["y"] + giftbox["h"])
        self.assertEqual(end[0], by_id["customer-1"]["x"])
        self.assertIn(f"L{leave[0]:.1f},{leave[1]:.1f}", edge["d"])
        # the shipments of one lot run as one bundle through the column
        self.assertEqual(
            _edges(graph)["lot-2", "customer-2"]["points"][1:3], [enter, leave]
        )
        # adjacent columns: no bend
        self.assertEqual(len(_edges(graph)["lot-3", "customer-3"]["points"]), 2)

    def test_straight_edge_through_a_box_is_reported(self):
        """The check the recall tests rely on finds an edge drawn straight
        through the box in between (the drawing before the routing)."""
        nodes, edges = self._skip_graph()
        graph = genealogy.layout(nodes, edges)
        giftbox = self._by_id(graph)["lot-3"]
        edge = _edges(graph)["lot-2", "customer-1"]
        self.assertEqual(edge_problems(graph), [])
        # straight from the lot to the customer, the gift box on the way
        start, end = edge["points"][0], edge["points"][-1]
        edge["points"] = [start, end]
        giftbox["y"] = (start[1] + end[1]) / 2 - giftbox["h"] / 2
        problems = [
            problem
            for problem in edge_problems(graph)
            if problem.startswith("lot-2 -> customer-1")
        ]
        self.assertEqual(len(problems), 1)
        self.assertIn("crosses lot-3", problems[0])

    def test_same_column_edge_stays_out_of_boxes(self):
        graph = genealogy.layout(
            [_lot("lot-1", 0), _lot("lot-2", 0), _lot("lot-3", 0)],
            [("lot-1", "lot-3")],
        )
        self.assertEqual(edge_problems(graph), [])

    def test_random_graphs_route_every_edge_between_boxes(self):
        """Edges between any two columns, in both directions, with groups
        and customers: no edge passes through a box it does not join, and
        each one runs left to right."""
        rng = random.Random(19)
        for _case in range(60):
            columns = rng.randint(1, 6)
            nodes = [
                _lot(
                    f"lot-{i}",
                    rng.randint(-2, columns - 3),
                    state=rng.choice(["on_hand", "shipped", "consumed"]),
                    product=rng.choice("ABC"),
                )
                for i in range(1, rng.randint(3, 25))
            ]
            nodes += [
                _customer(f"customer-{i}", [[1.0, "Units", product, product]])
                for i, product in enumerate(rng.choices("ABC", k=rng.randint(0, 5)))
            ]
            ids = [node["id"] for node in nodes]
            edges = {tuple(rng.sample(ids, 2)) for _edge in range(rng.randint(0, 40))}
            graph = genealogy.layout(
                nodes, sorted(edges), threshold=rng.choice([3, 15])
            )
            self.assertEqual(edge_problems(graph), [], (nodes, edges))
            for edge in graph["edges"]:
                xs = [point[0] for point in edge["points"]]
                if len(set(xs)) > 2:
                    self.assertEqual(xs, sorted(xs), edge)

    def test_lot_state(self):
        self.assertEqual(genealogy.lot_state(True, True, 0, 5, 0), ("blocked", 0))
        self.assertEqual(genealogy.lot_state(False, True, 2, 5, 0), ("expired", 2))
        self.assertEqual(genealogy.lot_state(False, True, 0, 5, 0), ("shipped", 5))
        self.assertEqual(genealogy.lot_state(False, False, 0, 0, 3), ("consumed", 3))
        self.assertEqual(genealogy.lot_state(False, False, 0, 0, 0), ("empty", 0.0))

    def test_empty(self):
        graph = genealogy.layout([], [])
        self.assertEqual((graph["nodes"], graph["width"]), ([], 0))
