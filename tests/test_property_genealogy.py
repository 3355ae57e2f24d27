# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Properties of the genealogy layout (``tools/genealogy.py``) on generated
traces, through its public contract (:func:`genealogy.layout`): every node
and every edge of the trace is drawn (itself or through its group), no two
shapes overlap, columns run from upstream to customers. No database
(``BaseCase``), run by ``make unit`` and by Odoo's runner."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from ..tools import genealogy
from .common_property import property_settings

LOT_STATES = sorted(state for state in genealogy.STATES if state != "customer")


@st.composite
def traces(draw):
    """(nodes, edges, threshold): lots at depths -3..4 of a few products,
    customers, and edges between any two of them (repeated, reversed,
    within a column), as ``stock.recall.get_genealogy`` passes them."""
    lots = draw(
        st.lists(
            st.tuples(
                st.integers(-3, 4),
                st.sampled_from(LOT_STATES),
                st.sampled_from(["Flour", "Sugar", "Cookie", "Box"]),
                st.floats(0, 1000, allow_nan=False),
            ),
            min_size=1,
            max_size=40,
        )
    )
    customers = draw(st.integers(0, 8))
    nodes = [
        {
            "id": f"lot-{index}",
            "kind": "lot",
            "column": column,
            "label": f"L{index}",
            "sublabel": product,
            "group_label": product,
            "state": state,
            "quantities": [[qty, "Units"]],
            "res_model": "stock.lot",
            "res_ids": [index],
        }
        for index, (column, state, product, qty) in enumerate(lots)
    ] + [
        {
            "id": f"customer-{index}",
            "kind": "customer",
            "column": 0,
            "label": f"C{index}",
            "sublabel": "",
            "group_label": "",
            "state": "customer",
            "quantities": [[1.0, "Units"]],
            "res_model": "stock.recall.shipment",
            "res_ids": [index],
        }
        for index in range(customers)
    ]
    ids = [node["id"] for node in nodes]
    edges = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=80)
    )
    threshold = draw(st.integers(1, 20))
    return nodes, edges, threshold


class TestGenealogyLayoutProperties(BaseCase):
    @property_settings(300)
    @given(traces())
    def test_every_node_and_edge_drawn_without_overlap(self, trace):
        nodes, edges, threshold = trace
        graph = genealogy.layout(nodes, edges, threshold=threshold)
        drawn = graph["nodes"]

        # every node of the trace is drawn once, itself or in its group
        drawn_for = {}
        for shape in drawn:
            for res_id in shape["res_ids"]:
                key = (shape["res_model"], res_id)
                self.assertNotIn(key, drawn_for)
                drawn_for[key] = shape["id"]
        self.assertEqual(sum(shape["count"] for shape in drawn), len(nodes))
        self.assertEqual(len(drawn_for), len(nodes))
        shape_of = {
            node["id"]: drawn_for[(node["res_model"], node["res_ids"][0])]
            for node in nodes
        }

        # every edge is drawn, counted once, unless both ends share a group
        expected = Counter(
            (shape_of[source], shape_of[target])
            for source, target in edges
            if shape_of[source] != shape_of[target]
        )
        self.assertEqual(
            Counter(
                {
                    (edge["source"], edge["target"]): edge["count"]
                    for edge in graph["edges"]
                }
            ),
            expected,
        )
        self.assertEqual(len(graph["edges"]), len(expected))

        # no two shapes overlap, all inside the drawing
        for shape in drawn:
            self.assertGreaterEqual(shape["x"], 0)
            self.assertGreaterEqual(shape["y"], 0)
            self.assertLessEqual(shape["x"] + shape["w"], graph["width"])
            self.assertLessEqual(shape["y"] + shape["h"], graph["height"])
        for index, first in enumerate(drawn):
            for second in drawn[index + 1 :]:
                apart = (
                    first["x"] + first["w"] <= second["x"]
                    or second["x"] + second["w"] <= first["x"]
                    or first["y"] + first["h"] <= second["y"]
                    or second["y"] + second["h"] <= first["y"]
                )
                self.assertTrue(apart, (first["id"], second["id"]))

        # upstream to downstream, left to right; customers last
        lots = [shape for shape in drawn if shape["kind"] == "lot"]
        for first in lots:
            for second in lots:
                if first["column"] < second["column"]:
                    self.assertLess(first["x"], second["x"])
        customers_x = [shape["x"] for shape in drawn if shape["kind"] == "customer"]
        if customers_x and lots:
            self.assertGreater(min(customers_x), max(shape["x"] for shape in lots))
