# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""19.0.1.4.0: the genealogy of a stored recall is built from lot ids.

Before, the genealogy found the parent of an affected lot by matching the
names of its stored path (lot names joined by " → "): lots of different
products that share a name (date-coded lots) all became parents. Now the
trace stores the parent's lot id (``parent_lot_ids``, the lot before it on
its path). This fills it for the recalls traced before: the parent is the
earlier affected lot of the recall whose name is the one before the lot's
on its path; when several lots have that name, only those linked to the lot
by an edge of the lot graph between their traced lines (a consume link, an
unbuild order, or a transit of the same product and name) are kept, so that
no false edge is kept. Rows already filled are left alone; running it again
changes nothing.
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import column_exists

_logger = logging.getLogger("odoo.addons.stock_lot_traceability.migrations")

# the separator of the lot names in stock_recall_lot.path
PATH_SEPARATOR = " → "


def _unbuild_link(cr):
    """Lines of ``p`` and ``r`` of the same unbuild order (``mrp`` only)."""
    if not column_exists(cr, "stock_move", "unbuild_id"):
        return SQL("FALSE")
    return SQL(
        """
        EXISTS (
            SELECT 1
              FROM stock_move_line pml
              JOIN stock_move pm ON pm.id = pml.move_id
              JOIN stock_move rm ON rm.unbuild_id = pm.unbuild_id
              JOIN stock_move_line rml ON rml.move_id = rm.id
             WHERE pml.id = ANY(c.parent_lines) AND rml.id = ANY(c.lines))
        """
    )


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            WITH candidates AS (
                SELECT r.id AS row_id, p.lot_id AS parent_id,
                       r.traced_line_ids AS lines,
                       p.traced_line_ids AS parent_lines,
                       rl.product_id = pl.product_id AND rl.name = pl.name
                           AS same_lot_name,
                       COUNT(*) OVER (PARTITION BY r.id) AS candidate_count
                  FROM stock_recall_lot r
                  JOIN stock_lot rl ON rl.id = r.lot_id
                  JOIN stock_recall_lot p
                    ON p.recall_id = r.recall_id AND p.depth < r.depth
                   AND p.direction IN (r.direction, 'seed')
                  JOIN stock_lot pl ON pl.id = p.lot_id
                 WHERE r.depth > 0 AND r.parent_lot_ids = '{}'
                   AND pl.name = SPLIT_PART(r.path, %(sep)s, r.depth)
            ), parents AS (
                SELECT c.row_id, ARRAY_AGG(c.parent_id ORDER BY c.parent_id) AS ids
                  FROM candidates c
                 WHERE c.candidate_count = 1
                    OR c.same_lot_name
                    OR EXISTS (
                        SELECT 1
                          FROM stock_move_line_consume_rel rel
                         WHERE (rel.produce_line_id = ANY(c.parent_lines)
                                AND rel.consume_line_id = ANY(c.lines))
                            OR (rel.produce_line_id = ANY(c.lines)
                                AND rel.consume_line_id = ANY(c.parent_lines)))
                    OR %(unbuild)s
                 GROUP BY c.row_id
            )
            UPDATE stock_recall_lot r
               SET parent_lot_ids = parents.ids
              FROM parents
             WHERE r.id = parents.row_id
            """,
            sep=PATH_SEPARATOR,
            unbuild=_unbuild_link(cr),
        )
    )
    _logger.info(
        "stock_lot_traceability: genealogy parents stored on %s affected lots",
        cr.rowcount,
    )
