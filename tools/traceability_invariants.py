# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stock of a lot as the traceability rules read it, in SQL, once.

:func:`lot_stock` is the one SQL definition of the stock that the rules "one
unit per serial" (A2) and "no phantom lots" (A3) compare: the validation of
move lines (``stock.move.line``), the quant guard (``stock.quant``) and the
health check (``stock.traceability.health``) all read it. The health check's
invariants built on it are here too; those only the development tooling
checks are in ``dev/bench/invariants.py``.

Plain functions returning ``odoo.tools.SQL``: no ORM, so that the tooling
runs the same statements with a bare cursor
(``cr.execute(query.code, query.params)``). Each invariant returns one row
per violation.

``companies`` (a list of ids, or None for every company) limits a query to
the stock of those companies. The stock of a lot is netted per location
first: under concurrency Odoo may leave a +1 and a -1 quant of one lot in
one location until its quant tasks merge them, which is not stock.
"""

from odoo.tools import SQL

# The locations whose quants are the company's stock of a lot.
STOCK_USAGES = ("internal", "transit")


def company_filter(alias, companies):
    """SQL condition: the ``company_id`` of ``alias`` is one of
    ``companies`` (always true when ``companies`` is None)."""
    if companies is None:
        return SQL("TRUE")
    return SQL("%s = ANY(%s)", SQL.identifier(alias, "company_id"), list(companies))


def lot_stock(usages=STOCK_USAGES, companies=None, lot_ids=None):
    """Net quantity of lots per company, product, lot and location, in the
    locations of the given ``usages``; ``lot_ids`` (a list of ids, or None
    for every lot) limits it to those lots. Columns: ``company_id``,
    ``product_id``, ``lot_id``, ``location_id``, ``quantity`` (a
    subquery or CTE body; a quant that only holds a reservation has no
    quantity in the database, hence the ``COALESCE``). The company is the
    location's (a quant's own column is computed from it, and not yet
    written when the quant guard checks a new quant), so a transit location
    shared between companies gives rows without company."""
    return SQL(
        """
        SELECT l.company_id, q.product_id, q.lot_id, q.location_id,
               COALESCE(SUM(q.quantity), 0) AS quantity
          FROM stock_quant q
          JOIN stock_location l ON l.id = q.location_id AND l.usage IN %s
         WHERE q.lot_id IS NOT NULL AND %s AND %s
         GROUP BY l.company_id, q.product_id, q.lot_id, q.location_id
        """,
        tuple(usages),
        company_filter("l", companies),
        SQL("TRUE") if lot_ids is None else SQL("q.lot_id = ANY(%s)", list(lot_ids)),
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
        lot_stock(STOCK_USAGES, companies),
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
        lot_stock(("internal",), companies),
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
        lot_stock(("internal",), companies),
        incoming_history(SQL.identifier("net", "lot_id")),
    )
