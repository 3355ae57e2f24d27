"""P1 on the fresh and the aged benchmark databases, side by side.

Used by ``run.py`` (``--aged-db``). Every measure is taken on both
databases in the same process, run by run, the database measured first
alternating, every run in a savepoint rolled back, so that the load of the
machine weighs on both alike and the ratios compare like with like:

* engine: ``stock.lot._trace_downstream()`` of the hot lot;
* walk: the graph walk statement alone, the checkout's and the previous
  release's (``compare_trace.py``'s loading of ``--walk-rev``), one after
  the other in the same transaction, JIT off as ``_trace_graph`` sets it;
* stored recall: ``stock.recall.action_trace()`` traced in the request;
* Transfers button: Odoo's ``action_lot_open_transfers`` and its list;
* genealogy: ``stock.lot.get_genealogy()``;
* recall form and the first page of its events and customer shipments
  (``profile_recall.py``'s reads), and Odoo's own lot form of the hot lot
  (every field of its form view, 40 rows of each tab), as the web client
  reads them;
* Odoo's traceability report walked downstream (``run.py``), fewer runs:
  minutes each.

The targets are checked on the medians of the same run (ratios), see
:data:`TARGETS`.
"""

import statistics
import time

import benchlib
from compare_trace import engine_at, engine_now, graph_query
from profile_recall import form_spec, list_spec

FAST = (
    ("engine", "engine stock.lot._trace_downstream()"),
    ("walk", "graph walk statement (checkout)"),
    ("walk_rev", "graph walk statement ({rev})"),
    ("recall", "stock.recall action_trace (stored)"),
    ("transfers", "Odoo lot Transfers button (action + list)"),
    ("genealogy", "stock.lot.get_genealogy()"),
    ("recall_form", "recall form (web_read)"),
    ("events_page", "recall events, first page"),
    ("shipments_page", "recall shipments, first page"),
    ("lot_form", "Odoo lot form of the hot lot (web_read)"),
)


def log(msg):
    benchlib.out(f"[bench {time.strftime('%H:%M:%S')}] {msg}")


def lift_threshold(lot):
    """The recall is traced in the request (P1 times the trace, not its
    queueing): set before the timed part, a write on the company costs
    Odoo's own defaults ~0.1 s."""
    lot.company_id.traceability_job_trace_threshold = 0


def walk_times(env, lot, engines):
    """Seconds of the walk statement of each engine, in a savepoint."""
    out = {}
    env.flush_all()
    env.cr.execute("SAVEPOINT p1_walk")
    try:
        env.cr.execute("SET LOCAL jit = off")
        for name, engine in engines.items():
            query = graph_query(engine, lot.ids, lot.company_id.ids)
            t0 = time.perf_counter()
            env.cr.execute(query)
            env.cr.fetchall()
            out[name] = time.perf_counter() - t0
    finally:
        env.cr.execute("ROLLBACK TO SAVEPOINT p1_walk")
    return out


def view_times(env, lot, trace_fn):
    """Seconds of the recall form, its two first pages and the lot form,
    after a trace (``trace_fn``), in a savepoint."""
    env.flush_all()
    env.cr.execute("SAVEPOINT p1_views")
    try:
        lift_threshold(lot)
        recall_id = trace_fn()
        env.flush_all()
        recall = env["stock.recall"].browse(recall_id)
        reads = (
            ("recall_form", lambda: recall.web_read(form_spec(env, "stock.recall"))),
            (
                "events_page",
                lambda: env["stock.recall.event"].web_search_read(
                    [("recall_id", "=", recall.id)],
                    list_spec(env, "stock.recall.event"),
                    limit=80,
                ),
            ),
            (
                "shipments_page",
                lambda: env["stock.recall.shipment"].web_search_read(
                    [("recall_id", "=", recall.id)],
                    list_spec(env, "stock.recall.shipment"),
                    limit=80,
                ),
            ),
            ("lot_form", lambda: lot.web_read(form_spec(env, "stock.lot"))),
        )
        out = {}
        for name, fn in reads:
            env.invalidate_all()
            t0 = time.perf_counter()
            fn()
            out[name] = time.perf_counter() - t0
        return out
    finally:
        env.cr.execute("ROLLBACK TO SAVEPOINT p1_views")
        env.invalidate_all()


def measure(states, runs, walk_rev, timed, recall_fn, transfers_fn):
    """{(state, measure): [seconds]}; ``states`` = [(name, env, lot)]."""
    engines = {"walk_rev": engine_at(walk_rev), "walk": engine_now()}
    values = {(s, m): [] for s, _e, _l in states for m, _label in FAST}

    def traced_recall(env, lot):
        return recall_fn(env, lot)["id"]

    for i in range(runs + 1):
        order = states if i % 2 == 0 else states[::-1]
        for state, env, lot in order:
            got = {
                "engine": timed(env, lot._trace_downstream)[0],
                "recall": timed(
                    env,
                    lambda _arg, env=env, lot=lot: recall_fn(env, lot),
                    lambda lot=lot: lift_threshold(lot),
                )[0],
                "transfers": timed(
                    env, lambda env=env, lot=lot: transfers_fn(env, lot)
                )[0],
                "genealogy": timed(env, lot.get_genealogy)[0],
                **walk_times(env, lot, engines),
                **view_times(
                    env, lot, lambda env=env, lot=lot: traced_recall(env, lot)
                ),
            }
            if i:  # run 0 warms the caches of both databases
                for name, secs in got.items():
                    values[state, name].append(secs)
        if i:
            log(
                f"P1 run {i}: "
                + "; ".join(
                    f"{state} "
                    + " ".join(f"{m} {values[state, m][-1]:.3f}" for m, _l in FAST)
                    for state, _e, _l in states
                )
            )
    return values


def cell(values):
    if not values:
        return "-"
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def med(values):
    return statistics.median(values) if values else None


# (label, numerator, denominator or a number, limit, per state?)
TARGETS = (
    ("stored recall (s)", "recall", 1.0, 0.5),
    ("stored recall / Transfers button", "recall", "transfers", 0.5),
    ("checkout walk / {rev} walk", "walk", "walk_rev", 1.0),
    ("recall form / lot form", "recall_form", "lot_form", 0.3),
    ("events first page / lot form", "events_page", "lot_form", 0.3),
    ("shipments first page / lot form", "shipments_page", "lot_form", 0.3),
)
AGED_TARGETS = (
    ("engine", 1.2),
    ("recall", 1.2),
    ("genealogy", 1.2),
)


def render(states, values, report, walk_rev):
    """The side-by-side table and the targets, as lines of text."""
    names = [s for s, _e, _l in states]
    header = ["measure", *(f"{s} s median (min-max)" for s in names)]
    if len(names) == 2:
        header.append("aged / fresh")
    rows = []
    for measure_name, label in FAST:
        row = [label.format(rev=walk_rev)]
        row += [cell(values[s, measure_name]) for s in names]
        if len(names) == 2:
            a, f = (
                med(values[names[1], measure_name]),
                med(values[names[0], measure_name]),
            )
            row.append(f"{a / f:.2f}x" if a and f else "-")
        rows.append(row)
    row = ["Odoo traceability report, downstream walk"]
    row += [cell(report[s][0]) + report[s][1] for s in names]
    if len(names) == 2:
        a, f = med(report[names[1]][0]), med(report[names[0]][0])
        row.append(f"{a / f:.2f}x" if a and f else "-")
    rows.append(row)
    lines = table(header, rows)
    lines.append("")
    target_rows = []
    missed = []
    for label, num, den, limit in TARGETS:
        label = label.format(rev=walk_rev)
        row = [label]
        for s in names:
            n = med(values[s, num])
            d = den if isinstance(den, float) else med(values[s, den])
            ratio = n / d if n is not None and d else None
            ok = ratio is not None and ratio <= limit
            if ratio is not None and not ok:
                missed.append(f"{label} ({s}): {ratio:.2f} > {limit}")
            row.append(f"{ratio:.2f} ({'met' if ok else 'MISSED'})" if ratio else "-")
        row.append(f"<= {limit}" if limit != 0.5 or den != 1.0 else "< 0.5 s")
        target_rows.append(row)
    for s in names:
        n, r = med(values[s, "engine"]), med(report[s][0])
        if n and r:
            target_rows.append(
                [f"report walk / engine ({s})", f"{report[s][1] or ''}{r / n:.0f}x"]
                + ["" for _ in names[1:]]
                + ["speed-up"]
            )
    if len(names) == 2:
        for measure_name, limit in AGED_TARGETS:
            a, f = (
                med(values[names[1], measure_name]),
                med(values[names[0], measure_name]),
            )
            ratio = a / f
            ok = ratio <= limit
            if not ok:
                missed.append(f"aged / fresh {measure_name}: {ratio:.2f} > {limit}")
            target_rows.append(
                [
                    f"{measure_name}: aged / fresh",
                    f"{ratio:.2f} ({'met' if ok else 'MISSED'})",
                    "",
                    f"<= {limit}",
                ]
            )
    lines += table(["target", *names, "limit"], target_rows)
    return lines, missed


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row):
        cells = [str(c).ljust(w) for c, w in zip(row, widths, strict=False)]
        return "| " + " | ".join(cells) + " |"

    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [
        line(r) for r in rows
    ]
