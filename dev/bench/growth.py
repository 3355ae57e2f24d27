#!/usr/bin/env python3
"""Recall time against the number of affected lots.

    .venv/bin/python dev/bench/growth.py [--db slt_bench_x10] [--runs 5]

On a database built with probe lots (``generate.py --scale 10`` builds them;
``--probes`` at any scale), times the engine trace
(``stock.lot._trace_downstream()``) and the stored recall
(``stock.recall.action_trace()``) of each probe lot, whose downstream trace
reaches about 10, 100, 1,000, 10,000 and 50,000 lots; median of ``--runs``
runs, probes interleaved, every run rolled back. Fits time = a + b * lots
by least squares and prints b (per affected lot) and R² for each measure.
Writes dev/bench/out/growth.csv, growth.txt and growth.png (matplotlib:
linear axes with the fitted lines, and the same points on log-log axes).
"""

import argparse
import csv
import math
import statistics
import sys
import time

import benchlib
from generate import probe_lots
from run import customer_shipments_sql, p1_recall_trace, timed

MEASURES = {
    "engine": "engine _trace_downstream()",
    "recall": "stored recall action_trace()",
}


def log(msg):
    benchlib.out(f"[growth {time.strftime('%H:%M:%S')}] {msg}")


def measure(env, probes, runs):
    """{target: {"lots", "lines", "shipments", "engine": [s], "recall": [s]}}."""
    rows = {}
    for target, lot in probes.items():
        n_lots, n_lines, n_pickings, _n_partners = customer_shipments_sql(env, lot.id)
        rows[target] = {
            "lot": lot.name,
            "lots": n_lots,
            "customer_lines": n_lines,
            "shipments": n_pickings,
            "engine": [],
            "recall": [],
        }
    for i in range(runs + 1):
        for target, lot in probes.items():
            row = rows[target]
            secs_e, _q, trace = timed(env, lambda lot=lot: lot._trace_downstream())
            secs_r, _q, _res = timed(env, lambda lot=lot: p1_recall_trace(env, lot))
            if i == 0:  # warm-up run
                row["move_lines"] = len(trace.move_lines)
                continue
            row["engine"].append(secs_e)
            row["recall"].append(secs_r)
        if i:
            log(
                f"run {i}: "
                + ", ".join(
                    f"{t}: {r['engine'][-1]:.3f}/{r['recall'][-1]:.3f} s"
                    for t, r in rows.items()
                )
            )
    return rows


def linear_fit(xs, ys):
    """(intercept, slope, r2) of the least-squares line y = a + b x."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    ss_tot = sum((y - my) ** 2 for y in ys)
    return intercept, slope, 1 - ss_res / ss_tot if ss_tot else 1.0


def fits(rows):
    xs = [r["lots"] for r in rows.values()]
    return {
        m: linear_fit(xs, [statistics.median(r[m]) for r in rows.values()])
        for m in MEASURES
    }


def loglog_slopes(rows, min_lots=1000):
    """Slope of log(time) against log(lots) from ``min_lots`` up (below,
    the fixed cost of a call dominates): 1 when the time grows linearly."""
    big = [r for r in rows.values() if r["lots"] >= min_lots]
    xs = [math.log(r["lots"]) for r in big]
    return {
        m: linear_fit(xs, [math.log(statistics.median(r[m])) for r in big])[1]
        for m in MEASURES
    }


def render(db, rows, fitted, runs, info):
    out = [
        f"Recall time against affected lots on {db} "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), median of {runs} "
        f"runs (min-max), every run rolled back; {info}",
        "",
        "| probe lot | affected lots | move lines | customer shipments "
        "| engine s | stored recall s |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows.values():
        cells = [
            f"{statistics.median(r[m]):.3f} ({min(r[m]):.3f}-{max(r[m]):.3f})"
            for m in MEASURES
        ]
        out.append(
            f"| {r['lot']} | {r['lots']:,} | {r['move_lines']:,} | "
            f"{r['shipments']:,} | {cells[0]} | {cells[1]} |"
        )
    out.append("")
    slopes = loglog_slopes(rows)
    for m, label in MEASURES.items():
        a, b, r2 = fitted[m]
        out.append(
            f"{label}: time = {a:.3f} s + {b * 1e6:.1f} µs x lots, R² = {r2:.4f}; "
            f"log-log slope from 1,000 lots {slopes[m]:.2f} (1 = linear)"
        )
    return "\n".join(out)


def write_csv(path, rows):
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["probe_lot", "affected_lots", "move_lines", "customer_shipments"]
            + [f"{m}_{s}" for m in MEASURES for s in ("median_s", "min_s", "max_s")]
        )
        for r in rows.values():
            writer.writerow(
                [r["lot"], r["lots"], r["move_lines"], r["shipments"]]
                + [
                    round(f(r[m]), 4)
                    for m in MEASURES
                    for f in (statistics.median, min, max)
                ]
            )


def plot(path, db, rows, fitted):
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # noqa: PLC0415

    xs = [r["lots"] for r in rows.values()]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    colours = {"engine": "tab:blue", "recall": "tab:orange"}
    for ax, loglog in zip(axes, (False, True), strict=True):
        for m, label in MEASURES.items():
            ys = [statistics.median(r[m]) for r in rows.values()]
            lo = [y - min(r[m]) for y, r in zip(ys, rows.values(), strict=True)]
            hi = [max(r[m]) - y for y, r in zip(ys, rows.values(), strict=True)]
            a, b, r2 = fitted[m]
            ax.errorbar(
                xs, ys, yerr=[lo, hi], fmt="o", color=colours[m], capsize=3,
                label=f"{label} (R² {r2:.3f})",
            )  # fmt: skip
            lo_x, hi_x = min(xs), max(xs)
            grid = [lo_x * (hi_x / lo_x) ** (k / 200) for k in range(201)]
            if loglog:  # time proportional to lots, through the largest probe
                ax.plot(
                    grid, [ys[-1] * x / xs[-1] for x in grid], color=colours[m],
                    lw=1, ls="--",
                )  # fmt: skip
            else:
                ax.plot(grid, [a + b * x for x in grid], color=colours[m], lw=1)
        ax.set_xlabel("affected lots (downstream trace of the probe lot)")
        ax.set_ylabel("seconds (median)")
        if loglog:
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title("log-log, dashed: time proportional to lots")
        else:
            ax.set_title("linear axes, least-squares lines")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Recall time against affected lots ({db})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench_x10")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--no-update", action="store_true", help="skip -u of the add-on"
    )
    parser.add_argument("--out", default="growth", help="file stem in dev/bench/out")
    args = parser.parse_args(argv)
    if not benchlib.db_exists(args.db):
        benchlib.out(
            f"{args.db} does not exist: run dev/bench/generate.py --db {args.db}"
        )
        return 1
    if not args.no_update:
        log(f"updating {benchlib.ADDON} in {args.db} to the current code")
        benchlib.update_addon(args.db)
    ctx = {"tracking_disable": True, "mail_notrack": True}
    with benchlib.environment(args.db, context=ctx) as env:
        ids = probe_lots(env)
        if not ids:
            benchlib.out(f"{args.db} has no probe lots: generate it with --probes")
            return 1
        probes = {t: env["stock.lot"].browse(ids[t]) for t in sorted(ids)}
        env.cr.execute("SELECT COUNT(*) FROM stock_move_line WHERE state = 'done'")
        info = f"{env.cr.fetchone()[0]:,} done move lines"
        rows = measure(env, probes, args.runs)
    fitted = fits(rows)
    text = render(args.db, rows, fitted, args.runs, info)
    benchlib.out()
    benchlib.out(text)
    benchlib.OUT_DIR.mkdir(parents=True, exist_ok=True)
    (benchlib.OUT_DIR / f"{args.out}.txt").write_text(text + "\n")
    write_csv(benchlib.OUT_DIR / f"{args.out}.csv", rows)
    plot(benchlib.OUT_DIR / f"{args.out}.png", args.db, rows, fitted)
    log(f"wrote dev/bench/out/{args.out}.txt, .csv, .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
