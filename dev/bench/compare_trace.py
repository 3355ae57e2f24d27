#!/usr/bin/env python3
"""The graph walk of a release against today's, side by side (P1 engine).

    .venv/bin/python dev/bench/compare_trace.py [--db slt_bench] [--runs 7]
                                            [--rev 8b2ad45]

Loads ``tools/trace_engine.py`` (``models/`` before the plain package) as
it was at ``--rev`` (plain functions that build SQL, read with ``git show``)
next to the checkout's, and times both
walks downstream from the hot lot, alternating run by run in one
transaction with the same settings (JIT off, as ``stock.lot._trace_graph``
sets it), so that the machine's load weighs on both alike. Prints the lots
each reaches, the median, min and max of each, and their ratio.
"""

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
import types

import benchlib

# Where the engine lives: the plain package now, models/ in older releases.
ENGINE_PATHS = ("tools/trace_engine.py", "models/trace_engine.py")


def engine_at(rev):
    """The trace_engine module of ``rev``, loaded from its source text."""
    for path in ENGINE_PATHS:
        shown = subprocess.run(
            ["git", "-C", str(benchlib.ROOT), "show", f"{rev}:{path}"],
            check=False,
            capture_output=True,
            text=True,
        )
        if shown.returncode == 0:
            break
    else:
        raise SystemExit(f"{rev} has no trace engine at {' or '.join(ENGINE_PATHS)}")
    module = types.ModuleType(f"trace_engine_{rev}")
    exec(compile(shown.stdout, f"{rev}:{path}", "exec"), module.__dict__)  # noqa: S102
    return module


def engine_now():
    spec = importlib.util.spec_from_file_location(
        "trace_engine_now", benchlib.ROOT / "tools" / "trace_engine.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def graph_query(engine, lot_ids, company_ids):
    try:
        return engine.lot_graph_query(
            lot_ids, engine.DOWNSTREAM, company_ids, follow_unbuild=True
        )
    except TypeError:  # releases before the unbuild edge
        return engine.lot_graph_query(lot_ids, engine.DOWNSTREAM, company_ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rev", default="8b2ad45")
    args = parser.parse_args()
    benchlib.registry(args.db)  # puts Odoo on the path
    engines = {args.rev: engine_at(args.rev), "checkout": engine_now()}
    times = {name: [] for name in engines}
    reached = {}
    with benchlib.environment(args.db) as env:
        env.cr.execute(
            "SELECT id, company_id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%'"
            " ORDER BY id LIMIT 1"
        )
        lot_id, company_id = env.cr.fetchone()
        env.cr.execute("SET LOCAL jit = off")
        for _run in range(args.runs):
            for name, engine in engines.items():
                query = graph_query(engine, [lot_id], [company_id])
                start = time.perf_counter()
                env.cr.execute(query)
                reached[name] = len(env.cr.fetchall())
                times[name].append(time.perf_counter() - start)
    benchlib.out(f"graph walk downstream of lot {lot_id}, {args.runs} alternating runs")
    for name, values in times.items():
        median = statistics.median(values)
        benchlib.out(
            f"  {name:10} {reached[name]:6} lots  median {median:.3f} s"
            f"  ({min(values):.3f} - {max(values):.3f})"
        )
    ratio = statistics.median(times["checkout"]) / statistics.median(times[args.rev])
    benchlib.out(f"  checkout / {args.rev}: {ratio:.2f}x")
    if reached["checkout"] < reached[args.rev]:
        sys.exit("the checkout reaches fewer lots than the release")


if __name__ == "__main__":
    main()
