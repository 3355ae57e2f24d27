#!/usr/bin/env python3
"""P1 (the recall trace) on two benchmark databases side by side.

    .venv/bin/python dev/bench/scale.py --small slt_bench --large slt_bench_x10

The cost of a recall must follow the size of the recall, not the size of the
database: the engine trace (``stock.lot._trace_downstream()``) and the stored
recall (``stock.recall.action_trace()``) of the hot lot, which has the same
shape in both databases (``generate.py`` keeps the hot chain of scale 1 above
scale 1), are timed on both databases in one process, interleaved run by run
(the database measured first alternates), every run rolled back. Odoo's
report walk of P1 is left out (minutes per run on 1M lines; see run.py).
Prints the medians, the ratio large / small and whether it stays within
``--max-ratio``; the table also goes to dev/bench/out/scale.txt. Exit status
1 when a ratio is above the limit.
"""

import argparse
import json
import statistics
import sys
import time

import benchlib
from generate import read_marker
from run import customer_shipments_sql, hot_lot, p1_recall_trace, timed


def engine_trace(_env, lot):
    return lot._trace_downstream()


MEASURES = {
    "engine": ("engine stock.lot._trace_downstream()", engine_trace),
    "recall": ("stock.recall action_trace (stored)", p1_recall_trace),
}


def log(msg):
    benchlib.out(f"[scale {time.strftime('%H:%M:%S')}] {msg}")


def describe(env, db, lot):
    """One line on the database and its hot lot (SQL ground truth)."""
    marker = read_marker(db) or {}
    n_lots, n_lines, n_pickings, n_partners = customer_shipments_sql(env, lot.id)
    env.cr.execute("SELECT COUNT(*) FROM stock_move_line WHERE state = 'done'")
    done = env.cr.fetchone()[0]
    env.cr.execute("SELECT pg_database_size(current_database())")
    size = env.cr.fetchone()[0]
    gen = marker.get("seconds_total")
    return {
        "db": db,
        "done_move_lines": done,
        "size_gb": round(size / 1e9, 2),
        "generated_in_s": gen,
        "hot_lot": lot.name,
        "hot_downstream_lots": n_lots,
        "hot_customer_lines": n_lines,
        "hot_customer_shipments": n_pickings,
        "hot_customers": n_partners,
    }


def measure(dbs, runs):
    """{(db, measure): [seconds]}, interleaved; dbs = [(name, env, lot)]."""
    values = {(db, m): [] for db, _e, _l in dbs for m in MEASURES}
    for i in range(runs + 1):
        order = dbs if i % 2 == 0 else dbs[::-1]
        for db, env, lot in order:
            for m, (_label, fn) in MEASURES.items():
                secs, _q, _r = timed(env, lambda env=env, lot=lot, fn=fn: fn(env, lot))
                if i:  # run 0 warms the caches of both databases
                    values[db, m].append(secs)
        if i:
            log(
                f"run {i}: "
                + ", ".join(f"{db} {m} {v[-1]:.3f} s" for (db, m), v in values.items())
            )
    return values


def render(infos, values, small, large, max_ratio, runs):
    out = [
        f"P1 on two databases ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), "
        f"median of {runs} interleaved runs (min-max), every run rolled back",
        *[f"DB: {json.dumps(info)}" for info in infos],
        "",
        f"| measure | {small} s | {large} s | ratio large/small | target |",
        "|---|---|---|---|---|",
    ]
    failed = []
    for m, (label, _fn) in MEASURES.items():
        cells = []
        for db in (small, large):
            v = values[db, m]
            cells.append(f"{statistics.median(v):.3f} ({min(v):.3f}-{max(v):.3f})")
        medians = [statistics.median(values[db, m]) for db in (small, large)]
        ratio = medians[1] / medians[0]
        verdict = "ok" if ratio <= max_ratio else "ABOVE"
        if ratio > max_ratio:
            failed.append(m)
        out.append(
            f"| {label} | {cells[0]} | {cells[1]} | {ratio:.2f} | "
            f"<= {max_ratio} ({verdict}) |"
        )
    shape = ("hot_downstream_lots", "hot_customer_lines")
    same = all(infos[0][k] == infos[1][k] for k in shape)
    out.append("")
    out.append(
        "Hot lot shape (downstream lots, customer lines): "
        + ("the same in both databases." if same else "DIFFERENT: compare with care.")
    )
    out.append(
        "Odoo's traceability report walk (P1 of run.py) is not run here: it takes "
        "minutes per run on the 1M database already."
    )
    return "\n".join(out), failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--small", default="slt_bench")
    parser.add_argument("--large", default="slt_bench_x10")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument(
        "--no-update", action="store_true", help="skip -u of the add-on"
    )
    parser.add_argument("--out", default="scale.txt", help="file in dev/bench/out")
    args = parser.parse_args(argv)
    if args.small == args.large:
        parser.error("--small and --large must be two databases")
    for db in (args.small, args.large):
        if not benchlib.db_exists(db):
            benchlib.out(f"{db} does not exist: run dev/bench/generate.py --db {db}")
            return 1
    if not args.no_update:
        for db in (args.small, args.large):
            log(f"updating {benchlib.ADDON} in {db} to the current code")
            benchlib.update_addon(db)
    ctx = {"tracking_disable": True, "mail_notrack": True}
    with (
        benchlib.environment(args.small, context=ctx) as env_s,
        benchlib.environment(args.large, context=ctx) as env_l,
    ):
        dbs = [(args.small, env_s, hot_lot(env_s)), (args.large, env_l, hot_lot(env_l))]
        infos = [describe(env, db, lot) for db, env, lot in dbs]
        for info in infos:
            log(json.dumps(info))
        values = measure(dbs, args.runs)
    text, failed = render(
        infos, values, args.small, args.large, args.max_ratio, args.runs
    )
    benchlib.out()
    benchlib.out(text)
    benchlib.OUT_DIR.mkdir(parents=True, exist_ok=True)
    (benchlib.OUT_DIR / args.out).write_text(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
