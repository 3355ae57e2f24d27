#!/usr/bin/env python3
"""EXPLAIN ANALYZE of the P1 statements on a benchmark database.

    .venv/bin/python dev/bench/explain_trace.py [--db slt_bench] [--what walk,trace]

For the hot lot, in a transaction rolled back: the graph walk statement
(``stock.lot._trace_graph``) and the stored recall's trace statement
(``stock.recall._trace_query``), each with ``EXPLAIN (ANALYZE, BUFFERS)``,
JIT off as the add-on runs them. The plans go to stdout and
``dev/bench/out/plan-<what>-<db>.txt``. ``run.py`` writes them the same
way when a P1 target is missed, and prints under the miss what each plan
says (:func:`summarize`): its time, the time and rows of each insert, the
checks of the foreign keys, the shared buffers read, and any sequential
scan of ``stock_move_line`` or ``stock_quant``.
"""

import argparse
import re

import benchlib

WHATS = ("walk", "trace")
SCANNED = ("stock_move_line", "stock_quant")


def plan_queries(env, lot):
    """``{what: SQL}`` of the walk and of the trace statement of ``lot``,
    for a new recall of it (created in the caller's transaction)."""
    from odoo.addons.stock_lot_traceability.tools import trace_engine  # noqa: PLC0415

    lot.company_id.traceability_job_trace_threshold = 0
    recall = env["stock.recall"].create(
        {"lot_ids": [(6, 0, lot.ids)], "reason": "explain", "direction": "downstream"}
    )
    env.flush_all()
    rows = recall._get_trace_rows()
    return {
        "walk": trace_engine.lot_graph_query(
            lot.ids,
            trace_engine.DOWNSTREAM,
            recall._get_trace_company_ids(),
            follow_unbuild="unbuild_id" in env["stock.move"]._fields,
        ),
        "trace": recall._trace_query(rows, recall._get_trace_params(rows)),
    }


def write_plans(env, lot, whats=WHATS):
    """``{what: path}``: the ``EXPLAIN (ANALYZE, BUFFERS)`` of each statement
    written to ``dev/bench/out/plan-<what>-<db>.txt``; everything, the
    recall created for it included, rolled back."""
    from odoo.tools import SQL  # noqa: PLC0415

    paths = {}
    env.flush_all()
    savepoint = env.cr.savepoint()
    try:
        env.cr.execute("SET LOCAL jit = off")
        queries = plan_queries(env, lot)
        for what in whats:
            env.cr.execute("SAVEPOINT explain_trace")
            env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", queries[what]))
            text = "\n".join(row[0] for row in env.cr.fetchall())
            env.cr.execute("ROLLBACK TO SAVEPOINT explain_trace")
            benchlib.OUT_DIR.mkdir(parents=True, exist_ok=True)
            path = benchlib.OUT_DIR / f"plan-{what}-{env.cr.dbname}.txt"
            path.write_text(text + "\n")
            paths[what] = path
    finally:
        env.invalidate_all(flush=False)
        savepoint.close(rollback=True)
        env.invalidate_all(flush=False)
    return paths


def summarize(text):
    """What a plan says of its cost, in one line: execution time, each
    insert (``Insert on t``: its time), the foreign-key checks (triggers:
    time, rows checked), the shared buffers of the top node and the sequential
    scans of :data:`SCANNED` tables (none when the walk keeps its index
    lookups)."""
    parts = []
    execution = re.search(r"Execution Time: ([\d.]+) ms", text)
    if execution:
        parts.append(f"{float(execution[1]) / 1000:.3f} s")
    for table, time_ms in re.findall(
        r"Insert on (\w+).*?actual time=[\d.]+\.\.([\d.]+)", text
    ):
        parts.append(f"insert {table} {float(time_ms) / 1000:.3f} s")
    checks = re.findall(
        r"Trigger for constraint \w+(?: on \w+)?: time=([\d.]+) calls=(\d+)", text
    )
    if checks:
        seconds = sum(float(time_ms) for time_ms, _calls in checks) / 1000
        calls = sum(int(calls) for _time, calls in checks)
        parts.append(f"foreign-key checks {seconds:.3f} s ({calls} rows)")
    buffers = re.search(r"Buffers: shared hit=(\d+)(?: read=(\d+))?", text)
    if buffers:
        parts.append(
            f"{int(buffers[1]) + int(buffers[2] or 0)} shared buffers at the top"
        )
    scans = re.findall(r"Seq Scan on (\w+)", text)
    scanned = sorted({table for table in scans if table in SCANNED})
    parts.append(
        f"sequential scans of {', '.join(scanned)}" if scanned else "no scan of lines"
    )
    return "; ".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--what", default=",".join(WHATS))
    args = parser.parse_args()
    benchlib.registry(args.db)
    with benchlib.environment(args.db) as env:
        env.cr.execute(
            "SELECT id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%' ORDER BY id LIMIT 1"
        )
        lot = env["stock.lot"].browse(env.cr.fetchone()[0])
        for what, path in write_plans(env, lot, args.what.split(",")).items():
            text = path.read_text()
            benchlib.out(f"{what} on {args.db} ({path.name}):\n{text}")
            benchlib.out(f"{what}: {summarize(text)}\n")


if __name__ == "__main__":
    main()
