# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""SQL of a stored recall trace (``stock.recall._trace``) and of the views
that serve its events and customer shipments.

Plain functions returning ``odoo.tools.SQL``, next to the graph walk of
:mod:`.trace_engine`; the recall model only gathers the parameters and runs
the statement. After the graph walk (``rows``: the affected lots as
``(lot_id, depth, direction, path)`` tuples), one statement
(:func:`trace_query`) reads the done lines of the affected lots once and
writes the affected lots with their mass balance and the ids of their
lines (the snapshot of the trace), and the stock rows.

The events and the customer shipments are not stored: the views
``stock_recall_event`` and ``stock_recall_shipment`` (:mod:`.recall_view_sql`)
read the lines of the snapshot through the same
:func:`event_lines_query` and :func:`customer_lines_query` as the trace, so
they show exactly the lines the trace saw, classified as it classified
them.

The fragments are common table expressions of that statement; each one
names the CTEs it reads, and the columns it relies on:

``lines`` (:func:`done_lines_query`)
    one row per event of a done line of an affected lot: ``id`` (the move
    line), ``lot_id``, ``product_id``, ``date``, ``location_id``,
    ``location_dest_id``, ``company_id``, ``quantity`` (line unit), ``qty``
    (product unit), ``src_usage``, ``dst_usage``, ``partner_id``,
    ``reference``, ``is_retroactive``, ``event_type``, ``event_index`` (1,
    or 2 for the second event of a line). It is also the ``lines`` that
    :func:`.trace_engine.event_totals_sql` totals.
``affected`` (:func:`affected_query`)
    the affected lots: ``lot_id``, ``depth``, ``direction``, ``path``,
    ``name``, ``product_id``.
``stock_rows`` (:func:`stock_rows_query`, reads ``affected`` and ``lines``)
    where the affected lots are: ``lot_id``, ``product_id``,
    ``location_id``, ``kind`` (a ``stock.recall.stock`` kind), ``quantity``.
``ev``, ``st``, ``tlc``, ``bal``, ``tot`` (:func:`balance_ctes`, read
    ``affected``, ``lines`` and ``stock_rows``)
    ``tot`` is one row per affected lot: ``lot_id``, ``depth``,
    ``direction``, ``path``, ``product_id``, ``source`` (its traceability
    lot code source),
    the totals of :func:`.trace_engine.event_totals_sql` (``received``,
    ``produced``, ``found``, ``shipped``, ``returned``, ``vendor_returned``,
    ``consumed``, ``scrapped``, ``adjusted``; zero when missing),
    ``on_hand``, ``in_transit``, and the mass balance ``qty_in`` and
    ``accounted`` (:data:`.trace_engine.BALANCE_IN`,
    :data:`.trace_engine.BALANCE_ACCOUNTED`).
``customer_rows``, ``snap``, ``path_names`` (:func:`snapshot_ctes`, read
    ``affected`` and ``lines``)
    the customer rows (:func:`customer_lines_query`); per affected lot:
    ``line_ids`` (its traced lines), ``event_count`` and
    ``customer_shipped`` (shipped to customers, product unit); ``names``
    (the lots of its path).

The ``insert_*`` fragments write the results of the recall ``recall`` (its
id) from those CTEs.
"""

from odoo.tools import SQL

from . import trace_engine


def delete_results_query(recall):
    """Remove the stored results of the recall ``recall`` (before a new trace)."""
    return SQL(
        """
        DELETE FROM stock_recall_stock WHERE recall_id = %(recall)s;
        DELETE FROM stock_recall_lot WHERE recall_id = %(recall)s

        """,
        recall=recall,
    )


def hidden_shipments_query(customer_lot_ids, companies):
    """Number of customer shipments of ``customer_lot_ids`` made by
    companies outside ``companies``."""
    return SQL(
        """
        SELECT COUNT(*)
          FROM stock_move_line ml
          JOIN stock_location dst ON dst.id = ml.location_dest_id
         WHERE ml.lot_id = ANY(%(customer_lot_ids)s) AND ml.state = 'done'
           AND dst.usage = 'customer' AND ml.company_id <> ALL(%(companies)s)
        """,
        customer_lot_ids=customer_lot_ids,
        companies=companies,
    )


def trace_query(rows, params, tolerance):
    """One statement: ``lines`` (done lines of the affected lots, read
    once) feeds the stock and the balance of each affected lot, inserted
    with its figures and the ids of its lines (no update afterwards).

    ``params``: ``recall`` (its id), ``companies`` (the
    companies traced), ``all_lot_ids`` (the affected lots) and
    ``directions`` (theirs);
    ``tolerance``: the percentage off 100 that flags a lot out of balance.
    """
    return SQL(
        """
        WITH affected AS MATERIALIZED (%(affected)s),
        lines AS MATERIALIZED (%(lines)s),
        stock_rows AS MATERIALIZED (%(stock_rows)s),
        %(balance)s,
        %(snapshot)s,
        ins_stock AS (%(stock)s),
        %(lots)s

        """,
        affected=affected_query(rows),
        lines=done_lines_query(
            params["all_lot_ids"], params["companies"], params["directions"]
        ),
        stock_rows=stock_rows_query(),
        balance=balance_ctes(),
        snapshot=snapshot_ctes(),
        stock=insert_stock_query(params["recall"]),
        lots=insert_lots_query(params["recall"], tolerance),
    )


def affected_query(rows):
    """``affected``: the affected lots (``rows`` of the graph walk), one row
    each: ``lot_id``, ``depth``, ``direction``, ``path`` (lot ids, comma
    separated), and the lot's ``name`` and ``product_id`` (read by primary
    key). The other CTEs join it rather than test ``= ANY(array)``: the
    planner would estimate such a test element by element."""
    return SQL(
        """
        SELECT t.lot_id, t.depth, t.direction, t.path, lot.name, lot.product_id
          FROM unnest(%(lot_ids)s, %(depths)s, %(directions)s, %(paths)s)
               AS t(lot_id, depth, direction, path)
         CROSS JOIN LATERAL (
               SELECT l.name, l.product_id
                 FROM stock_lot l
                WHERE l.id = t.lot_id
               OFFSET 0) lot
        """,
        lot_ids=trace_engine.array_sql([row[0] for row in rows], "int"),
        depths=trace_engine.array_sql([row[1] for row in rows], "int"),
        directions=trace_engine.array_sql([row[2] for row in rows], "varchar"),
        paths=trace_engine.array_sql([row[3] for row in rows], "varchar"),
    )


def done_lines_query(all_lot_ids, companies, directions):
    """``lines``: the events of the done move lines of ``all_lot_ids`` in
    ``companies`` (:func:`.trace_engine.done_lines_sql`, the one reader of
    the traced lines), see :func:`event_lines_query`, each with the
    ``direction`` of its lot (``directions``, one per lot)."""
    return event_lines_query(
        trace_engine.done_lines_sql(all_lot_ids, companies, directions),
        SQL("ml.direction,"),
    )


def event_lines_query(lines, carried=None, view=False):
    """One row per event of the move lines of ``lines`` (a query with the
    columns of :data:`.trace_engine.LINE_COLUMNS`, and the ``carried``
    ones, passed through): a line is one event, or two (dropship: receiving
    and shipping). The event type comes from
    :func:`~.trace_engine.event_types_sql`, whose aliases this query
    defines: ``ml`` (the line), ``m`` (its move, ``scrap_id``), ``src_loc``
    and ``dst_loc`` (its locations).

    ``is_retroactive`` marks the history lines of a retroactive
    assignment (issue 4), event type ``assignment``: the stock they
    assigned the lot to counts as received.

    With ``view``, the same rows in the shape of the views over the traced
    lines, which the ORM reads a few columns at a time (the ids and dates
    of every row of a recall, then a page): the move and the transfer are
    plain joins on their primary key, which PostgreSQL leaves out when no
    column of theirs is read, and the events of a line are numbered
    without its move (only a line between a vendor and a customer can be
    two events, :func:`~.trace_engine.event_types_sql`, which reads the
    move of those lines only), so the ids, dates and number of the events
    of a recall cost one read of each line.
    """
    event_types = SQL(
        "CASE WHEN arl.id IS NOT NULL THEN ARRAY['assignment'] ELSE %s END",
        trace_engine.event_types_sql(),
    )
    if view:
        lookups = SQL(
            """
          LEFT JOIN stock_move m ON m.id = ml.move_id
          LEFT JOIN stock_picking p ON p.id = ml.picking_id
            """
        )
        events = SQL(
            """
         CROSS JOIN LATERAL (
               SELECT (%(event_types)s)[n.event_index] AS event_type,
                      n.event_index
                 FROM generate_series(1, CASE
                      WHEN arl.id IS NULL
                       AND src_loc.usage IN ('supplier', 'customer')
                       AND dst_loc.usage IN ('supplier', 'customer')
                       AND src_loc.usage != dst_loc.usage
                      THEN (SELECT cardinality(%(event_types)s)
                              FROM (SELECT ml.move_id) line
                              LEFT JOIN stock_move m ON m.id = line.move_id)
                      ELSE 1 END) AS n(event_index)) ev
            """,
            event_types=event_types,
        )
    else:
        lookups = SQL(
            """
          LEFT JOIN LATERAL (
                SELECT sm.partner_id, sm.reference, sm.scrap_id
                  FROM stock_move sm
                 WHERE sm.id = ml.move_id
                OFFSET 0) m ON TRUE
          LEFT JOIN LATERAL (
                SELECT sp.partner_id, sp.name
                  FROM stock_picking sp
                 WHERE sp.id = ml.picking_id
                OFFSET 0) p ON TRUE
            """
        )
        events = SQL(
            """
         CROSS JOIN LATERAL unnest(%s)
               WITH ORDINALITY AS ev(event_type, event_index)
            """,
            event_types,
        )
    return SQL(
        """
        SELECT %(carried)s ml.id, ml.lot_id, ml.product_id, ml.date,
               ml.location_id, ml.location_dest_id, ml.company_id, ml.quantity,
               ml.quantity_product_uom AS qty, src_loc.usage AS src_usage,
               dst_loc.usage AS dst_usage,
               CASE WHEN ev.event_type IN ('shipping', 'customer_return')
                         AND 'supplier' IN (src_loc.usage, dst_loc.usage)
                    -- dropship: the transfer's partner is the vendor, the
                    -- customer is on the move (its delivery address)
                    THEN COALESCE(m.partner_id, p.partner_id)
                    ELSE COALESCE(p.partner_id, m.partner_id)
               END AS partner_id,
               COALESCE(p.name, m.reference) AS reference,
               arl.id IS NOT NULL AS is_retroactive, ev.event_type,
               ev.event_index
          FROM (%(lines)s) ml
          %(lookups)s
          LEFT JOIN stock_lot_assign_run_line arl ON arl.move_line_id = ml.id
          JOIN stock_location src_loc ON src_loc.id = ml.location_id
          JOIN stock_location dst_loc ON dst_loc.id = ml.location_dest_id
          %(events)s

        """,
        carried=carried or SQL(),
        lines=lines,
        lookups=lookups,
        events=events,
    )


def stock_rows_query():
    """``stock_rows``: where the ``affected`` lots are: on hand and in
    transit (quants), and consumed, scrapped or returned by customers (from
    the ``lines`` CTE)."""
    return SQL(
        """
        SELECT q.lot_id, q.product_id, q.location_id,
               CASE WHEN loc.usage = 'internal' THEN 'on_hand'
                    WHEN loc.company_id IS NULL THEN 'between_companies'
                    ELSE 'in_transit' END AS kind,
               SUM(q.quantity) AS quantity
          FROM affected lot
          JOIN stock_quant q ON q.lot_id = lot.lot_id
          JOIN stock_location loc ON loc.id = q.location_id
         WHERE loc.usage IN ('internal', 'transit')
           -- between companies, each company's lot record keeps its own
           -- quant (+1 sent, -1 received): a pair that cancels is no stock
           AND NOT (loc.company_id IS NULL AND loc.usage = 'transit' AND (
                SELECT SUM(oq.quantity)
                  FROM stock_quant oq
                  JOIN stock_lot ol ON ol.id = oq.lot_id
                 WHERE oq.location_id = q.location_id
                   AND oq.product_id = q.product_id AND ol.name = lot.name
               ) = 0)
         GROUP BY q.lot_id, q.product_id, q.location_id, loc.usage,
                  loc.company_id
        HAVING SUM(q.quantity) != 0
        UNION ALL
        SELECT l.lot_id, l.product_id,
               CASE WHEN l.event_type = 'customer_return'
                    THEN l.location_dest_id ELSE l.location_id END,
               CASE l.event_type WHEN 'consumption' THEN 'consumed'
                    WHEN 'scrap' THEN 'scrapped' ELSE 'returned' END,
               SUM(l.qty)
          FROM lines l
         WHERE l.event_type IN ('consumption', 'scrap', 'customer_return')
         GROUP BY 1, 2, 3, 4

        """
    )


def balance_ctes():
    """``ev``, ``st``, ``tlc``, ``bal`` and ``tot``: each ``affected`` lot
    with its mass balance, from ``lines`` and ``stock_rows``."""
    return SQL(
        """
        ev AS (%(event_totals)s),
        st AS (
            SELECT lot_id,
                   SUM(quantity) FILTER (WHERE kind = 'on_hand') AS on_hand,
                   SUM(quantity) FILTER (WHERE kind = 'in_transit') AS in_transit
              FROM stock_rows
             GROUP BY lot_id
        ), tlc AS (
            SELECT DISTINCT ON (l.lot_id) l.lot_id,
                   CASE WHEN l.event_type = 'receiving'
                        THEN COALESCE(rp.name, src_loc.name)
                        ELSE CONCAT(co.name, ' (', l.reference, ')') END AS source
              FROM lines l
              JOIN stock_location src_loc ON src_loc.id = l.location_id
              JOIN res_company co ON co.id = l.company_id
              LEFT JOIN res_partner rp ON rp.id = l.partner_id
             WHERE l.event_type IN ('receiving', 'production') OR l.is_retroactive
             ORDER BY l.lot_id, l.date, l.id
        ), bal AS (
            SELECT t.lot_id, t.depth, t.direction, t.path, t.product_id,
                   tlc.source,
                   COALESCE(ev.received, 0) AS received,
                   COALESCE(ev.produced, 0) AS produced,
                   COALESCE(ev.found, 0) AS found,
                   COALESCE(ev.shipped, 0) AS shipped,
                   COALESCE(ev.returned, 0) AS returned,
                   COALESCE(ev.vendor_returned, 0) AS vendor_returned,
                   COALESCE(ev.consumed, 0) AS consumed,
                   COALESCE(ev.scrapped, 0) AS scrapped,
                   COALESCE(ev.adjusted, 0) AS adjusted,
                   COALESCE(st.on_hand, 0) AS on_hand,
                   COALESCE(st.in_transit, 0) AS in_transit
              FROM affected t
              LEFT JOIN ev ON ev.lot_id = t.lot_id
              LEFT JOIN st ON st.lot_id = t.lot_id
              LEFT JOIN tlc ON tlc.lot_id = t.lot_id
        ), tot AS (
            SELECT bal.*, %(qty_in)s AS qty_in, %(accounted)s AS accounted
              FROM bal
        )

        """,
        event_totals=trace_engine.event_totals_sql(),
        qty_in=trace_engine.BALANCE_IN,
        accounted=trace_engine.BALANCE_ACCOUNTED,
    )


def input_lot_codes_sql():
    """The names of the lots consumed into the line ``l`` when it comes out
    of production (``l.src_usage``), comma separated."""
    return SQL(
        """
        CASE WHEN l.src_usage = 'production' THEN (
            SELECT string_agg(DISTINCT il.name, ', ')
              FROM stock_move_line_consume_rel rel
              JOIN stock_move_line iml ON iml.id = rel.produce_line_id
              JOIN stock_lot il ON il.id = iml.lot_id
             WHERE rel.consume_line_id = l.id)
        END
        """
    )


def customer_lines_query(lines, condition, carried=None):
    """From ``lines`` (rows of :func:`event_lines_query`): the shipments to
    and returns from customers of the lines matching ``condition`` (over
    ``l``), one row each: ``id`` (the move line), ``partner_id`` (the
    commercial partner), ``date``, ``lot_id``, ``kind`` (``shipment`` or
    ``return``), ``quantity`` and ``qty`` (negative for a return, so that a
    sum per customer is what the customer holds), after the ``carried``
    columns."""
    return SQL(
        """
        SELECT %(carried)s l.id,
               COALESCE(rp.commercial_partner_id, rp.id) AS partner_id,
               l.date, l.lot_id,
               CASE l.event_type WHEN 'shipping' THEN 'shipment'
                    ELSE 'return' END AS kind,
               CASE l.event_type WHEN 'shipping' THEN 1 ELSE -1 END * l.quantity
                   AS quantity,
               CASE l.event_type WHEN 'shipping' THEN 1 ELSE -1 END * l.qty AS qty
          FROM %(lines)s l
          LEFT JOIN res_partner rp ON rp.id = l.partner_id
         WHERE ((l.event_type = 'shipping' AND l.dst_usage = 'customer')
                OR (l.event_type = 'customer_return' AND l.src_usage = 'customer'))
           AND %(condition)s
        """,
        carried=carried or SQL(),
        lines=lines,
        condition=condition,
    )


def customer_lots_condition():
    """The line ``l`` is of a lot whose customers are listed (its
    ``direction`` is not upstream)."""
    return SQL("l.direction != 'upstream'")


def snapshot_ctes():
    """``snap``: per affected lot, the ids of its traced lines, its number
    of events and its quantity shipped to customers (lots not upstream:
    those whose shipments are listed), and ``path_names``: the names of the
    lots of its path, from ``lines`` and ``affected`` (every lot of a path
    is an affected lot)."""
    return SQL(
        """
        snap_lines AS (
            SELECT l.lot_id, ARRAY_AGG(DISTINCT l.id) AS line_ids,
                   COUNT(*) AS event_count
              FROM lines l
             GROUP BY l.lot_id
        ), customer_rows AS MATERIALIZED (%(customer_lines)s),
        snap_customers AS (
            SELECT c.lot_id, SUM(c.qty) AS shipped
              FROM customer_rows c
             WHERE c.kind = 'shipment'
             GROUP BY c.lot_id
        ), snap AS (
            SELECT sl.lot_id, sl.line_ids, sl.event_count,
                   COALESCE(sc.shipped, 0) AS customer_shipped
              FROM snap_lines sl
              LEFT JOIN snap_customers sc ON sc.lot_id = sl.lot_id
        ), path_names AS (
            SELECT a.lot_id,
                   STRING_AGG(n.name, ' → ' ORDER BY p.position) AS names
              FROM affected a
             CROSS JOIN LATERAL unnest(string_to_array(a.path, ',')::int[])
                   WITH ORDINALITY AS p(lot_id, position)
              JOIN affected n ON n.lot_id = p.lot_id
             GROUP BY a.lot_id
        )
        """,
        customer_lines=customer_lines_query(SQL("lines"), customer_lots_condition()),
    )


def insert_stock_query(recall):
    """Every row of ``stock_rows`` as a ``stock.recall.stock``."""
    return SQL(
        """
        INSERT INTO stock_recall_stock (
            recall_id, lot_id, product_id, location_id, kind, quantity)
        SELECT %(recall)s, s.lot_id, s.product_id, s.location_id, s.kind,
               s.quantity
          FROM stock_rows s

        """,
        recall=recall,
    )


def insert_lots_query(recall, tolerance):
    """The affected lots with their path and mass balance (``tot``) and
    their snapshot (``snap``, ``path_names``), as ``stock.recall.lot`` rows;
    a lot more than ``tolerance`` percent off 100 is flagged. Returns the
    recall's number of customer shipments and of customers (the anonymous
    retail customer counts as one)."""
    return SQL(
        """
        ins_lots AS (
        INSERT INTO stock_recall_lot (
            recall_id, lot_id, depth, direction, path,
            tlc_source, qty_received, qty_produced, qty_found, qty_in,
            qty_on_hand, qty_in_transit, qty_shipped, qty_returned,
            qty_vendor_returned, qty_consumed, qty_scrapped, qty_adjusted,
            qty_accounted, qty_unexplained, balance_pct, balance_flag,
            traced_line_ids, event_count, qty_customer_shipped)
        SELECT %(recall)s, tot.lot_id, tot.depth, tot.direction,
               path_names.names,
               tot.source, tot.received, tot.produced, tot.found, tot.qty_in,
               tot.on_hand, tot.in_transit, tot.shipped, tot.returned,
               tot.vendor_returned, tot.consumed, tot.scrapped, tot.adjusted,
               tot.accounted, tot.qty_in - tot.accounted,
               CASE WHEN tot.qty_in != 0
                    THEN ROUND((100.0 * tot.accounted / tot.qty_in)::numeric, 2)
                    WHEN tot.accounted = 0 THEN 100.0 ELSE 0.0 END,
               CASE WHEN tot.qty_in != 0
                    THEN ABS(100.0 * tot.accounted / tot.qty_in - 100.0)
                         > %(tolerance)s
                    ELSE ROUND(tot.accounted::numeric, 6) != 0 END,
               COALESCE(snap.line_ids, ARRAY[]::int[]),
               COALESCE(snap.event_count, 0),
               COALESCE(snap.customer_shipped, 0)
          FROM tot
          LEFT JOIN snap ON snap.lot_id = tot.lot_id
          LEFT JOIN path_names ON path_names.lot_id = tot.lot_id
        )
        SELECT COUNT(*), COUNT(DISTINCT COALESCE(c.partner_id, 0))
          FROM customer_rows c
         WHERE c.kind = 'shipment'

        """,
        recall=recall,
        tolerance=tolerance,
    )
