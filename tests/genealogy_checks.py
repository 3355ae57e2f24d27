# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Geometry checks of a positioned genealogy (``tools/genealogy.layout``),
plain functions shared by the layout's unit tests and the recall tests.

An edge is drawn along the polyline of its ``points`` (the SVG path only
rounds its bends off inside the gaps between columns): it must start on
the box of one of its nodes, end on the other's, and pass through no
other box.
"""

# a box is entered when a segment runs more than this inside it (rounding)
EPSILON = 0.5


def _segment_enters_box(p1, p2, box):
    """Whether the segment ``p1``-``p2`` has a point strictly inside
    ``box`` (``x``, ``y``, ``w``, ``h``), shrunk by :data:`EPSILON`
    (Liang-Barsky clipping of the segment against the box)."""
    x0, y0 = box["x"] + EPSILON, box["y"] + EPSILON
    x1, y1 = box["x"] + box["w"] - EPSILON, box["y"] + box["h"] - EPSILON
    dx, dy = p2[0] - p1[0], p2[1] - p1[1]
    low, high = 0.0, 1.0
    for p, q in (
        (-dx, p1[0] - x0),
        (dx, x1 - p1[0]),
        (-dy, p1[1] - y0),
        (dy, y1 - p1[1]),
    ):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low >= high:
            return False
    return True


def _on_border(point, box):
    x, y = point
    inside_x = box["x"] - EPSILON <= x <= box["x"] + box["w"] + EPSILON
    inside_y = box["y"] - EPSILON <= y <= box["y"] + box["h"] + EPSILON
    on_x = abs(x - box["x"]) <= EPSILON or abs(x - box["x"] - box["w"]) <= EPSILON
    on_y = abs(y - box["y"]) <= EPSILON or abs(y - box["y"] - box["h"]) <= EPSILON
    return inside_x and inside_y and (on_x or on_y)


def edge_problems(graph):
    """What is wrong with the drawn edges of ``graph``, as readable lines:
    an edge that does not start and end on the boxes of its two nodes, or
    that passes through the box of another node. Empty when all is well."""
    boxes = {node["id"]: node for node in graph["nodes"]}
    problems = []
    for edge in graph["edges"]:
        name = f"{edge['source']} -> {edge['target']}"
        ends = {edge["source"], edge["target"]}
        points = edge["points"]
        first, last = points[0], points[-1]
        source, target = boxes[edge["source"]], boxes[edge["target"]]
        if not (
            (_on_border(first, source) and _on_border(last, target))
            or (_on_border(first, target) and _on_border(last, source))
        ):
            problems.append(f"{name} does not join its nodes: {points}")
        for p1, p2 in zip(points, points[1:], strict=False):
            problems.extend(
                f"{name} crosses {node_id} between {p1} and {p2}"
                for node_id, box in boxes.items()
                if node_id not in ends and _segment_enters_box(p1, p2, box)
            )
    return problems
