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
    ``parent_id``, ``name``, ``product_id``.
``stock_rows`` (:func:`stock_rows_query`, reads ``affected`` and ``lines``)
    where the affected lots are: ``lot_id``, ``product_id``,
    ``location_id``, ``kind`` (a ``stock.recall.stock`` kind), ``quantity``.
``ev``, ``st``, ``tlc``, ``bal``, ``tot`` (:func:`balance_ctes`, read
    ``affected``, ``lines`` and ``stock_rows``)
    ``tot`` is one row per affected lot: ``lot_id``, ``depth``,
    ``direction``, ``path``, ``parent_id``, ``product_id``, ``source`` (its traceability
    lot code source),
    the totals of :func:`.trace_engine.event_totals_sql` (``received``,
    ``produced``, ``found``, ``shipped``, ``returned``, ``vendor_returned``,
    ``consumed``, ``scrapped``, ``adjusted``; zero when missing),
    ``on_hand``, ``in_transit``, and the mass balance ``qty_in`` and
    ``accounted`` (:data:`.trace_engine.BALANCE_IN`,
    :data:`.trace_engine.BALANCE_ACCOUNTED`).
``named`` (:func:`named_customers_query`, reads ``lines``)
    the customer that a sale document names for a traced line whose
    transfer names none (a point-of-sale session's transfer at closing):
    ``move_line_id``, ``partner_id``.
``customer_rows``, ``snap``, ``path_names`` (:func:`snapshot_ctes`, read
    ``affected``, ``lines``, ``ev`` and ``named``)
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
        DELETE FROM stock_recall_line_customer WHERE recall_id = %(recall)s;
        DELETE FROM stock_recall_customer_rel WHERE recall_id = %(recall)s;
        DELETE FROM stock_recall_vendor_rel WHERE recall_id = %(recall)s;
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
    companies traced), ``all_lot_ids`` (the affected lots),
    ``directions`` (theirs), ``subcontract_location_ids`` (kept on the
    recall for the view of events, see
    :func:`.trace_engine.event_types_sql`), ``pos`` (the point-of-sale
    tables exist, see :func:`named_customers_query`) and ``digits`` (of
    the 'Product Unit' precision, see :func:`insert_lots_query`);
    ``tolerance``: the percentage off 100 that flags a lot out of balance.
    """
    subcontract = subcontract_locations_sql(params["subcontract_location_ids"])
    return SQL(
        """
        WITH affected AS MATERIALIZED (%(affected)s),
        lines AS MATERIALIZED (%(lines)s),
        stock_rows AS MATERIALIZED (%(stock_rows)s),
        %(balance)s,
        named AS MATERIALIZED (%(named)s),
        %(snapshot)s,
        ins_stock AS (%(stock)s),
        ins_named AS (%(insert_named)s),
        %(partners)s,
        upd_recall AS (
            UPDATE stock_recall SET subcontract_location_ids = %(subcontract)s,
                   %(row_ids)s
             WHERE id = %(recall)s
        ),
        %(lots)s

        """,
        affected=affected_query(rows),
        lines=done_lines_query(
            None,
            params["companies"],
            None,
            params["subcontract_location_ids"],
            traced=SQL("affected"),
        ),
        stock_rows=stock_rows_query(),
        balance=balance_ctes(subcontract, snapshot=True),
        named=named_customers_query(params["pos"]),
        snapshot=snapshot_ctes(),
        stock=insert_stock_query(params["recall"]),
        insert_named=insert_named_query(params["recall"]),
        partners=insert_partners_query(params["recall"]),
        subcontract=subcontract,
        row_ids=row_ids_sql(params["recall"]),
        recall=params["recall"],
        lots=insert_lots_query(params["recall"], tolerance, params["digits"]),
    )


def subcontract_locations_sql(location_ids):
    """The ids of the subcontracting locations as the ``int[]`` expression
    that :func:`.trace_engine.event_types_sql` takes."""
    return SQL("%s::int[]", list(location_ids))


def path_parent_ids(path):
    """The parent of a lot in the genealogy: the lot before it on its
    ``path`` (lot ids from the seed, comma separated), as a list of at most
    one lot id (none for a seed). The one definition of a genealogy edge
    between lots, for the stored recall and the live genealogy alike: lot
    ids, never names (lots of different products may share a name)."""
    return [int(lot_id) for lot_id in path.split(",")[-2:-1]]


def affected_query(rows):
    """``affected``: the affected lots (``rows`` of the graph walk), one row
    each: ``lot_id``, ``depth``, ``direction``, ``path`` (lot ids, comma
    separated), ``parent_id`` (:func:`path_parent_ids`, NULL for a seed),
    the lot's ``name`` and ``product_id`` (read by primary key), and
    ``prefix``: the path up to its parent (NULL for a seed). The
    other CTEs join it rather than test ``= ANY(array)``: the planner would
    estimate such a test element by element."""
    return SQL(
        """
        SELECT t.lot_id, t.depth, t.direction, t.path, t.parent_id, lot.name,
               lot.product_id,
               NULLIF(left(t.path, -length(t.lot_id::text) - 1), '') AS prefix
          FROM unnest(%(lot_ids)s, %(depths)s, %(directions)s, %(paths)s,
                      %(parents)s)
               AS t(lot_id, depth, direction, path, parent_id)
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
        parents=trace_engine.array_sql(
            [(path_parent_ids(row[3]) or [None])[0] for row in rows], "int"
        ),
    )


def done_lines_query(
    all_lot_ids, companies, directions, subcontract_location_ids, traced=None
):
    """``lines``: the events of the done move lines of ``all_lot_ids`` in
    ``companies`` (:func:`.trace_engine.done_lines_sql`, the one reader of
    the traced lines), see :func:`event_lines_query`, each with the
    ``direction`` of its lot (``directions``, one per lot), the lines in
    and out of the ``subcontract_location_ids`` classified as shipments to
    and receipts from subcontractors. ``traced``: the lots and their
    directions as a relation of the statement instead (see
    :func:`.trace_engine.done_lines_sql`)."""
    return event_lines_query(
        trace_engine.done_lines_sql(all_lot_ids, companies, directions, traced),
        SQL("ml.direction,"),
        subcontract_locations=subcontract_locations_sql(subcontract_location_ids),
    )


def event_lines_query(lines, carried=None, view=False, *, subcontract_locations):
    """One row per event of the move lines of ``lines`` (a query with the
    columns of :data:`.trace_engine.LINE_COLUMNS`, and the ``carried``
    ones, passed through): a line is one event, or two (dropship: receiving
    and shipping). The event type comes from
    :func:`~.trace_engine.event_types_sql`, whose aliases this query
    defines: ``ml`` (the line), ``m`` (its move, ``scrap_id``), ``src_loc``
    and ``dst_loc`` (its locations).

    ``is_retroactive`` marks the history lines of a retroactive
    assignment, event type ``assignment``: the stock they
    assigned the lot to counts as received.

    ``subcontract_locations``: the subcontracting locations, an ``int[]``
    expression (:func:`.trace_engine.event_types_sql`).

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
        trace_engine.event_types_sql(subcontract_locations),
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
    the ``lines`` CTE).

    The quants are read lot by lot through their lot index (``LATERAL ..
    OFFSET 0``, as the lines in :func:`.trace_engine.done_lines_sql`): a
    join left to the planner hashed every quant of the database, a cost
    that follows the quant table (and its dead rows after churn), not the
    recall."""
    return SQL(
        """
        SELECT q.lot_id, q.product_id, q.location_id,
               CASE WHEN loc.usage = 'internal' THEN 'on_hand'
                    WHEN loc.company_id IS NULL THEN 'between_companies'
                    ELSE 'in_transit' END AS kind,
               SUM(q.quantity) AS quantity
          FROM affected lot
         CROSS JOIN LATERAL (
               SELECT sq.lot_id, sq.product_id, sq.location_id, sq.quantity
                 FROM stock_quant sq
                WHERE sq.lot_id = lot.lot_id
               OFFSET 0) q
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


def balance_ctes(subcontract_locations, snapshot=False):
    """``ev``, ``st``, ``tlc``, ``bal`` and ``tot``: each ``affected`` lot
    with its mass balance, from ``lines`` and ``stock_rows``.

    The traceability lot code source (``tlc``) is where the lot's code was
    first given: its first receipt (from a vendor or a subcontractor),
    production or retroactive assignment. A subcontractor gave the code of
    a lot it made (produced into one of the ``subcontract_locations``, an
    ``int[]`` expression; Odoo dates that production around the receipt):
    its source is the receipt from the subcontractor, not the production.

    With ``snapshot``, ``ev`` also has the snapshot of each lot's lines
    (``line_ids``, ``event_count``, see :func:`snapshot_ctes`): one pass of
    grouping over the lines instead of two."""
    extra = SQL(
        "ARRAY_AGG(DISTINCT l.id) AS line_ids, COUNT(*) AS event_count,"
        if snapshot
        else ""
    )
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
                   CASE WHEN l.event_type IN ('receiving', 'subcontract_receiving')
                        THEN COALESCE(rp.name, src_loc.name)
                        ELSE CONCAT(co.name, ' (', l.reference, ')') END AS source
              FROM lines l
              JOIN stock_location src_loc ON src_loc.id = l.location_id
              JOIN res_company co ON co.id = l.company_id
              LEFT JOIN res_partner rp ON rp.id = l.partner_id
             WHERE l.event_type IN ('receiving', 'subcontract_receiving',
                                    'production')
                OR l.is_retroactive
             ORDER BY l.lot_id,
                      l.event_type = 'production'
                      AND l.location_dest_id = ANY(%(subcontract)s),
                      l.date, l.id
        ), bal AS (
            SELECT t.lot_id, t.depth, t.direction, t.path, t.parent_id,
                   t.product_id, tlc.source,
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
        event_totals=trace_engine.event_totals_sql(extra),
        subcontract=subcontract_locations,
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


def customer_lines_query(lines, condition, named_join, carried=None):
    """From ``lines`` (rows of :func:`event_lines_query`): the shipments to
    and returns from customers of the lines matching ``condition`` (over
    ``l``), one row each: ``id`` (the move line), ``partner_id`` (the
    commercial partner), ``date``, ``lot_id``, ``kind`` (``shipment`` or
    ``return``), ``quantity`` and ``qty`` (negative for a return, so that a
    sum per customer is what the customer holds), after the ``carried``
    columns.

    ``named_join`` joins ``nc``, the customer that a sale document names
    for a line whose transfer names none (column ``partner_id``, see
    :func:`named_customers_query`), which comes first."""
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
          %(named_join)s
          LEFT JOIN res_partner rp ON rp.id = COALESCE(nc.partner_id, l.partner_id)
         WHERE ((l.event_type = 'shipping' AND l.dst_usage = 'customer')
                OR (l.event_type = 'customer_return' AND l.src_usage = 'customer'))
           AND %(condition)s
        """,
        carried=carried or SQL(),
        lines=lines,
        named_join=named_join,
        condition=condition,
    )


def customer_lots_condition():
    """The line ``l`` is of a lot whose customers are listed (its
    ``direction`` is not upstream)."""
    return SQL("l.direction != 'upstream'")


# The customers of ``named`` (:func:`named_customers_query`), in the trace
# statement and the live genealogy.
NAMED_JOIN = SQL("LEFT JOIN named nc ON nc.move_line_id = l.id")


def named_customers_query(pos):
    """``named``: the customer that a point-of-sale order names for a traced
    line (rows ``move_line_id``, ``partner_id``), from ``lines``.

    With the stock updated at the closing of the session, Odoo moves the
    session's sales in transfers with no customer (``pos_session_id`` set,
    no ``pos_order_id``): one line per order line and lot (more when the
    lot is taken from several quants), linked to no order. The orders still
    name their customers and the lot of each line
    (``pos.pack.operation.lot``): per session, lot and direction (sale or
    refund), the lines of those transfers are matched to the lots of the
    session's orders that have no transfer of their own. The lines of the
    same lot are interchangeable; what matters is how much each customer
    got: first the n-th line of a quantity goes with the n-th order lot of
    that quantity, then what is left (lots split over quants) is laid end
    to end by quantity, a line going with the order whose quantities hold
    its first unit. Orders are taken in Odoo's order (``pos.order._order``,
    then line and lot). An order without a customer names none (the
    anonymous retail customer). Each order's own transfer (stock updated in
    real time) already names its customer.

    ``pos``: the point-of-sale tables exist (the add-on does not depend on
    ``point_of_sale``); without them, no row."""
    if not pos:
        return SQL("SELECT NULL::int AS move_line_id, NULL::int AS partner_id LIMIT 0")
    return SQL(
        """
        WITH session_lines AS (
            SELECT l.id, l.lot_id, sp.pos_session_id AS session_id,
                   l.dst_usage = 'customer' AS sold, sp.id AS picking_id,
                   ROUND(l.qty::numeric, 6) AS qty
              FROM lines l
              JOIN stock_move_line ml ON ml.id = l.id
              JOIN stock_picking sp ON sp.id = ml.picking_id
             WHERE l.event_type IN ('shipping', 'customer_return')
               AND 'customer' IN (l.src_usage, l.dst_usage)
               AND sp.pos_session_id IS NOT NULL AND sp.pos_order_id IS NULL
        ), order_lots AS (
            SELECT o.session_id, lot.id AS lot_id, pol.qty > 0 AS sold,
                   o.partner_id, ROUND(q.qty::numeric, 6) AS qty,
                   ROW_NUMBER() OVER (
                       PARTITION BY o.session_id, lot.id, pol.qty > 0
                       ORDER BY o.date_order DESC, o.name DESC, o.id DESC,
                                pol.id, pl.id) AS position
              FROM (SELECT DISTINCT s.session_id, s.lot_id
                      FROM session_lines s) s
              JOIN stock_lot lot ON lot.id = s.lot_id
              JOIN pos_order o ON o.session_id = s.session_id
              JOIN pos_order_line pol
                ON pol.order_id = o.id AND pol.product_id = lot.product_id
              JOIN pos_pack_operation_lot pl
                ON pl.pos_order_line_id = pol.id AND pl.lot_name = lot.name
              JOIN product_product pp ON pp.id = pol.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             CROSS JOIN LATERAL (
                   SELECT CASE WHEN pt.tracking = 'serial' THEN 1
                               ELSE ABS(pol.qty) END AS qty) q
             WHERE o.state NOT IN ('draft', 'cancel') AND o.shipping_date IS NULL
               AND NOT EXISTS (
                   SELECT 1 FROM stock_picking op WHERE op.pos_order_id = o.id)
        ), exact AS (
            SELECT sl.id, ol.session_id, ol.lot_id, ol.sold, ol.position,
                   ol.partner_id
              FROM (SELECT s.*, ROW_NUMBER() OVER (
                               PARTITION BY s.session_id, s.lot_id, s.sold, s.qty
                               ORDER BY s.picking_id, s.id) AS rank
                      FROM session_lines s) sl
              JOIN (SELECT o.*, ROW_NUMBER() OVER (
                               PARTITION BY o.session_id, o.lot_id, o.sold, o.qty
                               ORDER BY o.position) AS rank
                      FROM order_lots o) ol
                ON ol.session_id = sl.session_id AND ol.lot_id = sl.lot_id
               AND ol.sold = sl.sold AND ol.qty = sl.qty AND ol.rank = sl.rank
        ), rest_lines AS (
            SELECT s.id, s.session_id, s.lot_id, s.sold,
                   SUM(s.qty) OVER (PARTITION BY s.session_id, s.lot_id, s.sold
                                    ORDER BY s.picking_id, s.id) - s.qty AS start
              FROM session_lines s
             WHERE s.id NOT IN (SELECT e.id FROM exact e)
        ), rest_lots AS (
            SELECT o.session_id, o.lot_id, o.sold, o.partner_id, o.qty,
                   SUM(o.qty) OVER (PARTITION BY o.session_id, o.lot_id, o.sold
                                    ORDER BY o.position) - o.qty AS start
              FROM order_lots o
             WHERE NOT EXISTS (
                   SELECT 1 FROM exact e
                    WHERE e.session_id = o.session_id AND e.lot_id = o.lot_id
                      AND e.sold = o.sold AND e.position = o.position)
        )
        SELECT e.id AS move_line_id, e.partner_id
          FROM exact e
         WHERE e.partner_id IS NOT NULL
         UNION ALL
        SELECT rl.id, ro.partner_id
          FROM rest_lines rl
          JOIN rest_lots ro
            ON ro.session_id = rl.session_id AND ro.lot_id = rl.lot_id
           AND ro.sold = rl.sold AND rl.start >= ro.start
           AND rl.start < ro.start + ro.qty
         WHERE ro.partner_id IS NOT NULL
        """
    )


def insert_named_query(recall):
    """Every row of ``named`` as a ``stock.recall.line.customer``: the view
    of customer shipments reads them back (it cannot read the
    point-of-sale tables, which may not exist)."""
    return SQL(
        """
        INSERT INTO stock_recall_line_customer (recall_id, move_line_id, partner_id)
        SELECT %(recall)s, n.move_line_id, n.partner_id
          FROM named n

        """,
        recall=recall,
    )


def snapshot_ctes():
    """``snap``: per affected lot, the ids of its traced lines, its number
    of events and its quantity shipped to customers (lots not upstream:
    those whose shipments are listed), from ``ev`` (:func:`balance_ctes`
    with ``snapshot``) and ``customer_rows``, and ``path_names``: the names
    of the lots of its path, from ``affected`` (every lot of a path is an
    affected lot). The lots of a path before the last are the path of its
    parent: their names are joined once per parent (``prefix_names``; the
    12,000 serials of a recall share a few tens), not once per lot."""
    return SQL(
        """
        customer_rows AS MATERIALIZED (%(customer_lines)s),
        snap_customers AS (
            SELECT c.lot_id, SUM(c.qty) AS shipped
              FROM customer_rows c
             WHERE c.kind = 'shipment'
             GROUP BY c.lot_id
        ), snap AS (
            SELECT ev.lot_id, ev.line_ids, ev.event_count,
                   COALESCE(sc.shipped, 0) AS customer_shipped
              FROM ev
              LEFT JOIN snap_customers sc ON sc.lot_id = ev.lot_id
        ), prefix_names AS (
            SELECT pr.prefix,
                   STRING_AGG(n.name, ' → ' ORDER BY p.position) AS names
              FROM (SELECT DISTINCT a.prefix FROM affected a
                     WHERE a.prefix IS NOT NULL) pr
             CROSS JOIN LATERAL unnest(string_to_array(pr.prefix, ',')::int[])
                   WITH ORDINALITY AS p(lot_id, position)
              JOIN affected n ON n.lot_id = p.lot_id
             GROUP BY pr.prefix
        ), path_names AS (
            SELECT a.lot_id,
                   CASE WHEN pn.names IS NULL THEN a.name
                        ELSE pn.names || ' → ' || a.name END AS names
              FROM affected a
              LEFT JOIN prefix_names pn ON pn.prefix = a.prefix
        )
        """,
        customer_lines=customer_lines_query(
            SQL("lines"), customer_lots_condition(), NAMED_JOIN
        ),
    )


def insert_partners_query(recall):
    """``ins_customers`` and ``ins_vendors``: the customers and vendors of
    the recall (``stock.recall.customer_ids``, ``vendor_ids``), from the
    rows the statement already holds: the commercial partners of the
    customer rows, and of the partners of the receipts of the affected lots.
    The same partners as the views give (``stock.recall.shipment``,
    ``stock.recall.event``), which read the stored lines back and classify
    them again: written here, they cost no second reading of the recall."""
    return SQL(
        """
        ins_customers AS (
            INSERT INTO stock_recall_customer_rel (recall_id, partner_id)
            SELECT DISTINCT %(recall)s, c.partner_id
              FROM customer_rows c
             WHERE c.partner_id IS NOT NULL
        ), ins_vendors AS (
            INSERT INTO stock_recall_vendor_rel (recall_id, partner_id)
            SELECT DISTINCT %(recall)s, COALESCE(p.commercial_partner_id, p.id)
              FROM lines l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.event_type = 'receiving'
        )
        """,
        recall=recall,
    )


def row_ids_sql(recall):
    """The assignments of ``event_row_ids`` and ``shipment_row_ids`` of the
    recall ``recall``: the ids of the rows of the views of its events and
    customer shipments (:func:`.recall_view_sql.event_view_query`,
    :func:`.recall_view_sql.shipment_view_query`: recall, move line, event
    of the line) in the order of their models (``date, id``; the customer
    as ``res.partner`` sorts, then ``date, id``), from ``lines`` and
    ``customer_rows``. Opening the recall, the web client reads every id of
    both tabs; read from here, they cost no reading of the traced lines
    (``stock.recall.line.mixin._get_traced_rows``)."""
    return SQL(
        """
        event_row_ids = ARRAY(
            SELECT (%(recall)s::bigint << 32) + l.id::bigint * 2
                   + l.event_index - 1
              FROM lines l
             ORDER BY l.date, l.id, l.event_index),
        shipment_row_ids = ARRAY(
            SELECT (%(recall)s::bigint << 32) + c.id::bigint * 2
              FROM customer_rows c
              LEFT JOIN res_partner rp ON rp.id = c.partner_id
             ORDER BY rp.complete_name, rp.id DESC, c.date, c.id)
        """,
        recall=recall,
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


def insert_lots_query(recall, tolerance, digits):
    """The affected lots with their path, their parent in the genealogy and
    their mass balance (``tot``) and their snapshot (``snap``,
    ``path_names``), as ``stock.recall.lot`` rows;
    a lot more than ``tolerance`` percent off 100 is flagged. Returns the
    recall's number of customer shipments, of customers (the anonymous
    retail customer counts as one) and of named customers who still hold a
    lot (shipped minus returned, rounded to ``digits``, above zero: those a
    recall without notices has to notify, see
    ``stock.recall.shipment._get_customer_counts``)."""
    return SQL(
        """
        ins_lots AS (
        INSERT INTO stock_recall_lot (
            recall_id, lot_id, depth, direction, path, parent_lot_ids,
            tlc_source, qty_received, qty_produced, qty_found, qty_in,
            qty_on_hand, qty_in_transit, qty_shipped, qty_returned,
            qty_vendor_returned, qty_consumed, qty_scrapped, qty_adjusted,
            qty_accounted, qty_unexplained, balance_pct, balance_flag,
            traced_line_ids, event_count, qty_customer_shipped)
        SELECT %(recall)s, tot.lot_id, tot.depth, tot.direction,
               path_names.names, ARRAY_REMOVE(ARRAY[tot.parent_id], NULL),
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
        SELECT COUNT(*), COUNT(DISTINCT COALESCE(c.partner_id, 0)),
               (SELECT COUNT(DISTINCT h.partner_id)
                  FROM (SELECT c.partner_id
                          FROM customer_rows c
                         WHERE c.partner_id IS NOT NULL
                         -- a lot is of one product: per lot is per lot and
                         -- product, as the notices count it
                         GROUP BY c.partner_id, c.lot_id
                        HAVING ROUND(SUM(c.qty)::numeric, %(digits)s) > 0) h)
          FROM customer_rows c
         WHERE c.kind = 'shipment'

        """,
        recall=recall,
        tolerance=tolerance,
        digits=digits,
    )
