#!/usr/bin/env python3
"""Where the time of the stored recall trace (P1) goes, side by side.

    .venv/bin/python dev/bench/profile_recall.py [--db slt_bench] [--runs 5]

On the benchmark database, for the hot lot, every run times in one
transaction, each part inside a savepoint rolled back afterwards:

* walk: ``stock.recall._get_trace_rows()`` (the recursive lot graph query);
* lines: reading the done lines of the affected lots (the ``lines`` part of
  the trace statement) without writing anything;
* statement: the whole trace statement (lines, lots with their balance
  and traced lines, stock inserted);
* statement without foreign keys: the same after dropping the foreign keys
  of the result tables (inside the savepoint, so never committed), which
  shows what PostgreSQL's checks of the inserted rows cost;
* form, events page, shipments page: after a whole ``action_trace()``, the
  recall's form read as the web client reads it (every field of the form
  view, the first 40 rows of each tab), then the first page (80 rows and
  the count) of its events and of its customer shipments, both SQL views
  over the traced lines.

Prints the median, min and max of each part.
"""

import argparse
import statistics
import time

import benchlib

RESULT_TABLES = ["stock_recall_lot", "stock_recall_stock"]


def drop_result_foreign_keys(env):
    env.cr.execute(
        """
        SELECT conrelid::regclass::text, conname FROM pg_constraint
         WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)
        """,
        [RESULT_TABLES],
    )
    for table, constraint in env.cr.fetchall():
        env.cr.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}"')


def one_run(env, lot, drop_fks):
    from odoo.tools import SQL  # noqa: PLC0415

    from odoo.addons.stock_lot_traceability.tools import (  # noqa: PLC0415
        recall_trace_sql,
    )

    env.cr.execute("SAVEPOINT profile_recall")
    try:
        if drop_fks:
            drop_result_foreign_keys(env)
        recall = env["stock.recall"].create(
            {
                "lot_ids": [(6, 0, lot.ids)],
                "reason": "profile",
                "direction": "downstream",
            }
        )
        env.flush_all()
        t0 = time.perf_counter()
        rows = recall._get_trace_rows()
        walk = time.perf_counter() - t0
        params = recall._get_trace_params(rows)
        env.cr.execute("SET LOCAL jit = off")
        t0 = time.perf_counter()
        env.cr.execute(
            SQL(
                "WITH lines AS MATERIALIZED (%s) "
                "SELECT count(*), sum(length(l::text)) FROM lines l",
                recall_trace_sql.done_lines_query(
                    params["all_lot_ids"],
                    params["companies"],
                    params["directions"],
                    params["subcontract_location_ids"],
                ),
            )
        )
        lines = time.perf_counter() - t0
        t0 = time.perf_counter()
        env.cr.execute(recall._trace_query(rows, params))
        statement = time.perf_counter() - t0
        return walk, lines, statement
    finally:
        env.cr.execute("ROLLBACK TO SAVEPOINT profile_recall")
        env.invalidate_all()


def form_spec(env, model, limit=40):
    """The ``web_read`` specification of the form of ``model``: its fields,
    many2ones with their name, x2many tabs with their list's fields."""
    models = env[model].get_views([(False, "form")])["models"]

    def spec(name, nested):
        result = {}
        for field, info in models.get(name, {}).get("fields", {}).items():
            if info["type"] in ("one2many", "many2many"):
                if not nested and info["relation"] in models:
                    sub = spec(info["relation"], True)
                    result[field] = {"fields": sub, "limit": limit}
            elif info["type"] == "many2one":
                result[field] = {"fields": {"display_name": {}}}
            else:
                result[field] = {}
        return result

    return spec(model, False)


def list_spec(env, model):
    fields = env[model].get_views([(False, "list")])["models"][model]["fields"]
    return {
        name: {"fields": {"display_name": {}}} if info["type"] == "many2one" else {}
        for name, info in fields.items()
        if info["type"] not in ("one2many", "many2many")
    }


def view_run(env, lot):
    """Form and first pages of the events and shipments of a traced recall."""
    env.cr.execute("SAVEPOINT profile_recall_views")
    try:
        lot.company_id.traceability_job_trace_threshold = 0
        recall = env["stock.recall"].create(
            {
                "lot_ids": [(6, 0, lot.ids)],
                "reason": "profile",
                "direction": "downstream",
            }
        )
        recall.action_trace()
        env.flush_all()
        times = []
        for model, what in (
            ("stock.recall", "form"),
            ("stock.recall.event", "page"),
            ("stock.recall.shipment", "page"),
        ):
            env.invalidate_all()
            t0 = time.perf_counter()
            if what == "form":
                recall.web_read(form_spec(env, model))
            else:
                env[model].web_search_read(
                    [("recall_id", "=", recall.id)], list_spec(env, model), limit=80
                )
            times.append(time.perf_counter() - t0)
        return times
    finally:
        env.cr.execute("ROLLBACK TO SAVEPOINT profile_recall_views")
        env.invalidate_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    parts = {
        "walk": [],
        "lines": [],
        "statement": [],
        "statement without foreign keys": [],
        "form": [],
        "events page": [],
        "shipments page": [],
    }
    with benchlib.environment(args.db) as env:
        env.cr.execute(
            "SELECT id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%' ORDER BY id LIMIT 1"
        )
        lot = env["stock.lot"].browse(env.cr.fetchone()[0])
        lot_name = lot.name
        for _i in range(args.runs):
            walk, lines, statement = one_run(env, lot, drop_fks=False)
            parts["walk"].append(walk)
            parts["lines"].append(lines)
            parts["statement"].append(statement)
            parts["statement without foreign keys"].append(
                one_run(env, lot, drop_fks=True)[2]
            )
            form, events, shipments = view_run(env, lot)
            parts["form"].append(form)
            parts["events page"].append(events)
            parts["shipments page"].append(shipments)
    benchlib.out(
        f"stored recall trace of {lot_name}, {args.runs} runs (median, min - max)"
    )
    for name, values in parts.items():
        benchlib.out(
            f"  {name:32} {statistics.median(values):.3f} s  "
            f"{min(values):.3f} - {max(values):.3f}"
        )
    fk_share = 1 - statistics.median(
        parts["statement without foreign keys"]
    ) / statistics.median(parts["statement"])
    benchlib.out(f"  foreign key checks: {fk_share:.0%} of the statement")


if __name__ == "__main__":
    main()
