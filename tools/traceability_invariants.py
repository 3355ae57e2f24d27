# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stock invariants of lot traceability, one SQL definition each.

Plain functions returning ``odoo.tools.SQL``: no ORM, so a health check
(``stock.traceability.health``), the benchmark's consistency check
(``dev/bench/generate.py``) and the load test (``dev/bench/load/``) run the
same statements, the first through ``env.execute_query``, the others with a
bare cursor (``cr.execute(query.code, query.params)``). Each query returns
one row per violation; :func:`count_sql` counts them.

``companies`` (a list of ids, or None for every company) limits a query to
the stock of those companies. The stock of a lot is netted per location
first: under concurrency Odoo may leave a +1 and a -1 quant of one lot in
one location until its quant tasks merge them, which is not stock.
"""

from odoo.tools import SQL


def _company_filter(alias, companies):
    if companies is None:
        return SQL("TRUE")
    return SQL("%s = ANY(%s)", SQL.identifier(alias, "company_id"), list(companies))


def _net_lot_stock(usages, companies):
    """Net quantity per company, product, lot and location of the given
    usages (CTE body)."""
    return SQL(
        """
        SELECT q.company_id, q.product_id, q.lot_id, q.location_id,
               SUM(q.quantity) AS quantity
          FROM stock_quant q
          JOIN stock_location l ON l.id = q.location_id AND l.usage IN %s
         WHERE q.lot_id IS NOT NULL AND %s
         GROUP BY q.company_id, q.product_id, q.lot_id, q.location_id
        """,
        tuple(usages),
        _company_filter("q", companies),
    )


def serial_over_one_unit(companies=None):
    """A serial number with more than one unit on hand (internal and transit
    locations), or on hand in two places. Rows: company_id, product_id,
    lot_id, quantity, locations."""
    return SQL(
        """
        WITH net AS (%s)
        SELECT net.company_id, net.product_id, net.lot_id, SUM(net.quantity),
               COUNT(*)
          FROM net
          JOIN product_product p ON p.id = net.product_id
          JOIN product_template t ON t.id = p.product_tmpl_id
         WHERE net.quantity > 0 AND t.tracking = 'serial'
         GROUP BY net.company_id, net.product_id, net.lot_id
        HAVING SUM(net.quantity) > 1 OR COUNT(*) > 1
        """,
        _net_lot_stock(("internal", "transit"), companies),
    )


def negative_lot(companies=None):
    """A lot with a negative quantity in an internal location: taken from
    where it was not. Rows: company_id, product_id, lot_id, location_id,
    quantity."""
    return SQL(
        """
        WITH net AS (%s)
        SELECT company_id, product_id, lot_id, location_id, quantity
          FROM net
         WHERE quantity < 0
        """,
        _net_lot_stock(("internal",), companies),
    )


def incoming_history(lot):
    """True when the lot ``lot`` (an SQL expression of its id) has a done
    line that brought it into the company's stock: from outside it (a
    vendor, a customer, production, an inventory adjustment, the
    inter-company transit location), or its retroactive assignment (a line
    from a location to itself, recorded on the assignment run)."""
    return SQL(
        """
        EXISTS (
            SELECT 1
              FROM stock_move_line ml
              JOIN stock_location src ON src.id = ml.location_id
             WHERE ml.lot_id = %(lot)s
               AND ml.state = 'done'
               AND (src.usage NOT IN ('internal', 'transit')
                    OR (src.usage = 'transit' AND src.company_id IS NULL)
                    OR EXISTS (SELECT 1 FROM stock_lot_assign_run_line arl
                                WHERE arl.move_line_id = ml.id)))
        """,
        lot=lot,
    )


def lot_without_incoming(companies=None):
    """A lot on hand (internal locations) with no incoming history. Rows:
    company_id, product_id, lot_id, quantity."""
    return SQL(
        """
        WITH net AS (%s)
        SELECT company_id, product_id, lot_id, SUM(quantity)
          FROM net
         WHERE quantity > 0 AND NOT %s
         GROUP BY company_id, product_id, lot_id
        """,
        _net_lot_stock(("internal",), companies),
        incoming_history(SQL.identifier("net", "lot_id")),
    )


def quant_differs_from_moves(companies=None):
    """Stock (internal and transit) of storable products that differs from
    the sum of the done lines in and out, per product, location and lot. A retroactive
    assignment line takes the quantity from the untracked stock of its
    location to the lot. Rows: product_id, location_id, lot_id, moved
    quantity, quant quantity."""
    return SQL(
        """
        WITH lines AS (
            SELECT ml.id, ml.product_id, ml.location_id, ml.location_dest_id,
                   ml.lot_id, ml.quantity_product_uom AS qty,
                   arl.id IS NOT NULL AS is_retroactive
              FROM stock_move_line ml
              JOIN product_product p ON p.id = ml.product_id
              JOIN product_template t ON t.id = p.product_tmpl_id
               AND t.is_storable IS TRUE
              LEFT JOIN stock_lot_assign_run_line arl ON arl.move_line_id = ml.id
             WHERE ml.state = 'done' AND %(lines_company)s
        ), moved AS (
            SELECT product_id, location_dest_id AS location_id, lot_id, qty
              FROM lines
             UNION ALL
            SELECT product_id, location_id,
                   CASE WHEN is_retroactive THEN NULL ELSE lot_id END, -qty
              FROM lines
        ), moves AS (
            SELECT m.product_id, m.location_id, m.lot_id, SUM(m.qty) AS qty
              FROM moved m
              JOIN stock_location l ON l.id = m.location_id
               AND l.usage IN ('internal', 'transit')
             GROUP BY 1, 2, 3
        ), quants AS (
            SELECT q.product_id, q.location_id, q.lot_id, SUM(q.quantity) AS qty
              FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
               AND l.usage IN ('internal', 'transit')
             WHERE %(quants_company)s
             GROUP BY 1, 2, 3
        )
        SELECT COALESCE(m.product_id, q.product_id),
               COALESCE(m.location_id, q.location_id),
               COALESCE(m.lot_id, q.lot_id), m.qty, q.qty
          FROM moves m
          FULL JOIN quants q
            ON q.product_id = m.product_id AND q.location_id = m.location_id
           AND q.lot_id IS NOT DISTINCT FROM m.lot_id
         WHERE ROUND(COALESCE(m.qty, 0), 4) <> ROUND(COALESCE(q.qty, 0), 4)
        """,
        lines_company=_company_filter("ml", companies),
        quants_company=_company_filter("q", companies),
    )


def half_applied_assignment(companies=None):
    """A retroactive assignment run that did not apply whole: no line, a
    line without its lot, or a line whose history line is missing or not
    done. Rows: run id."""
    return SQL(
        """
        SELECT r.id
          FROM stock_lot_assign_run r
          LEFT JOIN stock_lot_assign_run_line l ON l.run_id = r.id
          LEFT JOIN stock_move_line ml ON ml.id = l.move_line_id
         WHERE %s
         GROUP BY r.id
        HAVING COUNT(l.id) = 0
            OR COUNT(l.id) FILTER (WHERE l.lot_id IS NULL
                                      OR ml.id IS NULL
                                      OR ml.state <> 'done'
                                      OR ml.lot_id IS DISTINCT FROM l.lot_id) > 0
        """,
        _company_filter("r", companies),
    )


def half_applied_recall(companies=None):
    """A quarantined recall (not a drill) that did not apply whole: one of
    the lots it quarantines (seed and downstream) is not blocked, or is
    blocked with stock left in a saleable location. Rows: recall id, lot
    id."""
    return SQL(
        """
        SELECT DISTINCT r.id, rl.lot_id
          FROM stock_recall r
          JOIN stock_recall_lot rl ON rl.recall_id = r.id
               AND rl.direction <> 'upstream'
          JOIN stock_lot lot ON lot.id = rl.lot_id
         WHERE r.date_quarantine IS NOT NULL AND r.is_mock IS NOT TRUE
           AND r.state IN ('in_progress', 'closed') AND %s
           AND (lot.is_blocked IS NOT TRUE
                OR EXISTS (
                    SELECT 1 FROM stock_quant q
                      JOIN stock_location l ON l.id = q.location_id
                     WHERE q.lot_id = lot.id AND l.usage = 'internal'
                       AND l.is_quarantine IS NOT TRUE
                     GROUP BY q.location_id
                    HAVING SUM(q.quantity) > 0))
        """,
        _company_filter("r", companies),
    )


# name -> builder; the order is the order of the reports
INVARIANTS = {
    "serial_over_one_unit": serial_over_one_unit,
    "negative_lot": negative_lot,
    "lot_without_incoming": lot_without_incoming,
    "quant_differs_from_moves": quant_differs_from_moves,
    "half_applied_assignment": half_applied_assignment,
    "half_applied_recall": half_applied_recall,
}


def count_sql(name, companies=None):
    """``SELECT COUNT(*)`` of the violations of the invariant ``name``."""
    return SQL("SELECT COUNT(*) FROM (%s) violations", INVARIANTS[name](companies))


def check(cr, companies=None):
    """``{name: number of violations}`` of every invariant, with a database
    cursor (Odoo's or psycopg2's)."""
    result = {}
    for name in INVARIANTS:
        query = count_sql(name, companies)
        cr.execute(query.code, query.params)
        result[name] = cr.fetchone()[0]
    return result
