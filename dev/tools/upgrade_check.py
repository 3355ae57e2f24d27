# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Steps of ``make upgrade-check`` (dev/tools/upgrade_check.sh), run with the
virtualenv's python against one database and one addons path:

    populate          with the OLD code: recalls (traced, notified,
                      quarantined, mock, closed, draft), assignment runs,
                      blocked lots, lots bulk-loaded without uniqueness keys
                      (through the wizards of the releases that have them)
    fingerprint FILE  write what must survive the upgrade to FILE (JSON)
    verify FILE       with the NEW code, after ``-u``: compare with FILE and
                      print one OK/FAILED line per check; exit 1 on failure

The fingerprint holds, row by row, every column (but ``write_*``) of the
add-on's stored tables (recalls and their lots, shipments, events and stock,
assignment runs and lines, their many2many tables), the add-on's columns of
``stock_lot`` (blocks, retroactive assignment, uniqueness keys), the
chatter of lots and recalls, the add-on's ``ir_model_data``, the form of
every recall, run and blocked lot read through the ORM (``web_read`` with
the form view's fields, as a recall manager) and the notices recorded on
the customer rows (date, message, delivery state).
"""

import argparse
import hashlib
import json
import sys
import traceback
from pathlib import Path

from clilog import out

ADDON = "stock_lot_traceability"
MANAGER_LOGIN = "slt_upgrade_manager"
# Columns of the add-on on stock_lot (the rest of the table is Odoo's).
LOT_COLUMNS = (
    "id",
    "name",
    "product_id",
    "company_id",
    "is_blocked",
    "blocked_reason",
    "blocked_by_id",
    "blocked_date",
    "retroactive_run_id",
    "retroactive_date",
    "retroactive_user_id",
    "traceability_name_key",
    "traceability_unique_key",
)
LOT_KEYS = ("traceability_name_key", "traceability_unique_key")
# The release whose migration gives a uniqueness key to lots that have none.
REKEY_RELEASE = "19.0.1.1.0"
# What a release's migration legitimately removes or rewrites, so that the
# check does not flag it: xmlids (module.name) and "table.column" entries.
# Emptied when OLD_COMMIT (dev/tools/upgrade_check.sh) moves past that release.
REMOVED_XMLIDS = {
    # 19.0.1.2.0: the recall's summary quantities became texts per unit of
    # measure (never summed across units); the float fields were computed,
    # not stored, so no data goes with them.
    "stock_lot_traceability.field_stock_recall__qty_on_hand",
    "stock_lot_traceability.field_stock_recall__qty_recovered",
    "stock_lot_traceability.field_stock_recall__qty_shipped",
    "stock_lot_traceability.field_stock_recall__qty_unexplained",
}
# 19.0.1.3.0: events and customer shipments became views over the traced
# lines: same rows, new ids (recall and move line); the company and product
# of an affected lot are no longer stored (the recall's and the lot's, same
# values on the forms).
REWRITTEN_COLUMNS = {"stock_recall_event.id", "stock_recall_shipment.id"}
REMOVED_COLUMNS = {"stock_recall_lot.company_id", "stock_recall_lot.product_id"}
# Models whose ids a migration rewrote: their rows on the forms are compared
# without ids, in a stable order.
REWRITTEN_ID_MODELS = {"stock.recall.event", "stock.recall.shipment"}
# 19.0.1.7.0: the record of a customer notice is stock.recall.notice (was
# stock.recall.notification), the notice message of a customer row
# notice_message_id: same rows and records under the new names.
RENAMED_TABLES = {"stock_recall_notification": "stock_recall_notice"}
RENAMED_COLUMNS = {
    "stock_recall_shipment.notification_message_id": "notice_message_id",
}
RENAMED_XMLID_PARTS = (
    ("stock_recall_notification", "stock_recall_notice"),
    ("shipment__notification_message_id", "shipment__notice_message_id"),
)
RENAMED_FIELDS = {"notification_message_id": "notice_message_id"}


def odoo_env(args):
    from odoo import api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(
        [
            "-c",
            args.config,
            "--addons-path",
            args.addons_path,
            "-d",
            args.database,
            "--log-level=warn",
            "--max-cron-threads=0",
        ]
    )
    registry = Registry(args.database)
    cr = registry.cursor()
    return api.Environment(cr, api.SUPERUSER_ID, {})


# ----------------------------------------------------------------------
# populate (old code)
# ----------------------------------------------------------------------


def _old_chain_builder():
    """The old release's test chain builder: ``tests/chain_builder.py``, or
    ``demo/traceability_chain_builder.py`` in releases before it moved."""
    try:
        from odoo.addons.stock_lot_traceability.tests.chain_builder import (  # noqa: PLC0415
            TraceabilityChainBuilder,
        )
    except ModuleNotFoundError:
        from odoo.addons.stock_lot_traceability.demo.traceability_chain_builder import (  # noqa: PLC0415,E501
            TraceabilityChainBuilder,
        )
    return TraceabilityChainBuilder


def populate(env):
    from odoo import Command  # noqa: PLC0415

    TraceabilityChainBuilder = _old_chain_builder()
    manager = env["res.users"].create(
        {
            "name": "Upgrade Check Recall Manager",
            "login": MANAGER_LOGIN,
            "group_ids": [
                Command.set(
                    [
                        env.ref("stock.group_stock_manager").id,
                        env.ref("stock.group_production_lot").id,
                        env.ref(f"{ADDON}.group_recall_manager").id,
                    ]
                )
            ],
        }
    )
    builder = TraceabilityChainBuilder(env)
    chain = builder.build_chain(
        levels=3, prefix="UPG", serials=5, customers=2, raw_qty=100.0
    )
    other = builder.build_chain(
        levels=2, prefix="UPGB", serials=3, customers=2, raw_qty=40.0
    )
    raw_lot, finished = chain["lots"][0], chain["lots"][-1]
    Recall = env["stock.recall"].with_user(manager)

    def apply(result, **vals):
        """Releases from 19.0.1.5.0 open a wizard where older ones acted:
        apply it, with ``vals``."""
        if isinstance(result, dict) and result.get("res_id"):
            # emails left in the queue (no mail server to send them to)
            wizard = (
                env[result["res_model"]]
                .with_user(manager)
                .with_context(mail_notify_force_send=False)
            )
            wizard = wizard.browse(result["res_id"])
            if vals:
                wizard.write(vals)
            wizard.action_apply()

    def recall(lots, direction="downstream", **vals):
        return Recall.create(
            {
                "lot_ids": [Command.set(lots.ids)],
                "direction": direction,
                "reason": f"Upgrade check: {direction} from {lots[0].name}",
                **vals,
            }
        )

    if "stock.recall.notify" in env:
        # releases with the Notify wizard send notices by email only
        for index, customer in enumerate(chain["customers"], 1):
            customer.email = f"upg.customer{index}@example.com"
    notified = recall(raw_lot, recall_class="1")
    notified.action_trace()
    apply(notified.action_notify())
    _fail_one_notice(env, notified)
    quarantined = recall(other["lots"][0], direction="both")
    quarantined.action_trace()
    quarantined.action_quarantine()
    drill = recall(finished[:1], direction="upstream", is_mock=True)
    drill.action_trace()
    drill.action_quarantine()
    drill.action_print()
    closed = recall(chain["lots"][1])
    closed.action_trace()
    apply(closed.action_close(), note="Upgrade check: closed")
    recall(finished[-1:])  # draft, never traced

    # Retroactive assignment: untracked stock in two locations, then tracked.
    stock = builder.stock_location
    shelf = env["stock.location"].create({"name": "UPG Shelf", "location_id": stock.id})
    for name, tracking, vals in (
        ("UPG Untracked Serial", "serial", {"mode": "serials", "name_prefix": "UPR-"}),
        ("UPG Untracked Lot", "lot", {"mode": "lot_per_location", "lot_name": "UPL"}),
    ):
        product = env["product.product"].create(
            {"name": name, "is_storable": True, "tracking": "none"}
        )
        for location, qty in ((stock, 3.0), (shelf, 2.0)):
            env["stock.quant"]._update_available_quantity(product, location, qty)
        product.product_tmpl_id.write({"tracking": tracking})
        wizard = (
            env["stock.lot.assign"]
            .with_user(manager)
            .with_context(active_model="product.product", active_ids=product.ids)
            .create(vals)
        )
        wizard.action_preview()
        wizard.action_apply()

    # A lot blocked by hand, with its reason, by the manager.
    chain["lots"][1].with_user(manager)._action_block("Upgrade check: damaged")

    # Lots loaded without the ORM (COPY, SQL imports): no uniqueness keys.
    bulk = env["stock.lot"].create(
        [
            {"name": f"UPG-BULK-{index:03d}", "product_id": raw_lot.product_id.id}
            for index in (1, 2)
        ]
    )
    env.flush_all()
    env.cr.execute(
        """
        INSERT INTO stock_lot (name, product_id, company_id, create_uid,
                               create_date, write_uid, write_date)
        SELECT ' upg-sn-001', product_id, company_id, 1, now(), 1, now()
          FROM stock_lot WHERE id = %s
        """,
        [finished[0].id],
    )
    env.cr.execute(
        """
        UPDATE stock_lot
           SET traceability_name_key = NULL, traceability_unique_key = NULL
         WHERE id = ANY(%s) OR name = ' upg-sn-001'
        """,
        [bulk.ids],
    )
    # A company with strict traceability off: its lots keep no key.
    company = env["res.company"].create(
        {"name": "UPG Company Without Rules", "strict_traceability": False}
    )
    env["stock.lot"].with_company(company).create(
        {
            "name": "UPG-OFF-001",
            "product_id": raw_lot.product_id.id,
            "company_id": company.id,
        }
    )
    env.flush_all()
    env.invalidate_all()
    env.cr.commit()
    out(
        "populated: 5 recalls, 2 assignment runs, blocked lots, "
        f"{len(bulk) + 1} lots without keys"
    )


def _fail_one_notice(env, recall):
    """The email of one notice refused by the mail server, so that notices
    in more than one delivery state cross the upgrade."""
    mail = env["mail.mail"].search(
        [
            ("model", "=", "stock.recall"),
            ("res_id", "=", recall.id),
            ("state", "=", "outgoing"),
        ],
        order="id",
        limit=1,
    )
    mail.write({"state": "exception", "failure_reason": "Upgrade check: refused"})


# ----------------------------------------------------------------------
# fingerprint (any version)
# ----------------------------------------------------------------------


def _columns(cr, table):
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = %s AND column_name NOT IN ('write_date', 'write_uid')
         ORDER BY column_name
        """,
        [table],
    )
    return [name for (name,) in cr.fetchall()]


def _tables(cr):
    """The add-on's stored tables: its non-transient models and their
    many2many tables."""
    cr.execute(
        """
        WITH own AS (
            -- models the add-on defines: it wrote their first xmlid
            SELECT DISTINCT ON (data.res_id) data.res_id AS model_id, data.module
              FROM ir_model_data data
             WHERE data.model = 'ir.model'
             ORDER BY data.res_id, data.id
        )
        SELECT replace(model.model, '.', '_')
          FROM ir_model model
          JOIN own ON own.model_id = model.id AND own.module = %s
         WHERE NOT model.transient AND NOT model.abstract
        UNION
        SELECT field.relation_table
          FROM ir_model_fields field
          JOIN ir_model model ON model.id = field.model_id
          JOIN ir_model_data data
            ON data.model = 'ir.model.fields' AND data.res_id = field.id
           AND data.module = %s
         WHERE field.ttype = 'many2many' AND field.store
           AND field.relation_table IS NOT NULL AND NOT model.transient
        """,
        [ADDON, ADDON],
    )
    tables = sorted(name for (name,) in cr.fetchall())
    cr.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name = ANY(%s)",
        [tables],
    )
    existing = {name for (name,) in cr.fetchall()}
    return [table for table in tables if table in existing]


def _rows(cr, table, columns):
    select = ", ".join(f'"{column}"::text' for column in columns)
    order = ", ".join(str(index) for index in range(1, len(columns) + 1))
    cr.execute(f'SELECT {select} FROM "{table}" ORDER BY {order}')  # noqa: S608
    return [list(row) for row in cr.fetchall()]


def _form_spec(env, model):
    models = env[model].get_views([(False, "form")])["models"]

    def spec(name):
        result = {}
        for field, info in models.get(name, {}).get("fields", {}).items():
            if info["type"] in ("one2many", "many2many") and info["relation"] in models:
                result[field] = {"fields": spec(info["relation"])}
            elif info["type"] == "many2one":
                result[field] = {"fields": {"display_name": {}}}
            else:
                result[field] = {}
        return result

    return spec(model)


def _drop_rewritten_ids(model, values):
    """The rows of the x2many fields of ``model`` on ``REWRITTEN_ID_MODELS``,
    without their ids and sorted, in the ``values`` of ``web_read``."""
    for name, field in model._fields.items():
        if field.type in ("one2many", "many2many") and (
            field.comodel_name in REWRITTEN_ID_MODELS
        ):
            for vals in values:
                if name in vals:
                    rows = [
                        {key: value for key, value in row.items() if key != "id"}
                        for row in vals[name]
                    ]
                    vals[name] = sorted(
                        rows, key=lambda row: json.dumps(row, default=str)
                    )


def _forms(env):
    """Each recall, run and blocked lot as its form shows it, read through
    the ORM as the recall manager (access rights and record rules apply)."""
    manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
    user_env = env(user=manager.id, su=False)
    forms = {}
    for model, domain in (
        ("stock.recall", []),
        ("stock.lot.assign.run", []),
        ("stock.lot", [("is_blocked", "=", True)]),
    ):
        records = user_env[model].with_context(active_test=False).search(domain)
        values = records.web_read(_form_spec(user_env, model))
        _drop_rewritten_ids(user_env[model], values)
        forms[model] = {str(vals["id"]): vals for vals in values}
    return forms


def _notices(env):
    """The notices recorded on the customer rows, as the ORM reads them
    (what a release has of recall, move line, kind, date, message and
    delivery state), under the current names of the fields; without the
    ids of the rows, which 19.0.1.3.0 rewrote."""
    rows = env["stock.recall.shipment"].search([("notified", "=", True)])
    names = [
        name
        for name in (
            "recall_id",
            "move_line_id",
            "kind",
            "notified_date",
            "notification_message_id",
            "notice_message_id",
            "delivery_state",
        )
        if name in rows._fields
    ]
    return sorted(
        (
            {
                RENAMED_FIELDS.get(name, name): value
                for name, value in vals.items()
                if name != "id"
            }
            for vals in rows.read(names, load=None)
        ),
        key=lambda vals: json.dumps(vals, default=str, sort_keys=True),
    )


def fingerprint(env):
    cr = env.cr
    cr.execute(
        "SELECT latest_version, state FROM ir_module_module WHERE name = %s", [ADDON]
    )
    version, state = cr.fetchone()
    tables = {}
    for table in _tables(cr):
        columns = _columns(cr, table)
        tables[table] = {"columns": columns, "rows": _rows(cr, table, columns)}
    tables["stock_lot"] = {
        "columns": list(LOT_COLUMNS),
        "rows": _rows(cr, "stock_lot", LOT_COLUMNS),
    }
    mail_columns = ["id", "model", "res_id", "message_type", "subtype_id", "body"]
    cr.execute(
        """
        SELECT id::text, model, res_id::text, message_type, subtype_id::text,
               md5(body)
          FROM mail_message
         WHERE model IN ('stock.lot', 'stock.recall')
         ORDER BY id
        """
    )
    tables["mail_message"] = {
        "columns": mail_columns,
        "rows": [list(row) for row in cr.fetchall()],
    }
    cr.execute(
        """
        SELECT module || '.' || name, model, res_id
          FROM ir_model_data WHERE module = %s ORDER BY 1
        """,
        [ADDON],
    )
    xmlids = {xmlid: [model, res_id] for xmlid, model, res_id in cr.fetchall()}
    return {
        "version": version,
        "state": state,
        "tables": tables,
        "xmlids": xmlids,
        "forms": _forms(env),
        "notices": json.loads(json.dumps(_notices(env), default=str)),
    }


def write_fingerprint(env, path):
    data = fingerprint(env)
    Path(path).write_text(json.dumps(data, default=str, sort_keys=True, indent=1))
    sizes = ", ".join(
        f"{table} {len(info['rows'])}" for table, info in sorted(data["tables"].items())
    )
    out(f"fingerprint of {ADDON} {data['version']}: {sizes}")


# ----------------------------------------------------------------------
# verify (new code)
# ----------------------------------------------------------------------


class Report:
    def __init__(self):
        self.failed = 0

    def check(self, name, ok, detail=""):
        self.failed += not ok
        out(f"  {'OK    ' if ok else 'FAILED'} {name}{': ' + detail if detail else ''}")


def _digest(rows):
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:12]


def _diff(before, after, path=""):
    """Differences between two web_read values on the keys both have (new
    fields are allowed, lost or changed values are not)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before.keys() & after.keys():
            yield from _diff(before[key], after[key], f"{path}.{key}")
        return
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            yield f"{path}: {len(before)} items, now {len(after)}"
            return
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from _diff(old, new, f"{path}[{index}]")
        return
    if json.dumps(before, default=str) != json.dumps(after, default=str):
        yield f"{path}: {before!r} -> {after!r}"


def _compare_table(report, table, old, cr):
    columns = old["columns"]
    new_table = RENAMED_TABLES.get(table, table)
    new_name = {c: RENAMED_COLUMNS.get(f"{table}.{c}", c) for c in columns}
    present = set(_columns(cr, new_table)) if table != "mail_message" else set(columns)
    label = table if new_table == table else f"{table} (now {new_table})"
    if not present:
        report.check(f"table {label}", False, "dropped")
        return
    lost = [
        c
        for c in columns
        if new_name[c] not in present and f"{table}.{c}" not in REMOVED_COLUMNS
    ]
    kept = [
        c
        for c in columns
        if new_name[c] in present
        and f"{table}.{c}" not in REWRITTEN_COLUMNS
        and not (table == "stock_lot" and c in LOT_KEYS)
    ]
    if table == "mail_message":
        new_rows = _mail_rows(cr)
    else:
        new_rows = _rows(cr, new_table, [new_name[c] for c in kept])
    positions = [columns.index(c) for c in kept]
    old_rows = sorted(([row[i] for i in positions] for row in old["rows"]), key=str)
    new_rows = sorted(new_rows, key=str)
    same = old_rows == new_rows and not lost
    detail = f"{len(old_rows)} rows, digest {_digest(old_rows)}"
    if lost:
        detail += f"; columns dropped: {', '.join(lost)}"
    if old_rows != new_rows:
        gone = [row for row in old_rows if row not in new_rows]
        added = [row for row in new_rows if row not in old_rows]
        detail = (
            f"{len(old_rows)} rows before, {len(new_rows)} after, "
            f"digest {_digest(old_rows)} -> {_digest(new_rows)}; "
            f"lost or changed {gone[:3]}; new {added[:3]}"
        )
    report.check(f"table {label}", same, detail)


def _mail_rows(cr):
    cr.execute(
        """
        SELECT id::text, model, res_id::text, message_type, subtype_id::text,
               md5(body)
          FROM mail_message
         WHERE model IN ('stock.lot', 'stock.recall')
        """
    )
    return [list(row) for row in cr.fetchall()]


def _check_keys(report, env, old, old_version):
    """Keys set before are unchanged; keys missing before are now either
    missing or exactly what the ORM computes (the migration agrees with
    ``_compute_traceability_keys``); the rekeying release fills them (from
    a later release, nothing does: they are left as they were)."""
    from odoo.tools.parse_version import parse_version  # noqa: PLC0415

    rekeyed = parse_version(old_version) < parse_version(REKEY_RELEASE)
    columns = old["columns"]
    index = {c: columns.index(c) for c in ("id", *LOT_KEYS)}
    before = {
        row[index["id"]]: tuple(row[index[k]] for k in LOT_KEYS) for row in old["rows"]
    }
    env.cr.execute(
        "SELECT id::text, traceability_name_key, traceability_unique_key FROM stock_lot"
    )
    after = {lot_id: (name, key) for lot_id, name, key in env.cr.fetchall()}
    changed = sorted(
        lot_id
        for lot_id, (name, key) in before.items()
        if (name is not None and after.get(lot_id, (None,))[0] != name)
        or (key is not None and after.get(lot_id, (None, None))[1] != key)
    )
    report.check(
        "stock_lot keys set before are unchanged",
        not changed,
        f"{sum(1 for v in before.values() if v[1])} keys"
        + (f"; changed on lots {changed[:10]}" if changed else ""),
    )
    missing = [int(i) for i, (name, key) in before.items() if key is None]
    lots = env["stock.lot"].browse(missing)
    wrong, filled = [], 0
    for lot in lots:
        name_key = lot._get_traceability_name_key(lot.name) or None
        key = lot._traceability_build_key(name_key) or None
        stored = after[str(lot.id)]
        filled += stored[1] is not None
        if not rekeyed and stored == before[str(lot.id)]:
            continue
        if stored[0] != name_key or stored[1] not in (None, key):
            wrong.append(f"{lot.name!r}: {stored} instead of {(name_key, key)}")
    report.check(
        "stock_lot keys filled agree with the ORM's computation",
        not wrong,
        f"{len(missing)} lots had no key, {filled} have one now"
        + (f"; {wrong[:5]}" if wrong else ""),
    )
    if rekeyed:
        bulk = env["stock.lot"].search([("name", "=like", "UPG-BULK-%")])
        clash = env["stock.lot"].search([("name", "=", " upg-sn-001")])
        ok = (
            bool(bulk)
            and all(lot.traceability_unique_key for lot in bulk)
            and bool(clash)
            and not clash.traceability_unique_key
            and clash.traceability_name_key == "upg-sn-001"
        )
        report.check(
            f"migration {REKEY_RELEASE} keyed the bulk-loaded lots, not the duplicate",
            ok,
            f"{len(bulk)} keyed, duplicate {clash.name!r} left without key",
        )


# What each email's record says of a notice, in Odoo's terms (mail.mail
# state when the notification waits, else the notification's status).
NOTICE_STATE_OF_EMAIL = {
    "outgoing": "queued",
    "sent": "sent",
    "exception": "failed",
    "cancel": "failed",
    "bounce": "bounced",
    "canceled": "failed",
}


def _check_notices(report, env):
    """Notices recorded before the upgrade show the delivery their emails
    show (19.0.1.5.0: a notice is no longer 'sent' because it was posted)."""
    rows = env["stock.recall.shipment"].search([("notified", "=", True)])
    wrong, states = [], {}
    for row in rows:
        emails = row.notice_message_id.notification_ids.filtered(
            lambda n: n.notification_type == "email"
        )
        expected = {
            NOTICE_STATE_OF_EMAIL[
                n.mail_mail_id.state
                if n.notification_status == "ready" and n.mail_mail_id
                else n.notification_status
            ]
            for n in emails
        }
        states[row.delivery_state] = states.get(row.delivery_state, 0) + 1
        if len(expected) != 1 or row.delivery_state not in expected:
            wrong.append(f"{row.display_name}: {row.delivery_state}, emails {expected}")
    report.check(
        "notices recorded before show the delivery of their emails",
        bool(rows) and not wrong,
        f"{len(rows)} notified rows: "
        + ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
        + (f"; {wrong[:5]}" if wrong else ""),
    )


def _check_notices_kept(report, env, before):
    """Every notice recorded before is still recorded on its customer row,
    with the same date, message and delivery state (those the old release
    had), and no other row is notified."""
    after = _notices(env)
    names = set(before[0]) if before else set()
    after = json.loads(json.dumps(after, default=str))
    kept = sorted(
        ({name: vals.get(name) for name in names} for vals in after),
        key=lambda vals: json.dumps(vals, sort_keys=True),
    )
    states = {}
    for vals in after:
        state = vals.get("delivery_state")
        states[state] = states.get(state, 0) + 1
    gone = [vals for vals in before if vals not in kept]
    added = [vals for vals in kept if vals not in before]
    report.check(
        f"notices recorded before kept (same {', '.join(sorted(names))})",
        bool(before) and kept == before,
        f"{len(before)} before, {len(after)} after ("
        + ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
        + ")"
        + (f"; lost or changed {gone[:3]}; new {added[:3]}" if gone or added else ""),
    )


def _check_renamed(report, cr):
    """Nothing still carries the old name of a renamed table or model (a
    sequence, index or constraint left behind would stay beside the one the
    update creates under the new name)."""
    for old, new in sorted(RENAMED_TABLES.items()):
        cr.execute(
            """
            SELECT relname FROM pg_class WHERE left(relname, %(n)s) = %(old)s
             UNION ALL
            SELECT conname FROM pg_constraint WHERE left(conname, %(n)s) = %(old)s
             UNION ALL
            SELECT name FROM ir_model_constraint WHERE left(name, %(n)s) = %(old)s
             UNION ALL
            SELECT model FROM ir_model WHERE model = %(model)s
            """,
            {"n": len(old), "old": old, "model": old.replace("_", ".")},
        )
        left = [name for (name,) in cr.fetchall()]
        cr.execute(
            """
            SELECT count(*) FROM pg_class cls
              JOIN pg_index idx ON idx.indexrelid = cls.oid
             WHERE idx.indrelid = to_regclass(%s)
            """,
            [new],
        )
        indexes = cr.fetchone()[0]
        report.check(
            f"nothing left under the old name {old}",
            not left,
            f"{new}: {indexes} indexes" + (f"; left: {left[:10]}" if left else ""),
        )


def _renamed_xmlid(xmlid):
    for old, new in RENAMED_XMLID_PARTS:
        xmlid = xmlid.replace(old, new)
    return xmlid


def verify(env, path, expected_version):
    from odoo.addons.stock_lot_traceability.models.stock_lot import (  # noqa: PLC0415
        UNIQUE_KEY_INDEX,
    )

    old = json.loads(Path(path).read_text())
    report = Report()
    cr = env.cr
    out(f"Checks after upgrading {ADDON} {old['version']} -> {expected_version}:")
    cr.execute(
        "SELECT latest_version, state FROM ir_module_module WHERE name = %s", [ADDON]
    )
    version, state = cr.fetchone()
    report.check(
        "installed version is the new one",
        version == expected_version and state == "installed",
        f"{old['version']} -> {version} ({state})",
    )
    for table, info in sorted(old["tables"].items()):
        _compare_table(report, table, info, cr)
    _check_keys(report, env, old["tables"]["stock_lot"], old["version"])
    _check_notices(report, env)
    if "notices" in old:
        _check_notices_kept(report, env, old["notices"])
    _check_renamed(report, cr)
    cr.execute(
        "SELECT module || '.' || name, model, res_id FROM ir_model_data "
        "WHERE module = %s",
        [ADDON],
    )
    now = {xmlid: [model, res_id] for xmlid, model, res_id in cr.fetchall()}
    lost = sorted(
        xmlid
        for xmlid, target in old["xmlids"].items()
        if now.get(_renamed_xmlid(xmlid)) != target and xmlid not in REMOVED_XMLIDS
    )
    report.check(
        "ir_model_data of the add-on kept (same records)",
        not lost,
        f"{len(old['xmlids'])} before, {len(now)} after"
        + (f"; lost or moved: {lost[:10]}" if lost else ""),
    )
    cr.execute(
        """
        SELECT idx.indisunique AND idx.indisvalid
          FROM pg_index idx
          JOIN pg_class cls ON cls.oid = idx.indexrelid
         WHERE cls.relname = %s
        """,
        [UNIQUE_KEY_INDEX],
    )
    row = cr.fetchone()
    report.check(
        f"unique index {UNIQUE_KEY_INDEX} present and valid", bool(row and row[0])
    )
    try:
        forms = _forms(env)
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        report.check("forms readable through the ORM", False, repr(error))
    else:
        for model, records in sorted(old["forms"].items()):
            diffs = [
                f"{model}({record_id}){line}"
                for record_id, values in records.items()
                for line in _diff(values, forms[model].get(record_id, {}))
            ]
            missing = sorted(set(records) - set(forms[model]))
            report.check(
                f"{model} forms read as the recall manager, same values",
                not diffs and not missing,
                f"{len(forms[model])} records"
                + (f"; missing {missing}" if missing else "")
                + (f"; {diffs[:5]}" if diffs else ""),
            )
    out(f"{'FAILED' if report.failed else 'OK'}: {report.failed} failed checks")
    return report.failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--expected-version")
    parser.add_argument("command", choices=("populate", "fingerprint", "verify"))
    parser.add_argument("file", nargs="?")
    args = parser.parse_args(argv)
    env = odoo_env(args)
    try:
        if args.command == "populate":
            populate(env)
        elif args.command == "fingerprint":
            write_fingerprint(env, args.file)
        else:
            try:
                return 1 if verify(env, args.file, args.expected_version) else 0
            except Exception:
                out("  FAILED the checks stopped on an error:")
                traceback.print_exc(file=sys.stdout)
                return 1
    finally:
        env.cr.rollback()
        env.cr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
