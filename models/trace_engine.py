# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""SQL builders of the lot trace engine.

Plain functions returning ``odoo.tools.SQL`` objects; the thin methods on
``stock.lot`` (``_trace_downstream`` / ``_trace_upstream``) run them.

The lot graph is read from ``stock_move_line_consume_rel``: a row links an
input line (``produce_line_id``, a component consumed by a manufacturing
order or the finished product taken apart by an unbuild) to an output line
(``consume_line_id``, the finished product made, or the component recovered
by the unbuild). Transfers, deliveries, returns and scraps keep the lot, so
they do not add edges: every done line of a reached lot is part of the trace.

Each query walks the whole graph in one ``WITH RECURSIVE`` statement, so the
number of queries does not depend on the depth or the breadth of the graph.
The path array stops cycles (unbuild then remanufacture, returns and
re-receipts); ``DISTINCT ON`` keeps one path per lot and level, so diamonds
in the graph cannot make the number of rows explode.
"""

from odoo.tools import SQL

DOWNSTREAM = "downstream"
UPSTREAM = "upstream"


def lot_graph_query(lot_ids, direction, company_ids):
    """Lots reached from ``lot_ids``: rows ``(lot_id, depth, path)``.

    ``path`` is the array of lot ids from the seed (depth 0) to the lot; each
    lot appears once, at its smallest depth. ``company_ids`` restricts the
    move lines followed (``None``: every company).
    """
    if direction == DOWNSTREAM:
        # the reached lot is consumed (input) -> the lots made from it (output)
        from_col, to_col = SQL("produce_line_id"), SQL("consume_line_id")
    else:
        from_col, to_col = SQL("consume_line_id"), SQL("produce_line_id")
    company_filter = (
        SQL(
            "AND src.company_id = ANY(%s) AND dst.company_id = ANY(%s)",
            company_ids,
            company_ids,
        )
        if company_ids is not None
        else SQL()
    )
    return SQL(
        """
        WITH RECURSIVE trace(lot_id, depth, path) AS (
            SELECT lot.id, 0, ARRAY[lot.id]
              FROM stock_lot lot
             WHERE lot.id = ANY(%(lot_ids)s)
            UNION ALL (
                SELECT DISTINCT ON (dst.lot_id)
                       dst.lot_id, trace.depth + 1, trace.path || dst.lot_id
                  FROM trace
                  JOIN stock_move_line src
                    ON src.lot_id = trace.lot_id AND src.state = 'done'
                  JOIN stock_move_line_consume_rel rel ON rel.%(from_col)s = src.id
                  JOIN stock_move_line dst
                    ON dst.id = rel.%(to_col)s AND dst.state = 'done'
                   AND dst.lot_id IS NOT NULL
                 WHERE dst.lot_id <> ALL(trace.path) %(company_filter)s
                 ORDER BY dst.lot_id, trace.path
            )
        )
        SELECT DISTINCT ON (lot_id) lot_id, depth, path
          FROM trace
         ORDER BY lot_id, depth, path
        """,
        lot_ids=list(lot_ids),
        from_col=from_col,
        to_col=to_col,
        company_filter=company_filter,
    )


def lot_move_lines_query(lot_ids, company_ids):
    """Ids of the done move lines of ``lot_ids``, oldest first."""
    company_filter = (
        SQL("AND ml.company_id = ANY(%s)", company_ids)
        if company_ids is not None
        else SQL()
    )
    return SQL(
        """
        SELECT ml.id
          FROM stock_move_line ml
         WHERE ml.lot_id = ANY(%s) AND ml.state = 'done' %s
         ORDER BY ml.date, ml.id
        """,
        list(lot_ids),
        company_filter,
    )


def event_type_sql():
    """CASE expression classifying a done line ``ml`` (move ``m``, locations
    ``src_loc`` / ``dst_loc``) into a recall event type."""
    return SQL(
        """
        CASE
            WHEN m.scrap_id IS NOT NULL THEN 'scrap'
            WHEN dst_loc.usage = 'inventory' OR src_loc.usage = 'inventory'
                THEN 'adjustment'
            WHEN src_loc.usage = 'supplier' THEN 'receiving'
            WHEN dst_loc.usage = 'supplier' THEN 'vendor_return'
            WHEN dst_loc.usage = 'customer' THEN 'shipping'
            WHEN src_loc.usage = 'customer' THEN 'customer_return'
            WHEN dst_loc.usage = 'production' THEN 'consumption'
            WHEN src_loc.usage = 'production' THEN 'production'
            ELSE 'internal'
        END
        """
    )


class LotTrace:
    """Result of ``stock.lot._trace_downstream()`` / ``_trace_upstream()``.

    :ivar direction: ``"downstream"`` or ``"upstream"``
    :ivar lots: ``stock.lot`` recordset of the reached lots, seeds included,
        ordered by depth
    :ivar move_lines: ``stock.move.line`` recordset, every done line of the
        reached lots (receipts, transfers, manufacturing, deliveries, returns,
        scraps, adjustments), oldest first
    :ivar depth: ``{lot_id: depth}``, 0 for a seed lot
    :ivar path: ``{lot_id: (seed_lot_id, ..., lot_id)}``, a shortest path
    """

    __slots__ = ("depth", "direction", "lots", "move_lines", "path")

    def __init__(self, direction, lots, move_lines, depth, path):
        self.direction = direction
        self.lots = lots
        self.move_lines = move_lines
        self.depth = depth
        self.path = path

    def __repr__(self):
        return (
            f"LotTrace({self.direction}, {len(self.lots)} lots, "
            f"{len(self.move_lines)} move lines)"
        )
