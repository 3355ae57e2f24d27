#!/usr/bin/env python3
"""The stored recall of a commit against the checkout's, side by side.

    .venv/bin/python dev/bench/compare_recall.py [--db slt_bench] [--runs 9]
                                             [--rev main]

On a shared machine the stored recall of one ``run.py`` run and the next
differ by more than most changes to its statements (the load of the other
sessions moves every figure by 20-50 %). This script times the hot lot's
``stock.recall.action_trace()`` (created, traced and read, rolled back, as
``run.py``'s P1) with the SQL builders of ``--rev`` (``tools/trace_engine.py``
and ``tools/recall_trace_sql.py``, read with ``git show``) and with the
checkout's, alternating run by run in one process, which goes first
alternating, so that the load weighs on both alike; a first run of each
warms the caches and is not counted. Prints the median, min and max of each
and their ratio.

The models are the checkout's: ``--rev`` must be a commit whose builders
they can call (the same functions and parameters), e.g. the branch point of
a change to the statements. Whole releases are compared with ``run.py`` on
copies of the database.
"""

import argparse
import statistics
import subprocess
import time
import types

import benchlib

PACKAGE = "odoo.addons.stock_lot_traceability.tools"


def source_at(rev, path):
    return subprocess.run(
        ["git", "-C", str(benchlib.ROOT), "show", f"{rev}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def builders_at(rev):
    """(trace_engine, recall_trace_sql) of ``rev``, loaded from their text;
    the second imports the first relatively, as in the add-on."""
    engine = types.ModuleType(f"{PACKAGE}.trace_engine_{rev}")
    engine.__package__ = PACKAGE
    exec(  # noqa: S102
        compile(source_at(rev, "tools/trace_engine.py"), f"{rev}:trace_engine", "exec"),
        engine.__dict__,
    )
    statements = types.ModuleType(f"{PACKAGE}.recall_trace_sql_{rev}")
    statements.__package__ = PACKAGE
    statements.trace_engine = engine
    text = source_at(rev, "tools/recall_trace_sql.py").replace(
        "from . import trace_engine", ""
    )
    exec(  # noqa: S102
        compile(text, f"{rev}:recall_trace_sql", "exec"), statements.__dict__
    )
    return engine, statements


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rev", default="main")
    args = parser.parse_args()
    benchlib.registry(args.db)  # puts Odoo on the path
    from odoo.addons.stock_lot_traceability.models import (  # noqa: PLC0415
        stock_lot,
        stock_recall,
    )

    variants = {
        args.rev: builders_at(args.rev),
        "checkout": (stock_lot.trace_engine, stock_recall.recall_trace_sql),
    }
    times = {name: [] for name in variants}
    with benchlib.environment(args.db) as env:
        env.cr.execute(
            "SELECT id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%' ORDER BY id LIMIT 1"
        )
        lot = env["stock.lot"].browse(env.cr.fetchone()[0])
        lot_name = lot.name
        lot.company_id.traceability_job_trace_threshold = 0
        env.flush_all()
        try:
            for run in range(args.runs + 1):
                order = list(variants.items())
                if run % 2:
                    order.reverse()
                for name, (engine, statements) in order:
                    stock_lot.trace_engine = stock_recall.trace_engine = engine
                    stock_recall.recall_trace_sql = statements
                    env.cr.execute("SAVEPOINT compare_recall")
                    env.invalidate_all()
                    start = time.perf_counter()
                    recall = env["stock.recall"].create(
                        {
                            "lot_ids": [(6, 0, lot.ids)],
                            "reason": "benchmark",
                            "direction": "downstream",
                        }
                    )
                    recall.action_trace()
                    recall.read(["shipment_count", "customer_count"])
                    env.flush_all()
                    elapsed = time.perf_counter() - start
                    env.cr.execute("ROLLBACK TO SAVEPOINT compare_recall")
                    env.invalidate_all()
                    if run:  # run 0 warms the caches
                        times[name].append(elapsed)
        finally:
            checkout = variants["checkout"]
            stock_lot.trace_engine = stock_recall.trace_engine = checkout[0]
            stock_recall.recall_trace_sql = checkout[1]
    benchlib.out(
        f"stored recall of {lot_name} on {args.db}, {args.runs} alternating runs"
    )
    for name, values in times.items():
        benchlib.out(
            f"  {name:10} median {statistics.median(values):.3f} s"
            f"  ({min(values):.3f} - {max(values):.3f})"
        )
    ratio = statistics.median(times["checkout"]) / statistics.median(times[args.rev])
    benchlib.out(f"  checkout / {args.rev}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
