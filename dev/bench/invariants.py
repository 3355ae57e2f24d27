# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The stock invariants the benchmark's consistency check (``generate.py``)
and the load test (``load/run.py``) read after their runs.

The add-on's own invariants, those its health check reports (a serial with
more than one unit, a negative lot, a lot without incoming history), come
from ``tools/traceability_invariants.py`` of the add-on; the others, which
only this tooling checks (quants against the done moves, half-applied
assignments and recalls), are defined here. Plain ``odoo.tools.SQL``: the
load test runs them with a bare psycopg2 cursor, without the add-on's models.
Each query returns one row per violation; :func:`count_sql` counts them.
"""

import importlib.util
from pathlib import Path

from odoo.tools import SQL

ROOT = Path(__file__).resolve().parents[2]


def _load_addon_invariants():
    """``tools/traceability_invariants.py`` of the add-on on its own: imported
    through the add-on's package it would import the add-on's models."""
    spec = importlib.util.spec_from_file_location(
        "slt_traceability_invariants", ROOT / "tools" / "traceability_invariants.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_addon = _load_addon_invariants()
company_filter = _addon.company_filter
serial_over_one_unit = _addon.serial_over_one_unit
negative_lot = _addon.negative_lot
lot_without_incoming = _addon.lot_without_incoming


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
        lines_company=company_filter("ml", companies),
        quants_company=company_filter("q", companies),
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
        company_filter("r", companies),
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
        company_filter("r", companies),
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
