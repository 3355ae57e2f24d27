#!/usr/bin/env python3
"""Time of the genealogy of the hot lot, read only.

    .venv/bin/python dev/bench/genealogy_time.py [--db slt_bench] [--runs 5]

On the benchmark database, ``stock.lot.get_genealogy()`` of the hot lot
(``HOT-RAW-00000001``): the trace in both directions, the balance figures
and the customers of every affected lot computed on the fly (nothing
stored), then the layered layout. Each run is timed on its own, the
transaction is rolled back at the end. Prints the median, min and max, and
what was drawn (lots, customers, nodes after grouping, JSON size).
"""

import argparse
import json
import statistics
import time

import benchlib


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times = []
    with benchlib.environment(args.db) as env:
        env.cr.execute(
            "SELECT id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%' ORDER BY id LIMIT 1"
        )
        lot = env["stock.lot"].browse(env.cr.fetchone()[0])
        for _i in range(args.runs):
            env.invalidate_all()
            start = time.perf_counter()
            graph = lot.get_genealogy()
            times.append(time.perf_counter() - start)
        size = len(json.dumps(graph))
        lot_name = lot.name
    benchlib.out(f"genealogy of {lot_name}, {args.runs} runs (median, min - max)")
    benchlib.out(
        f"  get_genealogy  {statistics.median(times):.3f} s  "
        f"{min(times):.3f} - {max(times):.3f}"
    )
    benchlib.out(
        f"  {graph['lot_count']} lots, {graph['customer_count']} customers; "
        f"drawn: {len(graph['nodes'])} nodes, {len(graph['edges'])} edges, "
        f"{len(graph['columns'])} columns; JSON {size / 1024:.0f} KiB"
    )
    for notice in graph["notices"]:
        benchlib.out(
            f"  column {notice['column']}: {notice['count']} -> {notice['groups']}"
        )


if __name__ == "__main__":
    main()
