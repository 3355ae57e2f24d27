# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""19.0.1.1.0: give a uniqueness key to the lots that have none.

Lots written to the database without the ORM (bulk loads by COPY or SQL,
data migrations from another system) have no ``traceability_name_key`` and
no ``traceability_unique_key``: the unique index (A1) does not cover them and
the uniqueness check cannot find them by name. This fills both columns
without the ORM, the way ``stock.lot._compute_traceability_keys`` computes
them: the normalised name for every lot
(``stock.lot._traceability_fill_name_keys``, in Python for the names
PostgreSQL does not normalise as Python does), then the key (the SQL side of
``tools/lot_naming.py``: ``scope_sql``, ``unique_key_sql``) only where
strict traceability is on for the lot's company (lots without a company
follow the company of the superuser, the ORM's ``env.company`` of an
upgrade). A lot whose key is already taken in its scope keeps no key (the
oldest of several new ones gets it) and is logged: the upgrade never fails
on old duplicates. Running it again changes nothing.
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.stock_lot_traceability.tools import lot_naming

_logger = logging.getLogger("odoo.addons.stock_lot_traceability.migrations")


def _fill_name_keys(cr):
    """The normalised name of the lots without one, as the ORM computes it
    (the names PostgreSQL does not normalise as Python does are normalised
    in Python)."""
    lots = api.Environment(cr, SUPERUSER_ID, {})["stock.lot"]
    return lots._traceability_fill_name_keys(SQL("lot.traceability_name_key IS NULL"))


def _fill_unique_keys(cr):
    """Return (keyed, clashing, names): the number of lots keyed, the number
    left without a key because their key is taken, and up to 20 of their
    names."""
    cr.execute(
        SQL(
            """
            CREATE TEMPORARY TABLE slt_missing_key AS
            SELECT lot.id,
                   lot.name,
                   %s AS unique_key
              FROM stock_lot lot
              JOIN product_product product ON product.id = lot.product_id
              JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
              JOIN res_company company
                ON company.id = COALESCE(
                       lot.company_id,
                       (SELECT company_id FROM res_users WHERE id = 1)
                   )
             WHERE lot.traceability_unique_key IS NULL
               AND lot.traceability_name_key IS NOT NULL
               AND company.strict_traceability
            """,
            lot_naming.unique_key_sql(
                lot_naming.scope_sql(
                    SQL("tmpl.tracking"), SQL("company.serial_uniqueness_scope")
                ),
                SQL("lot.traceability_name_key"),
                SQL("lot.company_id"),
                SQL("lot.product_id"),
            ),
        )
    )
    if not cr.rowcount:
        cr.execute(SQL("DROP TABLE slt_missing_key"))
        return 0, 0, []
    cr.execute(
        SQL(
            """
            WITH ranked AS (
                SELECT missing.id, missing.unique_key,
                       row_number() OVER (
                           PARTITION BY missing.unique_key ORDER BY missing.id
                       ) AS rank
                  FROM slt_missing_key missing
                 WHERE NOT EXISTS (
                           SELECT 1
                             FROM stock_lot taken
                            WHERE taken.traceability_unique_key = missing.unique_key
                       )
            )
            UPDATE stock_lot lot
               SET traceability_unique_key = ranked.unique_key
              FROM ranked
             WHERE ranked.id = lot.id
               AND ranked.rank = 1
            """
        )
    )
    keyed = cr.rowcount
    cr.execute(
        SQL(
            """
            SELECT count(*) OVER (), missing.name
              FROM slt_missing_key missing
              JOIN stock_lot lot ON lot.id = missing.id
             WHERE lot.traceability_unique_key IS NULL
             ORDER BY missing.id
             LIMIT 20
            """
        )
    )
    rows = cr.fetchall()
    cr.execute(SQL("DROP TABLE slt_missing_key"))
    return keyed, rows[0][0] if rows else 0, [name for _count, name in rows]


def migrate(cr, version):
    if not version:
        return
    named = _fill_name_keys(cr)
    keyed, clashing, names = _fill_unique_keys(cr)
    _logger.info(
        "stock_lot_traceability %s: normalised name set on %s lots, "
        "uniqueness key set on %s lots",
        version,
        named,
        keyed,
    )
    if clashing:
        _logger.warning(
            "stock_lot_traceability: %s lots keep no uniqueness key because "
            "their name is already used in their uniqueness scope; rename them "
            "(lot form, Correct name) to put them under the unique index: %s%s",
            clashing,
            ", ".join(names),
            ", ..." if clashing > len(names) else "",
        )
