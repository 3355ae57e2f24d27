# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""19.0.1.7.0, before the update: the record of a customer notice is
``stock.recall.notice`` (``stock.recall.notification`` before).

A notice is what a recall sends to a customer, and its record; *notify* is
only the action that sends notices. The model is renamed in place, before
the code loads it, so that the update finds it under its new name instead
of creating an empty model and dropping the old one with its rows: the
table with its sequence, indexes and constraints; the model, its fields,
selections and constraints, its access rules and record rule, with their
xmlids (same records, same ids); every column of Odoo's that names the
model. The notices keep their ids, dates and messages, hence their
delivery states (read from the messages' mail tracking).

``stock.recall.shipment.notification_message_id`` (the notice's message, a
column of a view that the update recreates) becomes ``notice_message_id``:
only its field record and xmlid are renamed here.

A database older than 19.0.1.3.0 has no such table yet (its 19.0.1.3.0
post-migration fills the one the update creates): nothing to rename.
Running it again changes nothing.
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import TableKind, column_exists, table_kind

_logger = logging.getLogger("odoo.addons.stock_lot_traceability.migrations")

ADDON = "stock_lot_traceability"
OLD_MODEL, NEW_MODEL = "stock.recall.notification", "stock.recall.notice"
OLD_TABLE, NEW_TABLE = "stock_recall_notification", "stock_recall_notice"
SHIPMENT_MODEL = "stock.recall.shipment"
OLD_FIELD, NEW_FIELD = "notification_message_id", "notice_message_id"
# Columns of Odoo's tables that hold a model's technical name: the model's
# own metadata, and records that may point at any model (messages,
# followers, attachments, activities, saved filters, actions, views).
MODEL_NAME_COLUMNS = (
    ("ir_model", "model"),
    ("ir_model_fields", "model"),
    ("ir_model_fields", "relation"),
    ("ir_model_data", "model"),
    ("mail_message", "model"),
    ("mail_followers", "res_model"),
    ("mail_activity", "res_model"),
    ("ir_attachment", "res_model"),
    ("ir_filters", "model_id"),
    ("ir_act_window", "res_model"),
    ("ir_act_server", "model_name"),
    ("ir_ui_view", "model"),
    ("mail_template", "model"),
    ("ir_exports", "resource"),
)


def _renamed(column, old, new):
    """``column`` (an SQL expression) with its prefix ``old`` replaced by
    ``new``."""
    return SQL("%s || substr(%s, %s)", new, column, len(old) + 1)


def _starts_with(column, prefix):
    return SQL("left(%s, %s) = %s", column, len(prefix), prefix)


def _rename_table(cr):
    """The table, then its sequence, constraints and indexes named after it
    (Odoo names them ``<table>_...``): the update looks them up by name."""
    cr.execute(
        SQL(
            "ALTER TABLE %s RENAME TO %s",
            SQL.identifier(OLD_TABLE),
            SQL.identifier(NEW_TABLE),
        )
    )
    cr.execute(
        SQL(
            """
            SELECT seq.relname
              FROM pg_class seq
              JOIN pg_depend dep ON dep.objid = seq.oid AND dep.deptype = 'a'
             WHERE seq.relkind = 'S' AND dep.refobjid = %s::regclass
               AND left(seq.relname, %s) = %s
            """,
            NEW_TABLE,
            len(OLD_TABLE),
            OLD_TABLE,
        )
    )
    for (name,) in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER SEQUENCE %s RENAME TO %s",
                SQL.identifier(name),
                SQL.identifier(NEW_TABLE + name[len(OLD_TABLE) :]),
            )
        )
    # constraints first: renaming one renames its index (primary key)
    cr.execute(
        SQL(
            """
            SELECT conname FROM pg_constraint
             WHERE conrelid = %s::regclass AND left(conname, %s) = %s
            """,
            NEW_TABLE,
            len(OLD_TABLE),
            OLD_TABLE,
        )
    )
    for (name,) in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER TABLE %s RENAME CONSTRAINT %s TO %s",
                SQL.identifier(NEW_TABLE),
                SQL.identifier(name),
                SQL.identifier(NEW_TABLE + name[len(OLD_TABLE) :]),
            )
        )
    cr.execute(
        SQL(
            """
            SELECT idx.relname
              FROM pg_index i
              JOIN pg_class idx ON idx.oid = i.indexrelid
             WHERE i.indrelid = %s::regclass AND left(idx.relname, %s) = %s
            """,
            NEW_TABLE,
            len(OLD_TABLE),
            OLD_TABLE,
        )
    )
    for (name,) in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER INDEX %s RENAME TO %s",
                SQL.identifier(name),
                SQL.identifier(NEW_TABLE + name[len(OLD_TABLE) :]),
            )
        )


def _rename_metadata(cr):
    """The model's constraints, xmlids, access rules and record rule, then
    every column that names the model; the shipment's notice field."""
    cr.execute(
        SQL(
            """
            UPDATE ir_model_constraint c
               SET name = %(name)s
              FROM ir_model m
             WHERE m.id = c.model AND m.model = %(model)s AND %(old)s
            """,
            name=_renamed(SQL("c.name"), OLD_TABLE, NEW_TABLE),
            model=OLD_MODEL,
            old=_starts_with(SQL("c.name"), OLD_TABLE),
        )
    )
    constraints = cr.rowcount
    cr.execute(
        SQL(
            """
            UPDATE ir_model_data
               SET name = replace(name, %(old)s, %(new)s)
             WHERE module = %(module)s AND strpos(name, %(old)s) > 0
            """,
            old=OLD_TABLE,
            new=NEW_TABLE,
            module=ADDON,
        )
    )
    xmlids = cr.rowcount
    for table in ("ir_model_access", "ir_rule"):
        cr.execute(
            SQL(
                """
                UPDATE %(table)s SET name = %(name)s
                 WHERE %(old)s
                   AND model_id IN (SELECT id FROM ir_model WHERE model = %(model)s)
                """,
                table=SQL.identifier(table),
                name=_renamed(SQL("name"), OLD_MODEL, NEW_MODEL),
                old=_starts_with(SQL("name"), OLD_MODEL),
                model=OLD_MODEL,
            )
        )
    references = 0
    for table, column in MODEL_NAME_COLUMNS:
        if not column_exists(cr, table, column):
            continue
        cr.execute(
            SQL(
                "UPDATE %s SET %s = %s WHERE %s = %s",
                SQL.identifier(table),
                SQL.identifier(column),
                NEW_MODEL,
                SQL.identifier(column),
                OLD_MODEL,
            )
        )
        references += cr.rowcount
    cr.execute(
        SQL(
            """
            UPDATE ir_model_fields
               SET name = %(new)s
             WHERE model = %(model)s AND name = %(old)s
               AND NOT EXISTS (SELECT 1 FROM ir_model_fields
                                WHERE model = %(model)s AND name = %(new)s)
            """,
            model=SHIPMENT_MODEL,
            old=OLD_FIELD,
            new=NEW_FIELD,
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE ir_model_data
               SET name = %(new)s
             WHERE module = %(module)s AND name = %(old)s
               AND NOT EXISTS (SELECT 1 FROM ir_model_data
                                WHERE module = %(module)s AND name = %(new)s)
            """,
            module=ADDON,
            old=f"field_stock_recall_shipment__{OLD_FIELD}",
            new=f"field_stock_recall_shipment__{NEW_FIELD}",
        )
    )
    return constraints, xmlids, references


def migrate(cr, version):
    if not version:
        return
    renamed_table = (
        table_kind(cr, OLD_TABLE) == TableKind.Regular
        and table_kind(cr, NEW_TABLE) is None
    )
    if renamed_table:
        _rename_table(cr)
    constraints, xmlids, references = _rename_metadata(cr)
    if not renamed_table and not references:
        _logger.info(
            "stock_lot_traceability %s: nothing named %s to rename",
            version,
            OLD_MODEL,
        )
        return
    notices = 0
    if table_kind(cr, NEW_TABLE) == TableKind.Regular:
        cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(NEW_TABLE)))
        notices = cr.fetchone()[0]
    _logger.info(
        "stock_lot_traceability %s: %s renamed to %s (table %s, %s notices "
        "kept; %s constraints, %s xmlids, %s references to the model renamed)",
        version,
        OLD_MODEL,
        NEW_MODEL,
        "renamed" if renamed_table else "already renamed",
        notices,
        constraints,
        xmlids,
        references,
    )
