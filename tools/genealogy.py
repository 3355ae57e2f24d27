# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Layered layout of a recall genealogy, and its SVG rendering.

Pure functions, no ORM: :func:`layout` takes the nodes (lots and customers)
and the edges of a trace and returns the positioned graph that both the OWL
component (``static/src/genealogy``) and the PDF (:func:`render_svg`) draw, so
the browser and the report show the same picture.

The layout is a small Sugiyama-style layering, which the graph of a trace
already is: the column of a lot is its depth from the seed (upstream lots to
the left of the seed, negative), customers come last. Rows are ordered by
barycenter sweeps (each node placed at the mean row of its neighbours in the
next column, left to right then right to left) to limit edge crossings. A
column with more than ``threshold`` nodes is collapsed into counted group
nodes (one per product and state, or one for customers), so that a trace of
12,000 lots draws a few dozen shapes; the columns collapsed are named in
``notices``.
"""

from collections import defaultdict
from xml.sax.saxutils import escape

from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__)

NODE_W = 200
NODE_H = 56
GAP_X = 90
GAP_Y = 14
MARGIN = 20
DEFAULT_THRESHOLD = 15
SWEEPS = 2

# state: (fill, border, label); the one palette of the graph (the client
# reads it from the ``legend`` of ``stock.recall.get_genealogy``)
STATES = {
    "blocked": ("#f8d7da", "#b02a37", _lt("Blocked")),
    "expired": ("#ffe5d0", "#c4620f", _lt("Expired")),
    "on_hand": ("#d1e7dd", "#146c43", _lt("On hand")),
    "shipped": ("#cfe2ff", "#0a58ca", _lt("Shipped")),
    "consumed": ("#e2e3e5", "#565e64", _lt("Consumed")),
    "empty": ("#ffffff", "#adb5bd", _lt("No stock")),
    "customer": ("#fff3cd", "#997404", _lt("Customer")),
    "subcontractor": ("#e0cffc", "#59359a", _lt("Subcontractor")),
}


def lot_state(is_blocked, is_expired, on_hand, shipped, consumed):
    """The state a lot node is coloured by, and the quantity it shows."""
    if is_blocked:
        return "blocked", on_hand
    if is_expired and on_hand > 0:
        return "expired", on_hand
    if on_hand > 0:
        return "on_hand", on_hand
    if shipped > 0:
        return "shipped", shipped
    if consumed > 0:
        return "consumed", consumed
    return "empty", 0.0


def _sum_quantities(nodes):
    """Quantities of ``nodes`` summed per unit, never across units."""
    totals = defaultdict(float)
    for node in nodes:
        for qty, uom in node["quantities"]:
            totals[uom] += qty
    return [[qty, uom] for uom, qty in sorted(totals.items())]


def _group_key(node):
    if node["kind"] == "customer":
        # subcontractors (state ``subcontractor``) apart: their records
        # are move lines, the customers' shipments
        return ("customer", node["state"])
    return (node["group_label"], node["state"])


def _collapse(columns, threshold):
    """Replace every column of more than ``threshold`` nodes by group nodes.

    :returns: ``(columns, representative, notices)``; ``representative`` maps
        a node id to the id drawn for it (itself or its group)."""
    representative = {}
    notices = []
    collapsed = {}
    for col, nodes in columns.items():
        if len(nodes) <= threshold:
            collapsed[col] = nodes
            representative.update((node["id"], node["id"]) for node in nodes)
            continue
        groups = defaultdict(list)
        for node in nodes:
            groups[_group_key(node)].append(node)
        if len(groups) > threshold:
            # too many products: one group per state
            groups = defaultdict(list)
            for node in nodes:
                groups[("", node["state"])].append(node)
        drawn = []
        for index, (key, members) in enumerate(sorted(groups.items())):
            group_id = f"group-{col}-{index}"
            drawn.append(_group_node(group_id, key, members))
            representative.update((node["id"], group_id) for node in members)
        collapsed[col] = drawn
        notices.append({"column": col, "count": len(nodes), "groups": len(drawn)})
    return collapsed, representative, notices


def _group_node(group_id, key, members):
    first = members[0]
    is_customer = first["kind"] == "customer"
    return {
        "id": group_id,
        "kind": first["kind"],
        "is_group": True,
        "count": len(members),
        "label": key[0] if not is_customer else "",
        "sublabel": "",
        "state": first["state"],
        "quantities": _sum_quantities(members),
        "column": first["column"],
        "res_model": first["res_model"],
        "res_ids": sorted(
            {res_id for node in members for res_id in node.get("res_ids", [])}
        ),
    }


def _merge_edges(edges, representative):
    """Edges between drawn nodes, with the number of trace edges each one
    stands for."""
    counts = defaultdict(int)
    for source, target in edges:
        if source in representative and target in representative:
            counts[(representative[source], representative[target])] += 1
    return counts


def _order_rows(columns, edge_counts):
    """Barycenter sweeps: each column ordered by the mean row of its
    neighbours in the column before (then after) it."""
    neighbours = defaultdict(list)
    for source, target in edge_counts:
        neighbours[source].append(target)
        neighbours[target].append(source)
    order = sorted(columns)
    for col in order:
        columns[col].sort(key=lambda node: (node["label"], node["id"]))
    for _sweep in range(SWEEPS):
        for sequence, step in ((order[1:], -1), (order[-2::-1], 1)):
            for col in sequence:
                ref = order[order.index(col) + step]
                _sort_by_barycenter(columns[col], columns[ref], neighbours)
    return columns


def _sort_by_barycenter(nodes, ref_nodes, neighbours):
    rank = {node["id"]: index for index, node in enumerate(ref_nodes)}
    current = {node["id"]: index for index, node in enumerate(nodes)}

    def barycenter(node):
        rows = [rank[other] for other in neighbours[node["id"]] if other in rank]
        return sum(rows) / len(rows) if rows else current[node["id"]]

    nodes.sort(key=lambda node: (barycenter(node), current[node["id"]]))


def _position(columns):
    height = max(len(nodes) for nodes in columns.values()) * (NODE_H + GAP_Y)
    positioned = []
    for rank, col in enumerate(sorted(columns)):
        nodes = columns[col]
        offset = (height - len(nodes) * (NODE_H + GAP_Y)) / 2
        for row, node in enumerate(nodes):
            node.update(
                x=MARGIN + rank * (NODE_W + GAP_X),
                y=MARGIN + offset + row * (NODE_H + GAP_Y),
                w=NODE_W,
                h=NODE_H,
            )
            positioned.append(node)
    width = 2 * MARGIN + len(columns) * (NODE_W + GAP_X) - GAP_X
    return positioned, width, height + 2 * MARGIN - GAP_Y


def _edge_path(source, target):
    if source["x"] > target["x"]:
        source, target = target, source
    x1, y1 = source["x"] + source["w"], source["y"] + source["h"] / 2
    x2, y2 = target["x"], target["y"] + target["h"] / 2
    mid = (x1 + x2) / 2
    return (
        f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    )


def layout(nodes, edges, threshold=DEFAULT_THRESHOLD):
    """Position a genealogy.

    :param nodes: dicts with ``id`` (unique string), ``kind`` (``lot`` or
        ``customer``), ``column`` (lots: signed depth, upstream negative;
        ignored for customers, drawn last), ``label``, ``sublabel``,
        ``group_label`` (what lots are grouped by: the product), ``state``
        (a key of :data:`STATES`), ``quantities`` (``[[qty, unit], ...]``),
        ``res_model`` and ``res_ids`` (what a click opens), optional
        ``title`` and ``is_seed``
    :param edges: ``(source_id, target_id)`` pairs, in any direction
    :param threshold: most nodes drawn in one column before it is collapsed
    :returns: dict with ``nodes`` (positioned: ``x``, ``y``, ``w``, ``h``;
        groups have ``is_group`` and ``count``), ``edges`` (``source``,
        ``target``, ``count``, ``d``: the SVG path), ``columns`` (``x``,
        ``kind``, ``depth``, ``count``), ``notices`` (collapsed columns),
        ``width`` and ``height``
    """
    if not nodes:
        return {
            "nodes": [],
            "edges": [],
            "columns": [],
            "notices": [],
            "width": 0,
            "height": 0,
        }
    last = max((n["column"] for n in nodes if n["kind"] == "lot"), default=0) + 1
    columns = defaultdict(list)
    for node in nodes:
        node = dict(node, is_group=False, count=1)
        if node["kind"] == "customer":
            node["column"] = last
        columns[node["column"]].append(node)
    counts = {col: len(col_nodes) for col, col_nodes in columns.items()}
    columns, representative, notices = _collapse(columns, threshold)
    edge_counts = _merge_edges(edges, representative)
    columns = _order_rows(columns, edge_counts)
    positioned, width, height = _position(columns)
    by_id = {node["id"]: node for node in positioned}
    return {
        "nodes": positioned,
        "edges": [
            {
                "source": source,
                "target": target,
                "count": count,
                "d": _edge_path(by_id[source], by_id[target]),
            }
            for (source, target), count in sorted(edge_counts.items())
            if source != target
        ],
        "columns": [
            {
                "depth": col,
                "kind": "customer" if col == last else "lot",
                "x": MARGIN + rank * (NODE_W + GAP_X),
                "count": counts[col],
            }
            for rank, col in enumerate(sorted(columns))
        ],
        "notices": notices,
        "width": width,
        "height": height,
    }


# ----------------------------------------------------------------------
# SVG (the PDF report; wkhtmltopdf renders inline SVG but runs no script)
# ----------------------------------------------------------------------


def _shorten(text, size):
    text = text or ""
    return text if len(text) <= size else text[: size - 1] + "…"


def _svg_node(node, texts):
    fill, stroke, _label = STATES[node["state"]]
    x, y, w, h = node["x"], node["y"], node["w"], node["h"]
    seed = ' stroke-width="3"' if node.get("is_seed") else ' stroke-width="1.2"'
    parts = [
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{w}" height="{h}" rx="6" '
        f'fill="{fill}" stroke="{stroke}"{seed}/>'
    ]
    lines = (texts["title"](node), texts["subtitle"](node), texts["figure"](node))
    weights = ("bold", "normal", "normal")
    for index, (line, weight) in enumerate(zip(lines, weights, strict=True)):
        parts.append(
            f'<text x="{x + 8:.0f}" y="{y + 17 + index * 15:.0f}" '
            f'font-size="11" font-weight="{weight}" fill="#212529">'
            f"{escape(_shorten(line, 32))}</text>"
        )
    return "".join(parts)


def render_svg(graph, texts):
    """The positioned ``graph`` of :func:`layout` as an SVG document.

    :param texts: callables ``title``, ``subtitle`` and ``figure`` giving the
        three lines of a node (translated and formatted by the caller, as the
        client does)
    """
    width, height = max(graph["width"], 1), max(graph["height"], 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="o_slt_genealogy_svg" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMidYMin meet">'
    ]
    for edge in graph["edges"]:
        stroke = min(1 + edge["count"] ** 0.5 / 2, 8)
        parts.append(
            f'<path d="{edge["d"]}" fill="none" stroke="#6c757d" '
            f'stroke-opacity="0.6" stroke-width="{stroke:.1f}"/>'
        )
    parts.extend(_svg_node(node, texts) for node in graph["nodes"])
    parts.append("</svg>")
    return "".join(parts)
