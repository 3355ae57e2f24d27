# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Layered layout of a recall genealogy, and its SVG rendering.

Pure functions, no ORM: :func:`layout` takes the nodes (lots and customers)
and the edges of a trace and returns the positioned graph that both the OWL
component (``static/src/genealogy``) and the PDF (:func:`render_svg`) draw, so
the browser and the report show the same picture.

The layout is a small Sugiyama-style layering, which the graph of a trace
already is: the column of a lot is its depth from the seed (upstream lots to
the left of the seed, negative), customers come last. An edge that skips
columns (a lot shipped to customers two columns to its right, a lot whose
shortest path is shorter than its neighbours') is routed through a dummy
position in each column it crosses, so it runs between the boxes of those
columns instead of through them; the dummies of the edges that leave one
node to the right are shared (one bundle, that fans out at the end). Rows
are ordered by barycenter sweeps over nodes and dummies (each placed at the
mean row of its neighbours in the next column, left to right then right to
left) to limit edge crossings. A column with more than ``threshold`` nodes
is collapsed into counted group nodes (one per product and state, or one
for customers), so that a trace of 12,000 lots draws a few dozen shapes;
the columns collapsed are named in ``notices``.

Quantities are kept per product and unit (``[qty, unit, product name,
product id]``), never added across products: a node that holds several
products (a customer, a group of lots of several products) lists them one
line each (``items``, at most :data:`MAX_ITEM_LINES` lines) and is drawn
taller.
"""

from collections import defaultdict
from xml.sax.saxutils import escape

from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__)

NODE_W = 200
NODE_H = 56
# one more text line of a node (a product of a customer or of a group)
LINE_H = 15
GAP_X = 90
GAP_Y = 14
# the slot of a long edge in a column it crosses
DUMMY_H = 4
MARGIN = 20
DEFAULT_THRESHOLD = 15
SWEEPS = 4
# most product lines drawn in one node; the last says how many more there are
MAX_ITEM_LINES = 4

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
    """Quantities of ``nodes`` summed per product and unit, never across
    products or units."""
    totals = defaultdict(float)
    for node in nodes:
        for qty, uom, product, product_id in node["quantities"]:
            totals[product, uom, product_id] += qty
    return [
        [qty, uom, product, product_id]
        for (product, uom, product_id), qty in sorted(totals.items())
    ]


def _set_items(node):
    """Which quantities a node lists one per line (``items``, and
    ``items_hidden``: how many more there are) and its height. A lot node or
    a group of one product says its quantity on its third line; a customer
    or a group of several products lists each product."""
    quantities = node["quantities"]
    itemized = node["kind"] == "customer" or len({q[3] for q in quantities}) > 1
    items = quantities if itemized else []
    if len(items) > MAX_ITEM_LINES:
        items = items[: MAX_ITEM_LINES - 1]
    node["items"] = items
    node["items_hidden"] = len(quantities) - len(items) if itemized else 0
    lines = len(items) + (1 if node["items_hidden"] else 0)
    node["h"] = NODE_H + LINE_H * lines


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


def _add_dummies(ranked, rank_of, edge_counts):
    """Route every edge that skips columns through one dummy node in each
    column it crosses (appended to ``ranked``, the columns by rank).

    The dummies of the edges that leave the same node to the right are
    shared: they run as one bundle up to the column before each target.

    :returns: ``(routes, links)``: ``routes`` maps an edge to its left
        node, its dummies and its right node; ``links`` are the pairs of
        neighbours in adjacent columns (what the row order looks at)."""
    routes = {}
    links = set()
    shared = {}
    for source, target in edge_counts:
        if source == target:
            continue
        left, right = source, target
        if rank_of[left] > rank_of[right]:
            left, right = right, left
        chain = []
        for rank in range(rank_of[left] + 1, rank_of[right]):
            key = (left, rank)
            if key not in shared:
                shared[key] = {
                    "id": f"dummy-{len(shared)}",
                    "label": "",
                    "is_dummy": True,
                    "h": DUMMY_H,
                }
                ranked[rank].append(shared[key])
            chain.append(shared[key]["id"])
        sequence = [left, *chain, right]
        if rank_of[left] != rank_of[right]:
            links.update(zip(sequence, sequence[1:], strict=False))
        routes[source, target] = (left, chain, right)
    return routes, links


def _order_rows(ranked, links):
    """Barycenter sweeps: each column ordered by the mean row of its
    neighbours in the column before (then after) it."""
    neighbours = defaultdict(list)
    for source, target in links:
        neighbours[source].append(target)
        neighbours[target].append(source)
    for nodes in ranked:
        nodes.sort(key=lambda node: (node["label"], node["id"]))
    last = len(ranked) - 1
    for _sweep in range(SWEEPS):
        for sequence, step in ((range(1, last + 1), -1), (range(last - 1, -1, -1), 1)):
            for rank in sequence:
                _sort_by_barycenter(ranked[rank], ranked[rank + step], neighbours)
    return ranked


def _sort_by_barycenter(nodes, ref_nodes, neighbours):
    rank = {node["id"]: index for index, node in enumerate(ref_nodes)}
    current = {node["id"]: index for index, node in enumerate(nodes)}

    def barycenter(node):
        rows = [rank[other] for other in neighbours[node["id"]] if other in rank]
        return sum(rows) / len(rows) if rows else current[node["id"]]

    nodes.sort(key=lambda node: (barycenter(node), current[node["id"]]))


def _column_height(nodes):
    return sum(node["h"] + GAP_Y for node in nodes) - GAP_Y


def _position(ranked):
    """``x``, ``y``, ``w`` of every node and dummy: columns side by side,
    each one stacked and centred vertically."""
    height = max(_column_height(nodes) for nodes in ranked)
    for rank, nodes in enumerate(ranked):
        y = MARGIN + (height - _column_height(nodes)) / 2
        for node in nodes:
            node.update(x=MARGIN + rank * (NODE_W + GAP_X), y=y, w=NODE_W)
            y += node["h"] + GAP_Y
    width = 2 * MARGIN + len(ranked) * (NODE_W + GAP_X) - GAP_X
    return width, height + 2 * MARGIN


def _route_points(left, dummies, right):
    """The polyline of an edge, left to right: out of the right side of
    ``left``, straight across each column it crosses at its dummy's row,
    into the left side of ``right``. Its odd segments run in the gaps
    between columns, where no box is; its even ones inside a column,
    between boxes."""
    if left["x"] == right["x"]:
        # same column (a link between two seeds): out and back on the right
        x = left["x"] + left["w"]
        y1, y2 = _middle(left), _middle(right)
        return [[x, y1], [x + GAP_X / 3, y1], [x + GAP_X / 3, y2], [x, y2]]
    points = [[left["x"] + left["w"], _middle(left)]]
    for dummy in dummies:
        y = _middle(dummy)
        points += [[dummy["x"], y], [dummy["x"] + dummy["w"], y]]
    points.append([right["x"], _middle(right)])
    return points


def _middle(node):
    return node["y"] + node["h"] / 2


def _path(points):
    """SVG path of a route: a smooth curve (horizontal tangents) in each
    gap between columns, which stays inside the gap, and a straight line
    across each column."""
    (x, y), *rest = points
    parts = [f"M{x:.1f},{y:.1f}"]
    if len(points) == 4 and points[0][0] == points[3][0]:
        parts += [f"L{px:.1f},{py:.1f}" for px, py in rest]
        return " ".join(parts)
    for index, (px, py) in enumerate(rest):
        if index % 2:
            parts.append(f"L{px:.1f},{py:.1f}")
        else:
            mid = (x + px) / 2
            parts.append(f"C{mid:.1f},{y:.1f} {mid:.1f},{py:.1f} {px:.1f},{py:.1f}")
        x, y = px, py
    return " ".join(parts)


def layout(nodes, edges, threshold=DEFAULT_THRESHOLD):
    """Position a genealogy.

    :param nodes: dicts with ``id`` (unique string), ``kind`` (``lot`` or
        ``customer``), ``column`` (lots: signed depth, upstream negative;
        ignored for customers, drawn last), ``label``, ``sublabel``,
        ``group_label`` (what lots are grouped by: the product), ``state``
        (a key of :data:`STATES`), ``quantities`` (``[[qty, unit,
        product name, product id], ...]``), ``res_model`` and ``res_ids`` (what a click
        opens), optional ``title`` and ``is_seed``
    :param edges: ``(source_id, target_id)`` pairs, in any direction
    :param threshold: most nodes drawn in one column before it is collapsed
    :returns: dict with ``nodes`` (positioned: ``x``, ``y``, ``w``, ``h``;
        groups have ``is_group`` and ``count``; ``items`` and
        ``items_hidden``: the quantities listed one per line), ``edges``
        (``source``, ``target``, ``count``, ``points``: the routed polyline,
        ``d``: the SVG path drawn along it), ``columns`` (``x``, ``kind``,
        ``depth``, ``count``), ``notices`` (collapsed columns), ``width``
        and ``height``
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
    order = sorted(columns)
    ranked = [list(columns[col]) for col in order]
    rank_of = {}
    for rank, col_nodes in enumerate(ranked):
        for node in col_nodes:
            _set_items(node)
            rank_of[node["id"]] = rank
    edge_counts = _merge_edges(edges, representative)
    routes, links = _add_dummies(ranked, rank_of, edge_counts)
    ranked = _order_rows(ranked, links)
    width, height = _position(ranked)
    by_id = {node["id"]: node for col_nodes in ranked for node in col_nodes}
    drawn = []
    for (source, target), count in sorted(edge_counts.items()):
        if source == target:
            continue
        left, chain, right = routes[source, target]
        points = _route_points(
            by_id[left], [by_id[dummy] for dummy in chain], by_id[right]
        )
        drawn.append(
            {
                "source": source,
                "target": target,
                "count": count,
                "points": points,
                "d": _path(points),
            }
        )
    return {
        "nodes": [
            node for col_nodes in ranked for node in col_nodes if "is_dummy" not in node
        ],
        "edges": drawn,
        "columns": [
            {
                "depth": col,
                "kind": "customer" if col == last else "lot",
                "x": MARGIN + rank * (NODE_W + GAP_X),
                "count": counts[col],
            }
            for rank, col in enumerate(order)
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
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{w}" height="{h:.0f}" rx="6" '
        f'fill="{fill}" stroke="{stroke}"{seed}/>'
    ]
    lines = [texts["title"](node), texts["subtitle"](node), texts["figure"](node)]
    lines += [texts["item"](item) for item in node["items"]]
    if node["items_hidden"]:
        lines.append(texts["more"](node["items_hidden"]))
    for index, line in enumerate(lines):
        weight = "bold" if index == 0 else "normal"
        parts.append(
            f'<text x="{x + 8:.0f}" y="{y + 17 + index * LINE_H:.0f}" '
            f'font-size="11" font-weight="{weight}" fill="#212529">'
            f"{escape(_shorten(line, 32))}</text>"
        )
    return "".join(parts)


def render_svg(graph, texts):
    """The positioned ``graph`` of :func:`layout` as an SVG document.

    :param texts: callables ``title``, ``subtitle`` and ``figure`` giving the
        three lines of a node, ``item`` the line of one of its ``items``
        and ``more`` the line of its ``items_hidden`` (translated and
        formatted by the caller, as the client does)
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
