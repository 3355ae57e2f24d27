#!/usr/bin/env python3
"""EXPLAIN ANALYZE of the P1 statements on a benchmark database.

    .venv/bin/python dev/bench/explain_trace.py [--db slt_bench] [--what walk,trace]

For the hot lot, in a transaction rolled back: the graph walk statement
(``stock.lot._trace_graph``) and the stored recall's trace statement
(``stock.recall._trace_query``), each with ``EXPLAIN (ANALYZE, BUFFERS)``,
JIT off as the add-on runs them. The plans go to stdout and
``dev/bench/out/plan-<what>-<db>.txt``: ``run.py`` points at them when a
target is missed.
"""

import argparse

import benchlib


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--what", default="walk,trace")
    args = parser.parse_args()
    from odoo.tools import SQL  # noqa: PLC0415

    benchlib.registry(args.db)
    from odoo.addons.stock_lot_traceability.tools import trace_engine  # noqa: PLC0415

    with benchlib.environment(args.db) as env:
        env.cr.execute(
            "SELECT id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%' ORDER BY id LIMIT 1"
        )
        lot = env["stock.lot"].browse(env.cr.fetchone()[0])
        lot.company_id.traceability_job_trace_threshold = 0
        recall = env["stock.recall"].create(
            {
                "lot_ids": [(6, 0, lot.ids)],
                "reason": "explain",
                "direction": "downstream",
            }
        )
        env.flush_all()
        env.cr.execute("SET LOCAL jit = off")
        queries = {
            "walk": trace_engine.lot_graph_query(
                lot.ids,
                trace_engine.DOWNSTREAM,
                recall._get_trace_company_ids(),
                follow_unbuild="unbuild_id" in env["stock.move"]._fields,
            ),
        }
        rows = recall._get_trace_rows()
        queries["trace"] = recall._trace_query(rows, recall._get_trace_params(rows))
        for what in args.what.split(","):
            env.cr.execute("SAVEPOINT explain_trace")
            env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", queries[what]))
            text = "\n".join(row[0] for row in env.cr.fetchall())
            env.cr.execute("ROLLBACK TO SAVEPOINT explain_trace")
            benchlib.OUT_DIR.mkdir(parents=True, exist_ok=True)
            path = benchlib.OUT_DIR / f"plan-{what}-{args.db}.txt"
            path.write_text(text + "\n")
            benchlib.out(f"{what} on {args.db} ({path.name}):\n{text}\n")


if __name__ == "__main__":
    main()
