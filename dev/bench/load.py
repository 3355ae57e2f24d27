#!/usr/bin/env python3
"""Load and fault test: concurrent JSON-RPC clients on a multi-process Odoo.

    .venv/bin/python dev/bench/load.py [--clients 8] [--duration 60] [--kill]

Copies a small database (the benchmark generator at a small scale), starts
``odoo-bin --workers=4`` on 127.0.0.1 (port 8099 by default) and drives it
with concurrent clients for a bounded time: receipts and deliveries of an
overlapping pool of serial numbers, retroactive assignments of untracked
stock and recall traces (each skipped when its API is missing). Then it
checks the invariants in SQL: no serial with more than one unit on hand
(internal + transit), no negative lot quant in internal locations, every
lot with stock on hand has incoming history, no half-applied assignment run.
``--kill`` SIGKILLs a worker in the middle of validations, restarts the
server at the end and checks the same invariants. Only 127.0.0.1 traffic.
"""

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import benchlib

CLEAN_ERRORS = (
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.RedirectWarning",
    "odoo.exceptions.MissingError",
    "odoo.addons.stock_lot_traceability.exceptions.",
)
PASSWORD = "load-test-pw"  # noqa: S105 - throwaway local test database
SERIAL_POOL = 120
PHASE_LOCK = threading.Lock()


def log(msg):
    print(f"[load {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------
# database and server
# ----------------------------------------------------------------------


def prepare_db(db, source):
    if not benchlib.db_exists(source):
        log(f"building {source} (generator, scale 0.01)")
        subprocess.run(
            [
                str(benchlib.VENV_PY),
                str(benchlib.ROOT / "dev" / "bench" / "generate.py"),
                "--db",
                source,
                "--scale",
                "0.01",
            ],
            check=True,
        )
    benchlib.drop_db(db)
    subprocess.run(["createdb", "-T", source, db], check=True)
    benchlib.copy_filestore(source, db)
    log(f"{db} copied from {source}; updating the add-on")
    benchlib.update_addon(db)
    with benchlib.environment(
        db, commit=True, context={"tracking_disable": True}
    ) as env:
        group_ids = [
            env.ref("stock.group_stock_manager").id,
            env.ref("stock.group_production_lot").id,
        ]
        recall_group = env.ref(
            "stock_lot_traceability.group_recall_manager", raise_if_not_found=False
        )
        if recall_group:
            group_ids.append(recall_group.id)
        users = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                [
                    {
                        "name": f"Load user {i}",
                        "login": f"load{i}",
                        "password": PASSWORD,
                        "group_ids": [
                            (6, 0, [env.ref("base.group_user").id, *group_ids])
                        ],
                    }
                    for i in range(1, 17)
                ]
            )
        )
        wh = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        serial = env["product.product"].create(
            {
                "name": "LOAD serial",
                "default_code": "LOAD-SN",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        legacy = env["product.product"].create(
            [
                {
                    "name": f"LOAD legacy {i}",
                    "default_code": f"LOAD-LEG-{i}",
                    "is_storable": True,
                    "tracking": "none",
                }
                for i in range(1, 5)
            ]
        )
        bins = env["stock.location"].search(
            [("name", "like", "BENCH-BIN-")], limit=10, order="name"
        )
        # legacy stock, entered by inventory adjustment (so it has history)
        env["stock.quant"].with_context(inventory_mode=True).create(
            [
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "inventory_quantity": 20,
                }
                for product in legacy
                for location in bins
            ]
        ).action_apply_inventory()
        env.flush_all()
        legacy.write({"tracking": "serial"})
        hot = env["stock.lot"].search([("name", "like", "HOT-RAW-")], limit=1)
        seeds = env["stock.lot"].search([("name", "like", "RAW-")], limit=5) | hot
        config = {
            "users": users.mapped("login"),
            "serial_product": serial.id,
            "legacy_products": legacy.ids,
            "stock": wh.lot_stock_id.id,
            "supplier": env.ref("stock.stock_location_suppliers").id,
            "customer": env.ref("stock.stock_location_customers").id,
            "in_type": wh.in_type_id.id,
            "out_type": wh.out_type_id.id,
            "partner": env["res.partner"]
            .search([("customer_rank", ">", 0)], limit=1)
            .id,
            "seed_lots": seeds.ids,
            "has_assign": "stock.lot.assign" in env,
            "has_recall": "stock.recall" in env,
        }
    return config


def worker_pids(master_pid):
    try:
        with open(f"/proc/{master_pid}/task/{master_pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class Server:
    def __init__(self, db, port, workers):
        self.db = db
        self.port = port
        self.workers = workers
        self.proc = None
        self.log_path = benchlib.ROOT / ".logs" / f"load-{db}.log"

    def start(self):
        self.log_path.parent.mkdir(exist_ok=True)
        cmd = [
            str(benchlib.VENV_PY),
            os.path.join(benchlib.odoo_src(), "odoo-bin"),
            "-c",
            str(benchlib.ODOORC),
            "-d",
            self.db,
            "--db-filter",
            f"^{self.db}$",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(self.port + 1),
            f"--workers={self.workers}",
            "--max-cron-threads=0",
            "--limit-time-real=300",
            "--limit-time-cpu=240",
            "--limit-memory-soft=2147483648",
            "--limit-memory-hard=2684354560",
            "--logfile",
            str(self.log_path),
        ]
        self.proc = subprocess.Popen(  # noqa: S603
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                urllib.request.urlopen(  # noqa: S310
                    urllib.request.Request(
                        f"http://127.0.0.1:{self.port}/web/webclient/version_info",
                        data=b'{"jsonrpc":"2.0","params":{}}',
                        headers={"Content-Type": "application/json"},
                    ),
                    timeout=5,
                )
                log(
                    f"server up on 127.0.0.1:{self.port}, pid {self.proc.pid}, "
                    f"workers {worker_pids(self.proc.pid)}"
                )
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        self.stop()
        raise RuntimeError(f"Odoo did not start (see {self.log_path})")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# ----------------------------------------------------------------------
# JSON-RPC clients
# ----------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_op = collections.defaultdict(collections.Counter)
        self.errors = collections.Counter()

    def add(self, op, outcome, detail=None):
        with self.lock:
            self.by_op[op][outcome] += 1
            if detail and outcome != "served":
                self.errors[(op, outcome, detail[:160])] += 1


class RpcError(Exception):
    def __init__(self, kind, detail):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class Client(threading.Thread):
    def __init__(self, idx, args, config, stats, deadline, phase, barrier=None):
        super().__init__(daemon=True)
        self.idx = idx
        self.args = args
        self.cfg = config
        self.stats = stats
        self.deadline = deadline
        self.phase = phase
        self.barrier = barrier
        self.rnd = random.Random(1000 + idx)
        self.login = config["users"][idx % len(config["users"])]
        self.uid = None
        self.url = f"http://127.0.0.1:{args.port}/jsonrpc"

    def call(self, service, method, *args):
        payload = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": self.rnd.randint(1, 10**9),
                "params": {"service": service, "method": method, "args": args},
            }
        ).encode()
        req = urllib.request.Request(
            self.url, data=payload, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=300) as resp:  # noqa: S310
                body = json.loads(resp.read())
        except urllib.error.HTTPError as e:
            raise RpcError("server_error", f"HTTP {e.code}") from e
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
            raise RpcError("connection", f"{type(e).__name__}: {e}") from e
        if "error" in body:
            data = body["error"].get("data") or {}
            name = data.get("name", "")
            message = data.get("message") or body["error"].get("message") or ""
            kind = "rejected" if name.startswith(CLEAN_ERRORS) else "server_error"
            raise RpcError(
                kind, f"{name}: {message.splitlines()[0] if message else ''}"
            )
        return body.get("result")

    def ex(self, model, method, *args, **kw):
        return self.call(
            "object",
            "execute_kw",
            self.args.db,
            self.uid,
            PASSWORD,
            model,
            method,
            list(args),
            kw,
        )

    def run(self):
        self.uid = self.call("common", "login", self.args.db, self.login, PASSWORD)
        # warm every worker up (registry loading) before the clock starts
        self.ex("stock.lot", "search_count", [])
        if self.barrier:
            self.barrier.wait()
        ops = [self.receipt, self.receipt, self.delivery, self.delivery, self.delivery]
        if self.cfg["has_assign"]:
            ops.append(self.assign)
        if self.cfg["has_recall"]:
            ops.append(self.trace)
        ops.append(self.report)
        while time.time() < self.deadline["at"]:
            op = self.rnd.choice(ops)
            try:
                op()
                self.stats.add(op.__name__, "served")
            except RpcError as e:
                self.stats.add(op.__name__, e.kind, e.detail)
                if e.kind == "connection":
                    time.sleep(0.5)
            self.phase["requests"] += 1

    # -- operations --------------------------------------------------------
    def validate(self, picking_id):
        with PHASE_LOCK:
            self.phase["validating"] += 1
        try:
            return self.ex(
                "stock.picking",
                "button_validate",
                [picking_id],
                context={"skip_sms": True, "skip_backorder": True},
            )
        finally:
            with PHASE_LOCK:
                self.phase["validating"] -= 1

    def transfer(self, kind, serials):
        """Create, confirm, fill with one line per serial and validate a
        receipt (``serials`` are names) or a delivery (lot ids)."""
        cfg = self.cfg
        if kind == "receipt":
            type_key, src, dst, lot_key = "in_type", "supplier", "stock", "lot_name"
        else:
            type_key, src, dst, lot_key = "out_type", "stock", "customer", "lot_id"
        route = {"location_id": cfg[src], "location_dest_id": cfg[dst]}
        move_vals = {
            "product_id": cfg["serial_product"],
            "product_uom_qty": len(serials),
            **route,
        }
        picking_vals = {
            "picking_type_id": cfg[type_key],
            "move_ids": [(0, 0, move_vals)],
            **route,
        }
        if kind == "delivery":
            picking_vals["partner_id"] = cfg["partner"]
        picking_id = self.ex("stock.picking", "create", picking_vals)
        self.ex("stock.picking", "action_confirm", [picking_id])
        move = self.ex(
            "stock.move",
            "search_read",
            [("picking_id", "=", picking_id)],
            fields=["id", "move_line_ids"],
        )[0]
        new_lines = [
            (
                0,
                0,
                {
                    lot_key: serial,
                    "quantity": 1,
                    "product_id": cfg["serial_product"],
                    "picking_id": picking_id,
                    **route,
                },
            )
            for serial in serials
        ]
        self.ex(
            "stock.move",
            "write",
            [move["id"]],
            {
                "move_line_ids": [(2, ml) for ml in move["move_line_ids"]] + new_lines,
                "picked": True,
            },
        )
        self.validate(picking_id)

    def receipt(self):
        """Receive 1-5 serials of an overlapping pool (some already on hand)."""
        names = [
            f"LOAD-{self.rnd.randrange(SERIAL_POOL):04d}"
            for _i in range(self.rnd.randint(1, 5))
        ]
        self.transfer("receipt", sorted(set(names)))

    def delivery(self):
        """Ship 1-3 serials seen on hand a moment ago (others race for them)."""
        cfg = self.cfg
        quants = self.ex(
            "stock.quant",
            "search_read",
            [
                ("product_id", "=", cfg["serial_product"]),
                ("location_id", "=", cfg["stock"]),
                ("quantity", ">", 0),
                ("lot_id", "!=", False),
            ],
            fields=["lot_id"],
            limit=40,
        )
        if not quants:
            self.receipt()
            return
        lots = {
            q["lot_id"][0]
            for q in self.rnd.sample(quants, min(len(quants), self.rnd.randint(1, 3)))
        }
        self.transfer("delivery", sorted(lots))

    def assign(self):
        """Retroactive assignment of the untracked stock of a legacy product."""
        cfg = self.cfg
        product = self.rnd.choice(cfg["legacy_products"])
        prefix = f"LEG{product}-C{self.idx}-{self.rnd.randrange(10**6):06d}-"
        wizard = self.ex(
            "stock.lot.assign",
            "create",
            {
                "product_ids": [(6, 0, [product])],
                "mode": "serials",
                "name_prefix": prefix,
                "first_number": 1,
                "padding": 4,
            },
            context={"active_model": "product.product", "active_ids": [product]},
        )
        self.ex("stock.lot.assign", "action_preview", [wizard])
        self.ex("stock.lot.assign", "action_apply", [wizard])

    def trace(self):
        cfg = self.cfg
        lot = self.rnd.choice(cfg["seed_lots"])
        recall = self.ex(
            "stock.recall",
            "create",
            {
                "lot_ids": [(6, 0, [lot])],
                "reason": f"load test {self.idx}",
                "is_mock": True,
            },
        )
        self.ex("stock.recall", "action_trace", [recall])

    def report(self):
        """Standard reading traffic: the lot list and a traceability report."""
        lot = self.rnd.choice(self.cfg["seed_lots"])
        self.ex(
            "stock.lot",
            "search_read",
            [("product_id", "!=", False)],
            fields=["name", "product_id", "product_qty"],
            limit=80,
        )
        self.ex(
            "stock.traceability.report",
            "get_main_lines",
            {"active_id": lot, "model": "stock.lot"},
        )


# ----------------------------------------------------------------------
# invariants
# ----------------------------------------------------------------------

INVARIANTS = {
    "serial_more_than_one_unit": """
        SELECT COUNT(*) FROM (
            SELECT q.lot_id FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
              JOIN product_product pp ON pp.id = q.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE l.usage IN ('internal', 'transit') AND pt.tracking = 'serial'
               AND q.lot_id IS NOT NULL
             GROUP BY q.lot_id HAVING SUM(q.quantity) > 1) s""",
    # Net per lot and location: under concurrency Odoo may split a quant
    # (+1 and -1 rows, merged later by its quant tasks); only a negative sum
    # is stock that is not there.
    "negative_lot_quant_internal": """
        SELECT COUNT(*) FROM (
            SELECT q.lot_id, q.location_id FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
             WHERE l.usage = 'internal' AND q.lot_id IS NOT NULL
             GROUP BY q.lot_id, q.location_id
            HAVING SUM(q.quantity) < 0) negative""",
    "on_hand_lot_without_incoming": """
        SELECT COUNT(DISTINCT q.lot_id) FROM stock_quant q
          JOIN stock_location l ON l.id = q.location_id
         WHERE l.usage = 'internal' AND q.quantity > 0 AND q.lot_id IS NOT NULL
           AND NOT EXISTS (
               SELECT 1 FROM stock_move_line ml
                 JOIN stock_location d ON d.id = ml.location_dest_id
                WHERE ml.lot_id = q.lot_id AND ml.state = 'done'
                  AND d.usage IN ('internal', 'transit'))
           {retro_filter}""",
    # the serial product of the receipts/deliveries: quants = done moves
    "serial_quant_differs_from_moves": """
        WITH moves AS (
            SELECT m.product_id, m.location_id, m.lot_id, SUM(m.qty) AS qty FROM (
                SELECT product_id, location_dest_id AS location_id, lot_id,
                       quantity AS qty
                  FROM stock_move_line WHERE state = 'done' AND product_id = {product}
                UNION ALL
                SELECT product_id, location_id, lot_id, -quantity
                  FROM stock_move_line
                 WHERE state = 'done' AND product_id = {product}) m
              JOIN stock_location l ON l.id = m.location_id
             WHERE l.usage IN ('internal', 'transit')
             GROUP BY 1, 2, 3),
        quants AS (SELECT q.product_id, q.location_id, q.lot_id, SUM(q.quantity) AS qty
                     FROM stock_quant q JOIN stock_location l ON l.id = q.location_id
                    WHERE q.product_id = {product}
                      AND l.usage IN ('internal', 'transit')
                    GROUP BY 1, 2, 3)
        SELECT COUNT(*) FROM moves m FULL JOIN quants q
            ON q.product_id = m.product_id AND q.location_id = m.location_id
           AND q.lot_id IS NOT DISTINCT FROM m.lot_id
         WHERE ROUND(COALESCE(m.qty, 0), 4) <> ROUND(COALESCE(q.qty, 0), 4)""",
}

HALF_APPLIED_RUN = """
    SELECT COUNT(*) FROM (
        SELECT r.id
          FROM stock_lot_assign_run r
          LEFT JOIN stock_lot_assign_run_line l ON l.run_id = r.id
          LEFT JOIN stock_quant q
            ON q.lot_id = l.lot_id AND q.location_id = l.location_id
         GROUP BY r.id
        HAVING COUNT(l.id) = 0
            OR COUNT(l.id) FILTER (WHERE l.lot_id IS NULL) > 0
            OR COUNT(l.id) FILTER (WHERE q.id IS NULL AND NOT EXISTS (
                   SELECT 1 FROM stock_move_line ml WHERE ml.lot_id = l.lot_id
                      AND ml.state = 'done')) > 0) bad"""


def check_invariants(db, product_id):
    results = {}
    retro = ""
    if (
        benchlib.psql(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'stock_lot' "
            "AND column_name = 'retroactive_run_id'",
            db=db,
        )
        == "1"
    ):
        # lots assigned retroactively have their history in the assignment run
        retro = (
            "AND NOT EXISTS (SELECT 1 FROM stock_lot lot WHERE lot.id = q.lot_id "
            "AND lot.retroactive_run_id IS NOT NULL)"
        )
    for name, sql in INVARIANTS.items():
        sql = sql.format(retro_filter=retro, product=int(product_id))
        results[name] = int(benchlib.psql(sql, db=db))
    if (
        benchlib.psql(
            "SELECT to_regclass('stock_lot_assign_run_line') IS NOT NULL", db=db
        )
        == "t"
    ):
        results["half_applied_assignment_run"] = int(
            benchlib.psql(HALF_APPLIED_RUN, db=db)
        )
    else:
        results["half_applied_assignment_run"] = "n/a (no assignment runs table)"
    return results


# ----------------------------------------------------------------------


def socket_owner(port, pids):
    """The pid among ``pids`` owning the local TCP socket on ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if int(cols[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(cols[9])
        except OSError:
            continue
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return pid
    return None


def busy_worker(db, workers):
    """A worker pid with an open transaction on ``db`` that touches stock
    (found through the client port of its PostgreSQL connection)."""
    rows = benchlib.psql(
        "SELECT client_port, left(regexp_replace(query, '\\s+', ' ', 'g'), 300) "
        f"FROM pg_stat_activity WHERE datname = '{db}' "
        "AND state IN ('active', 'idle in transaction') AND client_port > 0",
        db="postgres",
    ).splitlines()
    for row in rows:
        port, _sep, query = row.partition("|")
        if not any(t in query for t in ("stock_quant", "stock_move", "stock_lot")):
            continue
        pid = socket_owner(int(port), workers)
        if pid:
            return pid
    return None


def killer(server, phase, db, at, end, kills):
    """SIGKILL the worker that is validating, in the middle of its transaction."""
    while time.time() < at:
        time.sleep(0.2)
    deadline = end
    pid = None
    while time.time() < deadline and pid is None:
        if phase["validating"] > 0:
            workers = set(worker_pids(server.proc.pid))
            pid = busy_worker(db, workers)
        if pid is None:
            time.sleep(0.05)
    if pid is None:
        log("kill: no worker caught inside a validation")
        return
    in_flight = phase["validating"]
    os.kill(pid, signal.SIGKILL)
    kills.append(
        {
            "pid": pid,
            "in_flight_validations": in_flight,
            "time": time.strftime("%H:%M:%S"),
        }
    )
    log(f"kill: SIGKILL worker {pid} inside a transaction ({in_flight} validations)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_load")
    parser.add_argument("--source-db", default="slt_bench_s")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="skip the DB copy")
    args = parser.parse_args(argv)
    args.clients = max(8, args.clients)
    args.duration = min(args.duration, 600)
    config_path = benchlib.OUT_DIR / f"load-{args.db}.json"
    benchlib.OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.reuse and config_path.exists():
        config = json.loads(config_path.read_text())
    else:
        config = prepare_db(args.db, args.source_db)
        config_path.write_text(json.dumps(config))
    before = check_invariants(args.db, config["serial_product"])
    log(f"invariants before: {before}")
    server = Server(args.db, args.port, args.workers)
    server.start()
    stats = Stats()
    phase = collections.Counter()
    kills = []
    try:
        deadline = {"at": time.time() + 3600}
        barrier = threading.Barrier(args.clients + 1)
        clients = [
            Client(i, args, config, stats, deadline, phase, barrier)
            for i in range(args.clients)
        ]
        for c in clients:
            c.start()
        barrier.wait(timeout=600)
        t0 = time.time()
        deadline["at"] = t0 + args.duration
        log(f"{args.clients} clients logged in; running for {args.duration:.0f} s")
        kthread = None
        if args.kill:
            kthread = threading.Thread(
                target=killer,
                args=(
                    server,
                    phase,
                    args.db,
                    t0 + args.duration / 3,
                    t0 + args.duration,
                    kills,
                ),
                daemon=True,
            )
            kthread.start()
        for c in clients:
            c.join(args.duration + 400)
        elapsed = time.time() - t0
        if kthread:
            kthread.join(5)
    finally:
        server.stop()
    restarted = None
    if args.kill:
        log("restarting the server after the kill")
        server.start()
        probe = Client(0, args, config, Stats(), {"at": 0}, collections.Counter())
        probe.uid = probe.call("common", "login", args.db, probe.login, PASSWORD)
        restarted = bool(probe.ex("stock.lot", "search_count", []))
        server.stop()
    after = check_invariants(args.db, config["serial_product"])
    totals = collections.Counter()
    lines = [
        f"Load test on {args.db}: {args.clients} clients, {args.workers} workers, "
        f"{elapsed:.0f} s{' , worker killed' if args.kill else ''}",
        "",
        "| operation | served | rejected (clean) | server errors | connection errors |",
        "|---|---|---|---|---|",
    ]
    for op, counter in sorted(stats.by_op.items()):
        totals.update(counter)
        lines.append(
            f"| {op} | {counter['served']} | {counter['rejected']} | "
            f"{counter['server_error']} | {counter['connection']} |"
        )
    lines.append(
        f"| total | {totals['served']} | {totals['rejected']} | "
        f"{totals['server_error']} | {totals['connection']} |"
    )
    lines.append("")
    lines.append(
        f"skipped operations: "
        f"{'' if config['has_assign'] else 'assign (no stock.lot.assign) '}"
        f"{'' if config['has_recall'] else 'trace (no stock.recall)'}"
    )
    if args.kill and not kills:
        lines.append("kills: none (no worker caught inside a validation)")
    if kills:
        lines.append(f"kills: {kills}; server restarted and answered: {restarted}")
    lines.append("")
    lines.append("invariants after (violations): " + json.dumps(after))
    lines.append("")
    lines.append("most frequent non-served outcomes:")
    for (op, kind, detail), n in stats.errors.most_common(15):
        lines.append(f"  {n:5d} {op} {kind}: {detail}")
    text = "\n".join(lines)
    print()
    print(text)
    name = "load-kill" if args.kill else "load"
    (benchlib.OUT_DIR / f"{name}-latest.txt").write_text(text + "\n")
    bad = totals["server_error"] + sum(v for v in after.values() if isinstance(v, int))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
