# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Repoint every reference to some lots onto another lot, in SQL.

Used by the merge of lots that share a uniqueness key (serial uniqueness, A1,
on databases that predate the add-on). The references are read from the database catalog
(every foreign key to ``stock_lot``), so that the merge also covers the
tables of apps installed later (mrp, repair, point of sale...) and leaves no
row behind. The ORM cannot do this: writing ``lot_id`` on done move lines
would move stock (Odoo updates the quants of done lines it rewrites).

Helpers of :meth:`stock.lot._action_merge_into`, which checks rights and
rules first, notifies the ORM afterwards and runs in the caller's
transaction (all or nothing).
"""

import psycopg2

from odoo.exceptions import UserError
from odoo.tools import SQL

from . import traceability_invariants

# Chatter, activities and attachments point to a lot by (model, res_id).
RES_ID_TABLES = (
    ("mail_message", "model", "res_id"),
    ("mail_activity", "res_model", "res_id"),
    ("ir_attachment", "res_model", "res_id"),
)


def lot_foreign_keys_query():
    """``(table, column, has_id, other_columns)`` of every single-column
    foreign key to ``stock_lot``; ``has_id`` is false for many2many tables,
    whose other columns are then listed."""
    return SQL(
        """
        SELECT cl.relname, att.attname,
               EXISTS (
                   SELECT 1 FROM pg_attribute idc
                    WHERE idc.attrelid = cl.oid AND idc.attname = 'id'
                      AND NOT idc.attisdropped
               ),
               ARRAY(
                   SELECT oth.attname FROM pg_attribute oth
                    WHERE oth.attrelid = cl.oid AND oth.attnum > 0
                      AND NOT oth.attisdropped AND oth.attname != att.attname
                    ORDER BY oth.attnum
               )
          FROM pg_constraint con
          JOIN pg_class cl ON cl.oid = con.conrelid
          JOIN pg_attribute att
               ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
         WHERE con.contype = 'f'
           AND con.confrelid = 'stock_lot'::regclass
           AND cardinality(con.conkey) = 1
         ORDER BY cl.relname, att.attname
        """
    )


def repoint_rows_query(table, column, kept_id, merged_ids):
    """Point the rows of ``table`` from the merged lots to the kept lot;
    returns the ids of the rows changed."""
    return SQL(
        "UPDATE %(table)s SET %(column)s = %(kept)s "
        "WHERE %(column)s = ANY(%(merged)s) RETURNING id",
        table=SQL.identifier(table),
        column=SQL.identifier(column),
        kept=kept_id,
        merged=merged_ids,
    )


def repoint_relation_queries(table, column, other_columns, kept_id, merged_ids):
    """Many2many rows: link the kept lot where a merged lot was linked (once),
    then drop the merged lots' links."""
    others = SQL(", ").join(SQL.identifier(name) for name in other_columns)
    return [
        SQL(
            "INSERT INTO %(table)s (%(column)s, %(others)s) "
            "SELECT DISTINCT %(kept)s, %(others)s FROM %(table)s "
            "WHERE %(column)s = ANY(%(merged)s) ON CONFLICT DO NOTHING",
            table=SQL.identifier(table),
            column=SQL.identifier(column),
            others=others,
            kept=kept_id,
            merged=merged_ids,
        ),
        SQL(
            "DELETE FROM %(table)s WHERE %(column)s = ANY(%(merged)s)",
            table=SQL.identifier(table),
            column=SQL.identifier(column),
            merged=merged_ids,
        ),
    ]


def repoint_res_id_query(table, model_column, id_column, kept_id, merged_ids):
    """Chatter, activities and attachments of the merged lots go to the kept lot."""
    return SQL(
        "UPDATE %(table)s SET %(id_column)s = %(kept)s "
        "WHERE %(model_column)s = 'stock.lot' AND %(id_column)s = ANY(%(merged)s)",
        table=SQL.identifier(table),
        model_column=SQL.identifier(model_column),
        id_column=SQL.identifier(id_column),
        kept=kept_id,
        merged=merged_ids,
    )


def on_hand_by_lot_query(lot_ids):
    """``(lot_id, location_id, quantity)`` of the lots on hand (internal and
    transit locations), the stock that the rule "one unit per serial" counts
    (:func:`.traceability_invariants.lot_stock`)."""
    return SQL(
        """
        SELECT lot_id, location_id, quantity
          FROM (%s) net
         WHERE quantity != 0
         ORDER BY lot_id, location_id
        """,
        traceability_invariants.lot_stock(lot_ids=lot_ids),
    )


def models_of_table(env, table, column):
    """Names of the models stored in ``table`` with a stored field ``column``."""
    return [
        name
        for name, model in env.registry.items()
        if model._table == table
        and not model._abstract
        and column in model._fields
        and model._fields[column].store
    ]


def repoint_references(env, kept, merged):
    """Repoint in SQL every reference to the lots ``merged`` onto ``kept``.

    A unique constraint that the repointing would break (e.g. a recall that
    lists both lots) refuses the merge with a :class:`UserError`; the caller
    runs this in a savepoint so that nothing stays half done.

    :returns: ``[(records, field name)]`` of the ORM rows changed, for the
        caller to notify the ORM (stored fields that depend on them)
    """
    cr = env.cr
    changes = []
    for table, column, has_id, others in env.execute_query(lot_foreign_keys_query()):
        if not has_id:
            for query in repoint_relation_queries(
                table, column, others, kept.id, merged.ids
            ):
                cr.execute(query)
            continue
        try:
            with cr.savepoint(flush=False):
                # A refusal, not a server error: no "bad query" log.
                cr.execute(
                    repoint_rows_query(table, column, kept.id, merged.ids),
                    log_exceptions=False,
                )
                ids = [row[0] for row in cr.fetchall()]
        except psycopg2.errors.UniqueViolation as error:
            raise UserError(
                env._(
                    "These lots cannot be merged: both are referenced by the "
                    "same record of %(table)s (%(error)s).",
                    table=", ".join(
                        env[model]._description
                        for model in models_of_table(env, table, column)
                    )
                    or table,
                    error=error.diag.message_primary,
                )
            ) from error
        if ids:
            changes += [
                (env[model].browse(ids), column)
                for model in models_of_table(env, table, column)
            ]
    for table, model_column, id_column in RES_ID_TABLES:
        cr.execute(
            repoint_res_id_query(table, model_column, id_column, kept.id, merged.ids)
        )
    return changes
