#!/usr/bin/env python3
"""Benchmarks P1-P4 (recall trace, validation, assignment, health check),
side by side with standard Odoo.

    .venv/bin/python dev/bench/run.py [--db slt_bench] [--runs 5] [--only P1,P2]

Needs the benchmark database (dev/bench/generate.py; ``make bench`` builds it
when missing). Every figure is the median of ``--runs`` runs with min and
max; every run happens inside a savepoint rolled back afterwards, so the
database is not changed. The table goes to stdout and dev/bench/out/latest.txt.
"""

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import traceback

import benchlib
import explain_trace
import p1_states

ROWS = []
NOTES = []
P1_TABLE = []


def log(msg):
    benchlib.out(f"[bench {time.strftime('%H:%M:%S')}] {msg}")


class Timeout(Exception):
    pass


def sql_counter():
    from odoo import sql_db  # noqa: PLC0415

    return sql_db.sql_counter


def in_savepoint(env, fn):
    """Run ``fn()`` in a savepoint rolled back afterwards; return its result."""
    env.flush_all()
    sp = env.cr.savepoint()
    try:
        return fn()
    finally:
        env.invalidate_all(flush=False)
        sp.close(rollback=True)
        env.invalidate_all(flush=False)


def timed(env, fn, setup=None):
    """(seconds, queries, result) of ``fn(setup())``, all rolled back."""

    def run():
        arg = setup() if setup else None
        env.flush_all()
        env.invalidate_all()
        q0 = sql_counter()
        t0 = time.perf_counter()
        res = fn(arg) if setup else fn()
        env.flush_all()
        return time.perf_counter() - t0, sql_counter() - q0, res

    return in_savepoint(env, run)


def first_call_through(name, args, fn, first):
    """``fn``; when ``--profile`` names this benchmark, its first call runs
    ``first(*a)`` instead (which calls ``fn`` and records a profile)."""
    if name not in (args.profile or "").upper().split(","):
        return fn
    done = []

    def wrapper(*a):
        if done:
            return fn(*a)
        done.append(True)
        return first(*a)

    return wrapper


def write_profile(name, kind, label, text):
    path = benchlib.OUT_DIR / f"{kind}-{name}.txt"
    benchlib.OUT_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    NOTES.append(f"{name} {label} of the first run: {path}")


def profiled(name, args, fn):
    """``fn`` wrapped in cProfile when ``--profile`` names this benchmark:
    the first call writes dev/bench/out/profile-<name>.txt (top 40, cumulative)."""

    def first(*a):
        prof = cProfile.Profile()
        try:
            return prof.runcall(fn, *a)
        finally:
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(40)
            write_profile(name, "profile", "profile", out.getvalue())

    return first_call_through(name, args, fn, first)


def sql_profiled(name, args, env, fn):
    """``fn`` with every SQL statement timed when ``--profile`` names this
    benchmark: the first call writes the slowest statements to
    dev/bench/out/sql-<name>.txt."""

    def first(*a):
        cr = env.cr
        original = cr.execute
        timings = []

        def execute(query, params=None, log_exceptions=True):
            t0 = time.perf_counter()
            try:
                return original(query, params, log_exceptions)
            finally:
                text = query.code if hasattr(query, "code") else str(query)
                timings.append((time.perf_counter() - t0, " ".join(text.split())))

        cr.execute = execute
        try:
            return fn(*a)
        finally:
            del cr.execute
            timings.sort(reverse=True)
            total = sum(t for t, _q in timings)
            lines = [f"{len(timings)} statements, {total:.2f} s in SQL"]
            lines += [f"{t:8.3f} s  {q[:400]}" for t, q in timings[:15]]
            write_profile(name, "sql", "SQL profile", "\n".join(lines) + "\n")

    return first_call_through(name, args, fn, first)


def stats(values):
    return statistics.median(values), min(values), max(values)


def add_row(bench, what, values, target="", note="", fmt="{:.3f}"):
    if values and min(values) >= 10:
        fmt = "{:.1f}"
    if values:
        med, lo, hi = stats(values)
        cells = (fmt.format(med), fmt.format(lo), fmt.format(hi), str(len(values)))
    else:
        cells = ("-", "-", "-", "0")
    ROWS.append((bench, what, *cells, target, note))
    log(f"{bench} {what}: {cells} {target} {note}")


def skip(bench, what, why):
    ROWS.append((bench, what, "-", "-", "-", "0", "", why))
    log(f"{bench} {what}: {why}")


# ----------------------------------------------------------------------
# P1: recall trace of the most-shipped lot
# ----------------------------------------------------------------------


def hot_lot(env):
    env.cr.execute(
        "SELECT id FROM stock_lot WHERE name LIKE 'HOT-RAW-%%' ORDER BY id LIMIT 1"
    )
    row = env.cr.fetchone()
    return env["stock.lot"].browse(row[0]) if row else None


def customer_shipments_sql(env, lot_id):
    from generate import HOT_SHIPMENTS_SQL  # noqa: PLC0415

    env.cr.execute(HOT_SHIPMENTS_SQL, (lot_id,))
    return env.cr.fetchone()


def report_downstream(env, lot, deadline, every_arrow=False):
    """Walk downstream with Odoo's traceability report only, as a user would.

    Open the lot's report (``get_main_lines`` for the lot); for every line
    consumed in a manufacturing order (``is_used``) click its up/downstream
    arrow (``get_main_lines`` for that move line), which lists the finished
    lines; open the report of each finished lot reached, and so on. With
    ``every_arrow`` every unfoldable line is unfolded recursively too
    (``get_lines`` for the line). Returns (lots, lines, customer lines).
    """
    report = env["stock.traceability.report"]
    seen_lots = {lot.id}
    todo = [lot.id]
    n_lines = 0
    shipments = set()
    unfolded = set()

    def check_time():
        if time.perf_counter() > deadline:
            raise Timeout

    def unfold(line):
        for sub in report.get_lines(
            line["id"],
            model_name=line["model"],
            model_id=line["model_id"],
            level=line["level"] + 30,
        ):
            check_time()
            if sub["unfoldable"] and sub["model_id"] not in unfolded:
                unfolded.add(sub["model_id"])
                unfold(sub)

    t0 = time.perf_counter()
    opened = 0
    while todo:
        lot_id = todo.pop()
        opened += 1
        if opened % 2000 == 0:
            log(
                f"  report walk: {opened} lots opened, {len(todo)} to open, "
                f"{n_lines} lines, {time.perf_counter() - t0:.0f} s"
            )
        lines = report.get_main_lines(
            {"active_id": lot_id, "model": "stock.lot", "auto_unfold": False}
        )
        n_lines += len(lines)
        for line in lines:
            check_time()
            if line["picking_type_code"] == "outgoing" and line["usage"] == "out":
                shipments.add(line["model_id"])
            if line["is_used"]:
                produced = report.get_main_lines(
                    {
                        "active_id": line["model_id"],
                        "model": "stock.move.line",
                        "lot_name": line["lot_name"],
                        "auto_unfold": True,
                    }
                )
                n_lines += len(produced)
                for prod in produced:
                    if prod["lot_id"] and prod["lot_id"] not in seen_lots:
                        seen_lots.add(prod["lot_id"])
                        todo.append(prod["lot_id"])
            if every_arrow and line["unfoldable"] and line["model_id"] not in unfolded:
                unfolded.add(line["model_id"])
                unfold(line)
    return len(seen_lots), n_lines, len(shipments)


def p1_recall_trace(env, lot):
    """The stored recall, traced in the request (the background threshold of
    the company is lifted: P1 times the trace itself, not its queueing)."""
    if lot.company_id.traceability_job_trace_threshold:
        # a write on the company costs Odoo ~0.1 s (account's defaults):
        # callers that time the trace lift the threshold beforehand
        lot.company_id.traceability_job_trace_threshold = 0
    recall_model = env["stock.recall"]
    vals = {
        "lot_ids": [(6, 0, lot.ids)],
        "reason": "benchmark",
        "direction": "downstream",
    }
    recall = recall_model.create(vals)
    recall.action_trace()
    return recall.read(["shipment_count", "customer_count"])[0]


def p1_transfers(env, lot):
    action = lot.action_lot_open_transfers()
    domain = action.get("domain") or [("id", "=", action.get("res_id"))]
    rows = env["stock.picking"].search_read(
        domain, ["name", "partner_id", "scheduled_date", "origin", "state"], limit=80
    )
    return env["stock.picking"].search_count(domain), rows


def p1_report_runs(env, args, lot):
    """Odoo's report, unfolded downstream; bounded in time and total budget."""
    values = []
    timed_out = False
    report_runs = min(args.runs, args.report_runs)
    for i in range(report_runs):
        deadline = time.perf_counter() + args.report_timeout

        def unfold_report(deadline=deadline):
            return report_downstream(env, lot, deadline, every_arrow=args.every_arrow)

        try:
            secs, queries, (r_lots, r_lines, r_ship) = timed(env, unfold_report)
        except Timeout:
            timed_out = True
            values.append(args.report_timeout)
            log(f"P1 report run {i + 1} timed out after {args.report_timeout} s")
            break
        values.append(secs)
        log(f"P1 report run {i + 1}: {secs:.1f} s")
        if i == 0:
            NOTES.append(
                f"P1 report: {r_lots} lots opened, {r_lines} report lines, "
                f"{r_ship} customer lines seen, {queries} queries."
            )
        if secs * (report_runs - i - 1) > args.report_budget:
            NOTES.append(
                f"P1 report: stopped after {i + 1} run(s) ({secs:.0f} s each; "
                f"the next runs would exceed the {args.report_budget:.0f} s budget)."
            )
            break
    return values, timed_out


def p1_plans(states):
    """Each missed target explained with its plans: the walk's and the
    trace statement's ``EXPLAIN (ANALYZE, BUFFERS)`` on each database,
    written by ``explain_trace.py``'s code to ``dev/bench/out``, and what
    each says of its cost (``explain_trace.summarize``); the reasons are in
    ``dev/bench/README.rst`` › Targets missed, and why."""
    notes = []
    for state, state_env, lot in states:
        for what, path in explain_trace.write_plans(state_env, lot).items():
            notes.append(
                f"P1 plan of the {what} ({state}, {path.relative_to(benchlib.ROOT)}): "
                f"{explain_trace.summarize(path.read_text())}"
            )
    return notes


def bench_p1(env, args, aged_env=None):
    """P1 on the fresh database and, with ``--aged-db``, on the aged one,
    side by side (``p1_states``); then Odoo's report walk on each."""
    states = []
    for state, state_env in (("fresh", env), ("aged", aged_env)):
        if state_env is None:
            continue
        lot = hot_lot(state_env)
        if not lot:
            skip("P1", "recall trace", "no HOT-RAW lot: run dev/bench/generate.py")
            return
        n_lots, n_cust_lines, n_pickings, n_partners = customer_shipments_sql(
            state_env, lot.id
        )
        trace = lot._trace_downstream()
        NOTES.append(
            f"P1 {state} ({state_env.cr.dbname}): lot {lot.name} (id {lot.id}), "
            f"{n_lots} downstream lots, {n_cust_lines} customer shipment lines in "
            f"{n_pickings} deliveries to {n_partners} customers (SQL ground truth); "
            f"the engine reaches {len(trace.lots)} lots, {len(trace.move_lines)} lines."
        )
        states.append((state, state_env, lot))
    recall = sql_profiled("P1R", args, env, p1_recall_trace)
    values = p1_states.measure(
        states, args.runs, args.walk_rev, timed, recall, p1_transfers
    )
    report = {}
    for state, state_env, lot in states:
        runs, timed_out = p1_report_runs(state_env, args, lot)
        report[state] = (runs, "> " if timed_out else "")
    lines, missed = p1_states.render(states, values, report, args.walk_rev)
    P1_TABLE.extend(lines)
    NOTES.extend(f"P1 target MISSED: {m}" for m in missed)
    if missed:
        NOTES.extend(p1_plans(states))
    NOTES.append(
        "P1: the Transfers button follows produce lines but returns deliveries "
        "only (no intermediate lots, stock or events)."
    )


# ----------------------------------------------------------------------
# P2: validation of 1,000-serial receipts/deliveries, rules on vs off
# ----------------------------------------------------------------------


class P2:
    def __init__(self, env):
        self.env = env
        self.wh = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        self.counter = 0

    def product(self):
        self.counter += 1
        return self.env["product.product"].create(
            {
                "name": f"P2 serial {self.counter}",
                "is_storable": True,
                "tracking": "serial",
            }
        )

    def receipt(self, product, n):
        env = self.env
        wh = self.wh
        picking = env["stock.picking"].create(
            {
                "picking_type_id": wh.in_type_id.id,
                "location_id": env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": wh.lot_stock_id.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": n,
                            "location_id": env.ref("stock.stock_location_suppliers").id,
                            "location_dest_id": wh.lot_stock_id.id,
                        },
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        tag = f"P2-{product.id}-{self.counter}-"
        env["stock.move.line"].create(
            [
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": product.id,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                    "lot_name": f"{tag}{i:05d}",
                    "quantity": 1,
                    "picked": True,
                }
                for i in range(n)
            ]
        )
        move.picked = True
        return picking

    def delivery(self, product, n):
        env = self.env
        wh = self.wh
        self.validate(self.receipt(product, n))
        picking = env["stock.picking"].create(
            {
                "picking_type_id": wh.out_type_id.id,
                "location_id": wh.lot_stock_id.id,
                "location_dest_id": env.ref("stock.stock_location_customers").id,
                "partner_id": env["res.partner"].search([], limit=1).id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": n,
                            "location_id": wh.lot_stock_id.id,
                            "location_dest_id": env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        },
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        assert sum(picking.move_line_ids.mapped("quantity")) == n, (
            "delivery not reserved"
        )
        picking.move_ids.picked = True
        return picking

    def validate(self, picking):
        res = picking.with_context(skip_sms=True, skip_backorder=True).button_validate()
        assert picking.state == "done", f"{picking.name} not done: {res}"
        return res

    def set_rules(self, on):
        self.env.company.strict_traceability = on
        self.env.flush_all()


def p2_timings(env, args, p2):
    """{(kind, rules_on): [seconds or None]}, on/off interleaved."""
    results = {}
    validate_on = profiled("P2", args, p2.validate)
    for i in range(args.runs):
        for on in (True, False) if i % 2 == 0 else (False, True):
            for kind in ("receipt", "delivery"):

                def setup(kind=kind, on=on):
                    p2.set_rules(on)
                    return getattr(p2, kind)(p2.product(), args.p2_lines)

                try:
                    validate = validate_on if on else p2.validate
                    secs, _q, _r = timed(env, validate, setup)
                except Exception as e:  # noqa: BLE001
                    log(f"P2 {kind} rules {'on' if on else 'off'} failed: {e!r}")
                    traceback.print_exc()
                    secs = None
                results.setdefault((kind, on), []).append(secs)
                log(f"P2 run {i + 1} {kind} rules {'on' if on else 'off'}: {secs}")
    return results


def p2_query_counts(env, args, p2):
    counts = {}
    for lines in (100, args.p2_lines):
        for on in (True, False):
            for kind in ("receipt", "delivery"):

                def setup(kind=kind, on=on, lines=lines):
                    p2.set_rules(on)
                    return getattr(p2, kind)(p2.product(), lines)

                try:
                    _s, queries, _r = timed(env, p2.validate, setup)
                except Exception as e:  # noqa: BLE001
                    log(f"P2 query count {kind} {lines} failed: {e!r}")
                    queries = None
                counts[(kind, lines, on)] = queries
    for kind in ("receipt", "delivery"):
        parts = []
        for lines in (100, args.p2_lines):
            q_on, q_off = counts[(kind, lines, True)], counts[(kind, lines, False)]
            extra = q_on - q_off if None not in (q_on, q_off) else "?"
            parts.append(f"{lines} lines: on {q_on}, off {q_off}, rules {extra}")
        NOTES.append(f"P2 queries to validate a {kind}: " + "; ".join(parts))


def bench_p2(env, args):
    p2 = P2(env)
    n = args.p2_lines
    results = p2_timings(env, args, p2)
    for kind in ("receipt", "delivery"):
        on = [v for v in results.get((kind, True), []) if v is not None]
        off = [v for v in results.get((kind, False), []) if v is not None]
        note = ""
        if on and off:
            overhead = statistics.median(on) / statistics.median(off) - 1
            note = f"overhead {overhead * 100:+.1f} %"
        failed = sum(v is None for v in results.get((kind, True), []))
        if failed:
            note += f" ({failed} run(s) with rules on FAILED)"
        add_row("P2", f"validate {n}-serial {kind}, rules ON", on, "<= +15 %", note)
        add_row("P2", f"validate {n}-serial {kind}, rules OFF", off, "")
    p2_query_counts(env, args, p2)


# ----------------------------------------------------------------------
# P3: retroactive assignment of 10,000 serials over 100 locations
# ----------------------------------------------------------------------


def p3_setup(env, n_locations, per_location):
    # P3 times the assignment itself, applied in the request: the company's
    # background threshold is lifted inside the rolled-back run
    env.company.traceability_job_assign_threshold = 0
    stock = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    stock = stock.lot_stock_id
    locations = env["stock.location"].search(
        [("name", "like", "BENCH-BIN-"), ("location_id", "=", stock.id)],
        limit=n_locations,
        order="name",
    )
    if len(locations) < n_locations:
        locations |= env["stock.location"].create(
            [
                {"name": f"P3-{i:03d}", "location_id": stock.id}
                for i in range(n_locations - len(locations))
            ]
        )
    product = env["product.product"].create(
        {"name": "P3 legacy product", "is_storable": True, "tracking": "none"}
    )
    quant = env["stock.quant"]
    for location in locations:
        quant._update_available_quantity(product, location, per_location)
    env.flush_all()
    product.tracking = "serial"
    env.flush_all()
    return product, locations


def p3_assign(env, product, locations, total):
    """Generate one serial per unit with the assignment wizard; apply; check."""
    wizard_model = env["stock.lot.assign"]
    vals = {
        "product_ids": [(6, 0, product.ids)],
        "mode": "serials",
        "name_prefix": "P3SN-",
        "first_number": 1,
        "padding": 6,
    }
    wizard = wizard_model.with_context(
        active_model="product.product", active_ids=product.ids
    ).create(vals)
    wizard.action_preview()
    wizard.action_apply()
    env.flush_all()
    env.cr.execute(
        """SELECT COUNT(*) FROM stock_quant WHERE product_id = %s AND lot_id IS NOT NULL
              AND quantity = 1""",
        (product.id,),
    )
    tracked = env.cr.fetchone()[0]
    assert tracked == total, f"{tracked} serial quants instead of {total}"
    return tracked


def bench_p3(env, args):
    values = []
    error = ""
    for _i in range(args.runs):
        try:
            secs, queries, _r = timed(
                env,
                profiled(
                    "P3", args, lambda setup: p3_assign(env, *setup, total=10_000)
                ),
                lambda: p3_setup(env, 100, 100),
            )
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            error = f"failed: {e!r}"[:200]
            break
        values.append(secs)
        if len(values) == 1:
            NOTES.append(f"P3 queries: {queries}")
    add_row(
        "P3",
        "retroactive assignment 10,000 serials / 100 locations",
        values,
        "< 60 s",
        error,
    )


# ----------------------------------------------------------------------
# P4: traceability health check
# ----------------------------------------------------------------------


P4_ANOMALIES = (
    # 100 serials with 2 units on hand
    """UPDATE stock_quant SET quantity = 2 WHERE id IN (
         SELECT q.id FROM stock_quant q JOIN stock_lot lot ON lot.id = q.lot_id
          WHERE lot.name LIKE 'SN-%%' AND q.quantity = 1 ORDER BY q.id LIMIT 100)""",
    # 100 negative lot quants
    """UPDATE stock_quant SET quantity = -5 WHERE id IN (
         SELECT q.id FROM stock_quant q JOIN stock_lot lot ON lot.id = q.lot_id
          WHERE lot.name LIKE 'LOT-%%' AND q.quantity > 5 ORDER BY q.id LIMIT 100)""",
    # 1,000 untracked quants of tracked products
    """INSERT INTO stock_quant (product_id, company_id, location_id, quantity,
                                reserved_quantity, in_date)
       SELECT p.id, 1, l.id, 3, 0, now() at time zone 'UTC'
         FROM (SELECT pp.id FROM product_product pp
                 JOIN product_template pt ON pt.id = pp.product_tmpl_id
                WHERE pt.default_code LIKE 'BENCH-LOT-%%' ORDER BY pp.id LIMIT 10) p
        CROSS JOIN (SELECT id FROM stock_location WHERE name LIKE 'BENCH-BIN-%%'
                     ORDER BY id LIMIT 100) l""",
)


def p4_inject(env):
    """Seed known problems (rolled back with the run): the check must find them."""
    for sql in P4_ANOMALIES:
        env.cr.execute(sql)
    env.invalidate_all()


def bench_p4(env, args):
    model = env["stock.traceability.health"]
    for label, setup in (("clean DB", None), ("1,200 seeded problems", p4_inject)):
        values = []
        error = ""
        run = profiled("P4", args, lambda _arg=None: model._collect_findings())
        for _i in range(args.runs):
            try:
                if setup:
                    secs, queries, res = timed(env, run, lambda s=setup: s(env))
                else:
                    secs, queries, res = timed(env, run)
            except Exception as e:  # noqa: BLE001
                traceback.print_exc()
                error = f"failed: {e!r}"[:200]
                break
            values.append(secs)
            if len(values) == 1:
                NOTES.append(
                    f"P4 {label}: _collect_findings() returned {len(res)} findings, "
                    f"{queries} queries"
                )
        add_row("P4", f"health check, {label}", values, "< 5 s", error)


# ----------------------------------------------------------------------


def render(db, marker, args, elapsed):
    header = (
        "bench",
        "measure",
        "median s",
        "min s",
        "max s",
        "runs",
        "target",
        "note",
    )
    widths = [max(len(str(r[i])) for r in [header, *ROWS]) for i in range(len(header))]

    def line(row):
        return (
            "| "
            + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False))
            + " |"
        )

    out = [
        f"Benchmarks on {db} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), "
        f"runs={args.runs}, {elapsed:.0f} s total, load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs",
        f"DB: {json.dumps(marker)}" if marker else "DB: (no marker)",
        "",
        *(["P1 (hot lot), side by side:", "", *P1_TABLE, ""] if P1_TABLE else []),
        line(header),
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        *[line(r) for r in ROWS],
        "",
        *[f"- {n}" for n in NOTES],
    ]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="P1,P2,P3,P4")
    parser.add_argument("--report-timeout", type=float, default=600)
    parser.add_argument("--report-runs", type=int, default=5)
    parser.add_argument(
        "--report-budget", type=float, default=1200, help="max seconds of report runs"
    )
    parser.add_argument("--every-arrow", action="store_true")
    parser.add_argument(
        "--aged-db",
        help="P1 also on this database (dev/bench/age.py), side by side",
    )
    parser.add_argument(
        "--walk-rev", default="8b2ad45", help="release whose walk P1 compares"
    )
    parser.add_argument("--p2-lines", type=int, default=1000)
    parser.add_argument(
        "--no-update", action="store_true", help="skip -u of the add-on"
    )
    parser.add_argument("--profile", default="", help="e.g. P3,P1R: profile run 1")
    parser.add_argument("--out", default="latest.txt", help="file in dev/bench/out")
    parser.add_argument(
        "--fail-on-error",
        action="store_true",
        help="exit status 1 when a benchmark raised (the CI smoke)",
    )
    args = parser.parse_args(argv)
    if not benchlib.db_exists(args.db):
        benchlib.out(
            f"{args.db} does not exist: run dev/bench/generate.py --db {args.db}"
        )
        return 1
    if args.aged_db and not benchlib.db_exists(args.aged_db):
        benchlib.out(f"{args.aged_db} does not exist: run dev/bench/age.py")
        return 1
    if not args.no_update:
        for db in filter(None, (args.db, args.aged_db)):
            log(f"updating {benchlib.ADDON} in {db} to the current code")
            benchlib.update_addon(db)
    from generate import read_marker  # noqa: PLC0415

    marker = read_marker(args.db)
    t0 = time.time()
    errors = []
    only = [x.strip().upper() for x in args.only.split(",") if x.strip()]
    ctx = {"tracking_disable": True, "mail_notrack": True}
    with contextlib.ExitStack() as stack:
        env = stack.enter_context(benchlib.environment(args.db, context=ctx))
        aged_env = None
        if args.aged_db and "P1" in only:
            aged_env = stack.enter_context(
                benchlib.environment(args.aged_db, context=ctx)
            )
        benches = {
            "P1": lambda env, args: bench_p1(env, args, aged_env),
            "P2": bench_p2,
            "P3": bench_p3,
            "P4": bench_p4,
        }
        for name in only:
            fn = benches[name]
            log(f"--- {name}")
            try:
                fn(env, args)
            except Exception as e:  # noqa: BLE001
                traceback.print_exc()
                skip(name, "benchmark", f"error: {e!r}"[:200])
                errors.append(name)
                env.cr.rollback()
    text = render(args.db, marker, args, time.time() - t0)
    benchlib.out("")
    benchlib.out(text)
    benchlib.OUT_DIR.mkdir(parents=True, exist_ok=True)
    (benchlib.OUT_DIR / args.out).write_text(text + "\n")
    return 1 if errors and args.fail_on_error else 0


if __name__ == "__main__":
    sys.exit(main())
