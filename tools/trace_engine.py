# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""SQL builders of the lot trace engine.

Plain functions returning ``odoo.tools.SQL`` objects; the thin methods on
``stock.lot`` (``_trace_downstream`` / ``_trace_upstream``) run them.

The edges of the lot graph are decided in one place, :func:`edge_sql`: from a
done line of a reached lot to the done lines of other lots that carry it on:

* manufacturing, repairs and by-products: ``stock_move_line_consume_rel``
  links an input line (``produce_line_id``: a component consumed, a part
  added to a repaired serial) to an output line (``consume_line_id``: the
  finished product or by-product made, the repaired serial). Odoo links a
  part *removed* by a repair to the serial too; its line comes out of
  production while the serial's does not, and that link is followed the
  other way: the removed part came out of the serial, it did not go in;
* unbuilds (``mrp`` installed): Odoo writes consume links only for by-products,
  so the lines of the unbuilt product (into production) are linked here to
  the lines of the recovered components (out of production) of the same
  unbuild order (``unbuild_id``, set on both sides);
* inter-company transit: a lot that enters a company-less transit location
  continues as the lot of the same product and name that leaves it (each
  company has its own lot record).

Transfers, deliveries, returns, packages and scraps keep the lot, so they add
no edge: every done line of a reached lot is part of the trace.

Each query walks the whole graph in one ``WITH RECURSIVE`` statement, so the
number of queries does not depend on the depth or the breadth of the graph.
The path array stops cycles (unbuild then remanufacture, returns and
re-receipts); ``DISTINCT ON`` keeps one path per lot and level, so diamonds
in the graph cannot make the number of rows explode.
"""

from odoo.tools import SQL

DOWNSTREAM = "downstream"
UPSTREAM = "upstream"


# The production locations, an init plan computed once per statement.
_PRODUCTION_LOCATIONS = SQL(
    "ARRAY(SELECT pl.id FROM stock_location pl WHERE pl.usage = 'production')"
)


def _removed_part(input_line, output_line):
    """The consume link from ``input_line`` to ``output_line`` (aliases of
    ``stock_move_line``) is a part removed by a repair: the input comes out
    of production, the output (the repaired serial) does not. Components,
    parts added, unbuilt products go into production; finished products,
    by-products and recovered components come out of it.

    Returned as its two halves, ``{alias: condition on that line}``: the
    walk tests the half on the line it stands on first, and reads the line
    at the other end of the link only when that half holds
    (:func:`_link_targets`)."""
    return {
        input_line: SQL(
            "%s.location_id = ANY(%s)", SQL(input_line), _PRODUCTION_LOCATIONS
        ),
        output_line: SQL(
            "%s.location_id <> ALL(%s)", SQL(output_line), _PRODUCTION_LOCATIONS
        ),
    }


def array_sql(values, element_type):
    """``values`` as one array constant of ``element_type`` (``int`` or
    ``varchar``; ``None`` is NULL in an ``int`` array): ``'{1,2,3}'::int[]``.

    psycopg2 sends a Python list as ``ARRAY[1, 2, 3]``, an expression of one
    constant per element that PostgreSQL parses and folds at each planning:
    about 25 ms for 12,000 lots on the benchmark machine, per array, where
    the text of an array constant costs 2 ms. The trace statements send
    several arrays of every affected lot."""
    if element_type == "int":
        text = ",".join(
            "NULL" if value is None else str(int(value)) for value in values
        )
    else:
        text = ",".join(
            '"{}"'.format(str(value).replace("\\", "\\\\").replace('"', '\\"'))
            for value in values
        )
    return SQL("%s::%s[]", "{" + text + "}", SQL(element_type))


def _link_targets(src_col, dst_col, removed_part=False):
    """A consume link: ``rel.<src_col>`` is the current line ``src``, the
    target is ``rel.<dst_col>``. Followed in the direction of the link
    (input to output downstream) unless it is a removed part
    (:func:`_removed_part`); with ``removed_part``, only the links of
    removed parts, against their direction: downstream from the repaired
    serial's line to the part removed from it, upstream from the removed
    part back to the serial.

    The half of the removed-part condition that is on ``src`` comes first:
    where it fails (a component going into production, downstream), the
    link is followed without reading the line at its other end, which the
    walk then reads once, as its target (``dst``). PostgreSQL evaluates the
    cheap test before the ``EXISTS`` subplan (it orders conditions by cost)
    and stops at the first operand that decides, so the lookup of the other
    line runs only where the first half holds (``loops`` of that subplan in
    ``EXPLAIN ANALYZE``: none downstream from a raw lot)."""
    if src_col == "produce_line_id":
        halves = _removed_part("src", "other")
    else:
        halves = _removed_part("other", "src")
    if removed_part:
        return SQL(
            """
            SELECT rel.%(dst)s FROM stock_move_line_consume_rel rel
              JOIN stock_move_line other ON other.id = rel.%(dst)s
             WHERE rel.%(src)s = src.id AND %(on_src)s AND %(on_other)s
            """,
            src=SQL(src_col),
            dst=SQL(dst_col),
            on_src=halves["src"],
            on_other=halves["other"],
        )
    return SQL(
        """
        SELECT rel.%(dst)s FROM stock_move_line_consume_rel rel
         WHERE rel.%(src)s = src.id
           AND NOT (%(on_src)s AND EXISTS (
                    SELECT FROM stock_move_line other
                     WHERE other.id = rel.%(dst)s AND %(on_other)s))
        """,
        src=SQL(src_col),
        dst=SQL(dst_col),
        on_src=halves["src"],
        on_other=halves["other"],
    )


def _unbuild_targets(src_usage_col, dst_usage_col):
    """The lines of the same unbuild order on the other side of production.

    Odoo 19 sets ``unbuild_id`` on both sides of an unbuild: the moves that
    take the unbuilt lot into production and those that bring the recovered
    components out of it. Downstream follows a line going into production
    (``src_usage_col`` = ``location_dest_id``) to the lines of the same
    order coming out of it (``dst_usage_col`` = ``location_id``); upstream
    the reverse. The test of ``src``'s location against the production
    locations (an init plan, computed once) is a one-time filter: lines that
    do not touch production cost nothing more; ``OFFSET 0`` keeps the move
    of the others a primary-key lookup (the planner would otherwise scan
    every unbuild move for each traced line)."""
    return SQL(
        """
        SELECT ol.id
          FROM (SELECT sm.unbuild_id
                  FROM stock_move sm
                 WHERE sm.id = src.move_id AND sm.unbuild_id IS NOT NULL
                OFFSET 0) um
          JOIN stock_move om ON om.unbuild_id = um.unbuild_id
          JOIN stock_move_line ol ON ol.move_id = om.id
          JOIN stock_location oloc ON oloc.id = ol.%(dst)s
         WHERE src.%(src)s = ANY(ARRAY(
                   SELECT pl.id FROM stock_location pl
                    WHERE pl.usage = 'production'))
           AND oloc.usage = 'production'
        """,
        src=SQL(src_usage_col),
        dst=SQL(dst_usage_col),
    )


def _transit_targets(src_loc_col, dst_loc_col):
    """The lines of a lot of the same product and name on the other side of
    a company-less (inter-company) transit location.

    The test on ``src`` alone against the transit locations (an init plan,
    computed once per statement) is a one-time filter of this subquery: the
    lines of every other location cost nothing more."""
    return SQL(
        """
        SELECT ol.id
          FROM stock_move_line ol
          JOIN stock_lot dl ON dl.id = ol.lot_id
          JOIN stock_lot sl ON sl.id = src.lot_id AND sl.name = dl.name
         WHERE src.%(src)s = ANY(ARRAY(
                   SELECT tl.id FROM stock_location tl
                    WHERE tl.usage = 'transit' AND tl.company_id IS NULL))
           AND ol.%(dst)s = src.%(src)s AND ol.product_id = src.product_id
           AND ol.lot_id <> src.lot_id
        """,
        src=SQL(src_loc_col),
        dst=SQL(dst_loc_col),
    )


def edge_sql(direction, follow_unbuild):
    """Ids of the lines one edge away from the done line ``src`` (columns
    ``id``, ``move_id``, ``lot_id``, ``product_id``, ``location_id``,
    ``location_dest_id`` of ``stock_move_line``), as a query whose only column
    is the target line id. The one definition of the graph's edges."""
    if direction == DOWNSTREAM:
        parts = [
            _link_targets("produce_line_id", "consume_line_id"),
            _link_targets("consume_line_id", "produce_line_id", removed_part=True),
            _transit_targets("location_dest_id", "location_id"),
        ]
        if follow_unbuild:
            parts.append(_unbuild_targets("location_dest_id", "location_id"))
    else:
        parts = [
            _link_targets("consume_line_id", "produce_line_id"),
            _link_targets("produce_line_id", "consume_line_id", removed_part=True),
            _transit_targets("location_id", "location_dest_id"),
        ]
        if follow_unbuild:
            parts.append(_unbuild_targets("location_id", "location_dest_id"))
    return SQL(" UNION ALL ").join(parts)


def lot_graph_query(lot_ids, direction, company_ids, follow_unbuild=False):
    """Lots reached from ``lot_ids``: rows ``(lot_id, depth, path)``.

    ``path`` is the array of lot ids from the seed (depth 0) to the lot; each
    lot appears once, at its smallest depth. ``company_ids`` restricts the
    move lines followed (``None``: every company). ``follow_unbuild``: the
    database has ``mrp``'s unbuild columns (see :func:`edge_sql`).

    Each level of the walk is one batch: the lots reached at the previous
    level (the work table of the recursion). Every step from a lot to the
    next ones is a lookup by construction, so that the plan cannot turn
    into a scan of the move lines whatever the planner estimates:

    * ``edge``: for each reached lot, its done lines through the lot index
      and, for each line, the targets of :func:`edge_sql` (each branch a
      lookup on the line);
    * ``dst``: each target line, by primary key.

    Both are ``LATERAL`` subqueries fenced by ``OFFSET 0``: PostgreSQL
    cannot flatten them into the join of the level, so the only plan it has
    is a nested loop running the subquery once per outer row with the outer
    value as its index condition (scanning the table there instead would
    cost a million times more per row, at any estimate). A plain join left
    the choice to the estimates, and those are wrong by orders of magnitude
    here: the work table of a recursion is estimated at 10 times its first
    term whatever the graph, and the lines per lot from ``n_distinct``,
    which a sample misjudges in a table where most lots have a few lines
    and some thousands. With such estimates the plain join of the target
    lines was a merge join along the primary key on a fresh database and,
    once write activity had grown that index, a hash join reading every
    line at each level (15 times slower) until a ``REINDEX``. The lines of
    a lot and their edges share one subquery so that PostgreSQL sees each
    line once (a unique key: no cache of the edges per line is worth it).
    Planner settings (``enable_hashjoin = off``, ...) were not used: they
    only make the other plans look more expensive, not impossible, and a
    ``SET LOCAL`` outlives the statement in the transaction.
    """
    company_filter = SQL()
    dst_company = SQL()
    if company_ids is not None:
        company_filter = SQL("AND src.company_id = ANY(%s)", list(company_ids))
        dst_company = SQL("AND dst.company_id = ANY(%s)", list(company_ids))
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
                 CROSS JOIN LATERAL (
                       SELECT edge.line_id
                         FROM stock_move_line src
                        CROSS JOIN LATERAL (%(edges)s) AS edge(line_id)
                        WHERE src.lot_id = trace.lot_id AND src.state = 'done'
                              %(company_filter)s
                       OFFSET 0) AS edge
                 CROSS JOIN LATERAL (
                       SELECT dst.lot_id
                         FROM stock_move_line dst
                        WHERE dst.id = edge.line_id AND dst.state = 'done'
                          AND dst.lot_id IS NOT NULL %(dst_company)s
                       OFFSET 0) AS dst
                 WHERE dst.lot_id <> ALL(trace.path)
                 ORDER BY dst.lot_id, trace.path
            )
        )
        SELECT DISTINCT ON (lot_id) lot_id, depth, path
          FROM trace
         ORDER BY lot_id, depth, path
        """,
        lot_ids=list(lot_ids),
        edges=edge_sql(direction, follow_unbuild),
        company_filter=company_filter,
        dst_company=dst_company,
    )


# The columns of a done move line that :func:`done_lines_sql` reads, and
# that every query over the traced lines may rely on (alias ``ml``).
LINE_COLUMNS = SQL(
    "ml.id, ml.lot_id, ml.product_id, ml.date, ml.location_id,"
    " ml.location_dest_id, ml.company_id, ml.quantity,"
    " ml.quantity_product_uom, ml.move_id, ml.picking_id"
)


def done_lines_sql(lot_ids, company_ids, directions=None, traced=None):
    """The one reader of the traced lines: the done move lines of
    ``lot_ids`` in ``company_ids`` (``None``: every company), columns
    :data:`LINE_COLUMNS`. Used by the engine (:func:`lot_move_lines_query`),
    the stored recall and the live genealogy
    (:func:`.recall_trace_sql.done_lines_query`). With ``directions`` (one
    per lot of ``lot_ids``), each line also has the ``direction`` of its
    lot, first. ``traced``: instead of ``lot_ids`` and ``directions``, a
    relation of the statement (e.g. a CTE) with the columns ``lot_id`` and
    ``direction``, so that a statement that already holds its lots does not
    send them twice.

    The lines are read lot by lot through the lot index (``LATERAL ..
    OFFSET 0`` keeps those index lookups, which the planner would otherwise
    trade for a scan of the whole table, misled by its estimate of lines
    per lot): the cost follows the size of the trace, not of the database.
    """
    company_filter = (
        SQL("AND ml.company_id = ANY(%s)", list(company_ids))
        if company_ids is not None
        else SQL()
    )
    if traced is not None:
        traced = SQL("%s AS traced", traced)
        carried = SQL("traced.direction,")
    elif directions is None:
        traced = SQL("unnest(%s) AS traced(lot_id)", array_sql(lot_ids, "int"))
        carried = SQL()
    else:
        traced = SQL(
            "unnest(%s, %s) AS traced(lot_id, direction)",
            array_sql(lot_ids, "int"),
            array_sql(directions, "varchar"),
        )
        carried = SQL("traced.direction,")
    return SQL(
        """
        SELECT %(carried)s %(columns)s
          FROM %(traced)s
         CROSS JOIN LATERAL (
               SELECT %(columns)s
                 FROM stock_move_line ml
                WHERE ml.lot_id = traced.lot_id AND ml.state = 'done'
                      %(company_filter)s
               OFFSET 0) ml
        """,
        carried=carried,
        columns=LINE_COLUMNS,
        traced=traced,
        company_filter=company_filter,
    )


def lot_move_lines_query(lot_ids, company_ids):
    """Ids of the done move lines of ``lot_ids`` (:func:`done_lines_sql`),
    oldest first."""
    return SQL(
        "SELECT ml.id FROM (%s) ml ORDER BY ml.date, ml.id",
        done_lines_sql(lot_ids, company_ids),
    )


# Every kind of location (``usage``) that event_types_sql() names: a line
# between locations of these kinds only is never 'unclassified'.
CLASSIFIED_USAGES = (
    "'internal'",
    "'transit'",
    "'supplier'",
    "'customer'",
    "'production'",
    "'inventory'",
)


def event_types_sql(subcontract_locations):
    """The one classification of a done line: an array of event types for
    the line ``ml`` of move ``m`` (columns ``scrap_id``), from location
    ``src_loc`` to ``dst_loc`` (columns ``id``, ``usage``, ``company_id``).
    Most lines are one event, vendor → customer (dropship) is a receipt and a
    shipment, customer → vendor (a dropship returned) a customer return and a
    return to vendor. Into the company-less inter-company transit location is
    a shipment to the other company, out of it a receipt from it (each
    company's lot balances on its own, whether the two share a lot record or
    not); a company's own transit location is an internal transfer.

    ``subcontract_locations`` (an SQL expression of type ``int[]``, see
    ``stock.location._get_subcontracting_location_ids``): the locations
    where subcontractors hold stock. Odoo makes them internal, but a
    subcontractor is another firm: from our stock into one is a shipment to
    the subcontractor (``subcontract_shipping``), out of one into our stock a
    receipt from it (``subcontract_receiving``), the FSMA 204 shipping and
    receiving events. What a subcontractor holds is still ours, on hand at
    its location (quants of an internal location): these two events count
    in no total of the mass balance (:func:`event_totals_sql`).

    A line between locations of a kind this does not know (a third-party
    module's) is ``unclassified``: it counts in no balance, and the health
    check lists it, so nothing vanishes silently."""
    return SQL(
        """
        CASE
            WHEN m.scrap_id IS NOT NULL THEN ARRAY['scrap']
            WHEN dst_loc.usage = 'inventory' OR src_loc.usage = 'inventory'
                THEN ARRAY['adjustment']
            WHEN src_loc.usage = 'supplier' AND dst_loc.usage = 'customer'
                THEN ARRAY['receiving', 'shipping']
            WHEN src_loc.usage = 'customer' AND dst_loc.usage = 'supplier'
                THEN ARRAY['customer_return', 'vendor_return']
            WHEN src_loc.usage = 'supplier' THEN ARRAY['receiving']
            WHEN dst_loc.usage = 'supplier' THEN ARRAY['vendor_return']
            WHEN dst_loc.usage = 'customer' THEN ARRAY['shipping']
            WHEN src_loc.usage = 'customer' THEN ARRAY['customer_return']
            WHEN dst_loc.usage = 'transit' AND dst_loc.company_id IS NULL
                 AND src_loc.usage = 'internal' THEN ARRAY['shipping']
            WHEN src_loc.usage = 'transit' AND src_loc.company_id IS NULL
                 AND dst_loc.usage = 'internal' THEN ARRAY['receiving']
            WHEN dst_loc.usage = 'production' THEN ARRAY['consumption']
            WHEN src_loc.usage = 'production' THEN ARRAY['production']
            WHEN dst_loc.id = ANY(%(subcontract)s)
                 AND src_loc.id <> ALL(%(subcontract)s)
                 AND src_loc.usage IN ('internal', 'transit')
                THEN ARRAY['subcontract_shipping']
            WHEN src_loc.id = ANY(%(subcontract)s)
                 AND dst_loc.id <> ALL(%(subcontract)s)
                 AND dst_loc.usage IN ('internal', 'transit')
                THEN ARRAY['subcontract_receiving']
            WHEN src_loc.usage IN ('internal', 'transit')
                 AND dst_loc.usage IN ('internal', 'transit')
                THEN ARRAY['internal']
            ELSE ARRAY['unclassified']
        END
        """,
        subcontract=subcontract_locations,
    )


def event_totals_sql(extra=None):
    """Per lot, the quantities of each kind of event of the ``lines`` it is
    given (columns ``lot_id``, ``qty``, ``event_type``, ``is_retroactive``,
    ``dst_usage``): the inputs of the mass balance (:data:`BALANCE_IN`,
    :data:`BALANCE_ACCOUNTED`). ``extra``: more aggregates of the same
    lines per lot (ending with a comma), computed in the same pass."""
    return SQL(
        """
        SELECT l.lot_id, %s
               SUM(l.qty) FILTER (WHERE l.event_type = 'receiving'
                                    OR l.is_retroactive) AS received,
               SUM(l.qty) FILTER (WHERE l.event_type = 'production') AS produced,
               SUM(l.qty) FILTER (WHERE l.event_type = 'shipping') AS shipped,
               SUM(l.qty) FILTER (WHERE l.event_type = 'customer_return')
                   AS returned,
               SUM(l.qty) FILTER (WHERE l.event_type = 'vendor_return')
                   AS vendor_returned,
               SUM(l.qty) FILTER (WHERE l.event_type = 'consumption') AS consumed,
               SUM(l.qty) FILTER (WHERE l.event_type = 'scrap') AS scrapped,
               SUM(l.qty) FILTER (WHERE l.event_type = 'adjustment'
                                    AND l.dst_usage = 'inventory') AS adjusted,
               SUM(l.qty) FILTER (WHERE l.event_type = 'adjustment'
                                    AND l.dst_usage != 'inventory') AS found
          FROM lines l
         GROUP BY l.lot_id
        """,
        extra or SQL(),
    )


# The mass balance of a lot, over columns named after event_totals_sql()
# (zero when missing) plus ``on_hand`` and ``in_transit`` from its quants:
# what came in, and where it is accounted for.
BALANCE_IN = SQL("(received + produced + GREATEST(found - adjusted, 0))")
BALANCE_ACCOUNTED = SQL(
    "(on_hand + in_transit + shipped - returned + vendor_returned"
    " + consumed + scrapped)"
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
