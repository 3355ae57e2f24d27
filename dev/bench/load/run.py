#!/usr/bin/env python3
"""Load and fault test: Locust users on a multi-process Odoo, faults struck
while validations, assignments or quarantines are running.

    make load [LOAD_ARGS="--fault kill-worker --users 60 --duration 150"]
    make load-all                      # every fault mode, one after another

Everything runs on a throwaway PostgreSQL cluster (``pg_createcluster`` on a
free port, dropped at the end whatever happens): restarting PostgreSQL or
terminating its backends must not touch the cluster the tests use. The
database is the test template of the main cluster (or a fresh install) with
the add-on and the load data (prepare.py), cached as a dump per version of
the add-on. Then ``odoo-bin --workers=N`` serves it and Locust
(locustfile.py, its own venv) ramps up to ``--users`` users.

Fault modes (``--fault``), each struck ``--strikes`` times once every user
is running, at a moment when the Locust users have a validation, an
assignment or a quarantine in flight and PostgreSQL shows their write
transactions open:

* ``kill-worker``: SIGKILL the Odoo worker that runs such a transaction;
* ``terminate-backends``: ``pg_terminate_backend`` every open write
  transaction of the database;
* ``restart-postgres``: ``pg_ctlcluster restart -m fast``;
* ``statement-timeout``: the Odoo role has ``statement_timeout`` (10 s) and
  the stock quants are locked for 15 s, so the requests writing stock then
  are cancelled by PostgreSQL.

After each strike: the server must answer again by itself, and the stock
invariants (dev/bench/invariants.py, the health check's and more) are
checked on one snapshot; again at the end. The Locust CSV and HTML reports
and the summary go to dev/bench/out/load/<mode>/. Exit status 1 when a
server error, an invariant violation, a strike that found nothing in flight
or a server that did not recover is seen.
"""

import argparse
import collections
import csv
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))
import benchlib  # noqa: E402

MODES = (
    "none",
    "kill-worker",
    "terminate-backends",
    "restart-postgres",
    "statement-timeout",
)
DB = "slt_load"
LOCUST = ROOT / ".venv-load" / "bin" / "locust"
CACHE = benchlib.DATA_DIR / "load"
OUT = benchlib.OUT_DIR / "load"
STATEMENT_TIMEOUT = "10s"
LOCK_SECONDS = 15
# what a client sees when its request is hit by the fault itself
FAULT_SIGNATURES = {
    "kill-worker": (
        "RemoteDisconnected",
        "ConnectionResetError",
        "ConnectionRefused",
        "BadStatusLine",
        "EOF",
        "status 0",
    ),
    "terminate-backends": (
        "psycopg2.OperationalError",
        "psycopg2.InterfaceError",
        "psycopg2.errors.AdminShutdown",
    ),
    # while PostgreSQL is down, Odoo cannot list the databases: it routes
    # the request as if there were none, and /json/2 answers 404
    "restart-postgres": (
        "psycopg2.OperationalError",
        "psycopg2.InterfaceError",
        "psycopg2.errors.AdminShutdown",
        "psycopg2.errors.CannotConnectNow",
        "status 404",
    ),
    "statement-timeout": ("psycopg2.errors.QueryCanceled",),
}
RECOVERY_GRACE = 10.0


def log(msg):
    benchlib.out(f"[load {time.strftime('%H:%M:%S')}] {msg}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_invariants():
    """dev/bench/invariants.py, with Odoo's source importable (its SQL is
    ``odoo.tools.SQL``; the add-on itself is not imported)."""
    src = benchlib.odoo_src()
    if src not in sys.path:
        sys.path.insert(0, src)
    import invariants  # noqa: PLC0415 - needs the Odoo source on sys.path

    return invariants


INVARIANTS = load_invariants()


# ----------------------------------------------------------------------
# the throwaway cluster
# ----------------------------------------------------------------------


class Cluster:
    def __init__(self):
        out = subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
        ).stdout.split()
        self.version = out[0] if out else sorted(os.listdir("/usr/lib/postgresql"))[-1]
        self.name = f"slt_load_{os.getpid()}"
        self.port = free_port()
        self.created = False

    def _as_postgres(self, *cmd):
        """As the cluster's superuser over the local socket (peer
        authentication): without the PG* variables of the odoo role."""
        prefix = [] if os.geteuid() else ["runuser", "-u", "postgres", "--"]
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"PGHOST", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGPORT"}
        }
        return subprocess.run(
            [*prefix, *cmd],
            check=True,
            capture_output=True,
            text=True,
            cwd="/",
            env=env,
        )

    def create(self):
        log(f"throwaway cluster {self.version}/{self.name} on port {self.port}")
        subprocess.run(
            # UTF-8 whatever the caller's locale (a bare environment
            # would give SQL_ASCII, which Odoo cannot use)
            [
                "pg_createcluster",
                self.version,
                self.name,
                "-p",
                str(self.port),
                "-e",
                "UTF8",
                "--locale",
                "C.UTF-8",
            ],
            check=True,
            capture_output=True,
        )
        self.created = True
        conf = Path(f"/etc/postgresql/{self.version}/{self.name}/conf.d/load.conf")
        conf.write_text(
            "max_connections = 200\nfsync = off\n"
            "synchronous_commit = off\nfull_page_writes = off\n"
        )
        self.ctl("start")
        user, password = os.environ["PGUSER"], os.environ["PGPASSWORD"]
        self._as_postgres(
            "psql",
            "-X",
            "-q",
            "-p",
            str(self.port),
            "-d",
            "postgres",
            "-c",
            f"CREATE ROLE \"{user}\" LOGIN SUPERUSER PASSWORD '{password}'",
        )

    def ctl(self, action, *args):
        subprocess.run(
            ["pg_ctlcluster", self.version, self.name, action, *args],
            check=True,
            capture_output=True,
        )

    def drop(self):
        if self.created:
            subprocess.run(
                ["pg_dropcluster", "--stop", self.version, self.name],
                capture_output=True,
            )
            # pg_dropcluster leaves the configuration folder behind when
            # conf.d holds a file of ours (load.conf)
            shutil.rmtree(f"/etc/postgresql/{self.version}/{self.name}", True)
            self.created = False
            log(f"cluster {self.name} dropped")

    def env(self):
        return {**os.environ, "PGPORT": str(self.port), "PGHOST": "localhost"}

    def connect(self, db=DB):
        conn = psycopg2.connect(
            host="localhost",
            port=self.port,
            dbname=db,
            user=os.environ["PGUSER"],
            password=os.environ["PGPASSWORD"],
        )
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute("SET statement_timeout = 0")
        return conn

    def query(self, sql, *params, db=DB):
        conn = self.connect(db)
        try:
            with conn.cursor() as cr:
                cr.execute(sql, params)
                return cr.fetchall() if cr.description else None
        finally:
            conn.close()


# ----------------------------------------------------------------------
# the database
# ----------------------------------------------------------------------


def addon_hash():
    h = hashlib.sha256()
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if (
            path.is_file()
            and rel.parts[0] not in {"dev", "tests", ".git"}
            and not rel.parts[0].startswith(".")
            and path.suffix in {".py", ".xml", ".csv", ".js"}
        ):
            h.update(str(rel).encode())
            h.update(path.read_bytes())
    h.update((HERE / "prepare.py").read_bytes())
    return h.hexdigest()[:12]


def odoo(cluster, data_dir, *args, command=(), env=None, **kw):
    cmd = [
        sys.executable,
        os.path.join(benchlib.odoo_src(), "odoo-bin"),
        *command,
        "-c",
        str(benchlib.ODOORC),
        "--db_host",
        "localhost",
        "--db_port",
        str(cluster.port),
        "--data-dir",
        str(data_dir),
        *args,
    ]
    return subprocess.run(  # noqa: S603
        cmd, check=True, env={**cluster.env(), **(env or {})}, **kw
    )


def build_cache(cluster, dump, config_path, data_dir):
    tmpl = benchlib.template_name()
    subprocess.run(["createdb", DB], check=True, env=cluster.env())
    if tmpl:
        log(f"copying the test template {tmpl} into the cluster")
        dumped = subprocess.Popen(
            ["pg_dump", "-Fc", "-d", tmpl], stdout=subprocess.PIPE
        )
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-acl", "-d", DB],
            stdin=dumped.stdout,
            check=True,
            env=cluster.env(),
        )
        if dumped.wait():
            raise RuntimeError("pg_dump of the template failed")
    log("installing the add-on")
    odoo(
        cluster,
        data_dir,
        "-d",
        DB,
        "-i",
        benchlib.ADDON,
        "--stop-after-init",
        "--log-level=warn",
        "--max-cron-threads=0",
    )
    log("load data (prepare.py)")
    with open(HERE / "prepare.py") as script:
        odoo(
            cluster,
            data_dir,
            "-d",
            DB,
            "--log-level=warn",
            "--no-http",
            command=("shell",),
            stdin=script,
            stdout=subprocess.DEVNULL,
            env={"LOAD_PREPARE_OUT": str(config_path)},
        )
    subprocess.run(
        ["pg_dump", "-Fc", "-f", str(dump), DB], check=True, env=cluster.env()
    )


def prepare_db(cluster, data_dir, rebuild):
    CACHE.mkdir(parents=True, exist_ok=True)
    key = addon_hash()
    dump, config_path = CACHE / f"{DB}-{key}.dump", CACHE / f"{DB}-{key}.json"
    if rebuild or not (dump.exists() and config_path.exists()):
        for old in CACHE.glob(f"{DB}-*"):
            old.unlink()
        build_cache(cluster, dump, config_path, data_dir)
    else:
        log(f"restoring the cached database {dump.name}")
        subprocess.run(["createdb", DB], check=True, env=cluster.env())
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-acl", "-d", DB, str(dump)],
            check=True,
            env=cluster.env(),
        )
    config = json.loads(config_path.read_text())
    config["db"] = DB
    return config


# ----------------------------------------------------------------------
# the Odoo server
# ----------------------------------------------------------------------


class Server:
    def __init__(self, cluster, data_dir, workers, log_path):
        self.cluster, self.data_dir, self.workers = cluster, data_dir, workers
        self.port = free_port()
        self.log_path = log_path
        self.proc = None

    def start(self):
        cmd = [
            sys.executable,
            os.path.join(benchlib.odoo_src(), "odoo-bin"),
            "-c",
            str(benchlib.ODOORC),
            "--db_host",
            "localhost",
            "--db_port",
            str(self.cluster.port),
            "--data-dir",
            str(self.data_dir),
            "-d",
            DB,
            "--db-filter",
            f"^{DB}$",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(free_port()),
            f"--workers={self.workers}",
            "--max-cron-threads=0",
            "--limit-time-real=900",
            "--limit-time-cpu=600",
            "--limit-memory-soft=2147483648",
            "--limit-memory-hard=2684354560",
            "--logfile",
            str(self.log_path),
        ]
        self.proc = subprocess.Popen(
            cmd,
            env=self.cluster.env(),  # noqa: S603
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not self.wait_up(180):
            raise RuntimeError(f"Odoo did not start (see {self.log_path})")
        log(
            f"Odoo on 127.0.0.1:{self.port}, master {self.proc.pid}, "
            f"workers {self.worker_pids()}"
        )

    def worker_pids(self):
        try:
            path = f"/proc/{self.proc.pid}/task/{self.proc.pid}/children"
            with open(path) as f:
                return {int(p) for p in f.read().split()}
        except OSError:
            return set()

    def answers(self, key):
        """True when a worker serves a real call on the database."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/json/2/stock.lot/search_count",
            data=json.dumps({"domain": []}).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Odoo-Database": DB,
                "Authorization": f"bearer {key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def wait_up(self, timeout, key=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            if key:
                if self.answers(key):
                    return True
            else:
                try:
                    urllib.request.urlopen(  # noqa: S310
                        f"http://127.0.0.1:{self.port}/web/version", timeout=5
                    )
                    return True
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    pass
            time.sleep(0.2)
        return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ----------------------------------------------------------------------
# faults
# ----------------------------------------------------------------------


def read_state(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def check_invariants(cluster):
    """Violations per invariant, all read in one snapshot; the offending
    rows of a violated invariant are logged."""
    conn = cluster.connect()
    conn.autocommit = False
    conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
    try:
        with conn.cursor() as cr:
            result = INVARIANTS.check(cr)
            for name, count in result.items():
                if count:
                    query = INVARIANTS.INVARIANTS[name]()
                    cr.execute(query.code, query.params)
                    log(f"VIOLATION {name}: {cr.fetchmany(10)}")
            return result
    finally:
        conn.close()


# Odoo's open write transactions, those writing stock or an assignment first
# (a validation or an assignment at work), then the oldest.
WRITE_XACTS = """
    SELECT pid, client_port, now() - xact_start
      FROM pg_stat_activity
     WHERE datname = %s AND backend_xid IS NOT NULL AND client_port > 0
       AND pid <> pg_backend_pid()
     ORDER BY query ~ '(stock_quant|stock_move_line|stock_lot_assign)' DESC,
              xact_start
"""


def socket_owner(port, pids):
    """The pid among ``pids`` that owns the local TCP socket of ``port``.
    (Odoo's application_name does not tell: the master names the
    connections before it forks its workers.)"""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if int(cols[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{cols[9]}]")
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:
                continue
    return None


class Striker(threading.Thread):
    """Strikes the fault ``strikes`` times during the steady phase, each
    time when work is in flight, then waits for the server to recover."""

    def __init__(self, mode, cluster, server, state_path, key, start, end, strikes):
        super().__init__(daemon=True)
        self.mode, self.cluster, self.server = mode, cluster, server
        self.state_path, self.key = state_path, key
        self.start_at, self.end_at, self.strikes = start, end, strikes
        self.records = []

    def run(self):
        span = (self.end_at - self.start_at) / self.strikes
        for i in range(self.strikes):
            # after the previous strike's recovery, and 10 s of normal load
            not_before = max(self.start_at + i * span, time.time() + 10 * bool(i))
            while time.time() < not_before:
                time.sleep(0.1)
            record = self.strike_once(max(not_before + span * 0.8, self.end_at))
            if record:
                self.records.append(record)

    def in_flight(self):
        state = read_state(self.state_path)
        return {k: v for k, v in state.get("in_flight", {}).items() if v > 0}

    def strike_once(self, give_up):
        conn = self.cluster.connect()
        try:
            while time.time() < give_up:
                flight = self.in_flight()
                if flight:
                    with conn.cursor() as cr:
                        cr.execute(WRITE_XACTS, (DB,))
                        xacts = cr.fetchall()
                    record = self.hit(flight, xacts) if xacts else None
                    if record:
                        return record
                time.sleep(0.02)
        finally:
            conn.close()
        log(f"{self.mode}: nothing in flight before the deadline")
        return {
            "time": time.time(),
            "in_flight": {},
            "write_transactions": 0,
            "recovered_after": None,
        }

    def hit(self, flight, xacts):
        at = time.time()
        detail = getattr(self, f"_hit_{self.mode.replace('-', '_')}")(xacts)
        if not detail:
            return None  # the transactions ended before the fault could hit
        # what the users had in flight at the moment the fault took effect
        flight = {
            k: max(v, flight.get(k, 0)) for k, v in self.in_flight().items()
        } or flight
        log(
            f"{self.mode}: struck with {flight} in flight, {len(xacts)} write "
            f"transactions open; {detail}"
        )
        recovered = self.server.wait_up(300, key=self.key)
        after = time.time() - at
        log(
            f"{self.mode}: server answers again after {after:.1f} s"
            if recovered
            else f"{self.mode}: server did NOT recover"
        )
        invariants = check_invariants(self.cluster)
        log(f"{self.mode}: invariants after the strike: {invariants}")
        return {
            "time": at,
            "in_flight": flight,
            "write_transactions": len(xacts),
            "detail": detail,
            "recovered_after": after if recovered else None,
            "invariants": invariants,
        }

    def _hit_kill_worker(self, xacts):
        workers = self.server.worker_pids()
        for _backend, port, _age in xacts:
            pid = socket_owner(port, workers)
            if pid:
                os.kill(pid, signal.SIGKILL)
                return f"worker {pid} SIGKILLed"
        return None

    def _hit_terminate_backends(self, xacts):
        pids = [pid for pid, _app, _age in xacts]
        self.cluster.query("SELECT pg_terminate_backend(pid) FROM unnest(%s) pid", pids)
        return f"{len(pids)} backends terminated"

    def _hit_restart_postgres(self, xacts):
        t = time.time()
        self.cluster.ctl("restart", "-m", "fast")
        return f"PostgreSQL restarted (fast) in {time.time() - t:.1f} s"

    def _hit_statement_timeout(self, xacts):
        conn = self.cluster.connect()
        conn.autocommit = False
        asked = time.time()
        with conn.cursor() as cr:
            cr.execute("LOCK TABLE stock_quant IN EXCLUSIVE MODE")
        locked = time.time()
        threading.Timer(LOCK_SECONDS, lambda: (conn.commit(), conn.close())).start()
        return (
            f"stock_quant locked for {LOCK_SECONDS} s (statement_timeout "
            f"{STATEMENT_TIMEOUT}), granted after {locked - asked:.1f} s"
        )


# ----------------------------------------------------------------------
# report
# ----------------------------------------------------------------------


HIT_BY_FAULT = collections.Counter()


def classify(outcomes, records, mode):
    """Per operation: served, refused, fault errors (hit by the fault,
    inside a strike's window) and server errors (everything else)."""
    windows = [
        (r["time"] - 1, r["time"] + (r["recovered_after"] or 300) + RECOVERY_GRACE)
        for r in records
    ]
    signatures = FAULT_SIGNATURES.get(mode, ())
    HIT_BY_FAULT.clear()
    table = collections.defaultdict(collections.Counter)
    unexplained = []
    for op, counts in outcomes["outcomes"].items():
        table[op]["served"] += counts.get("served", 0)
        table[op]["refused"] += counts.get("refused", 0)
    for error in outcomes["errors"]:
        text = f"{error['name']} {error['message']} status {error['status']}"
        in_window = any(a <= error["time"] <= b for a, b in windows)
        if in_window and any(sig in text for sig in signatures):
            table[error["op"]]["fault_error"] += 1
            HIT_BY_FAULT[f"{error['call']}: {error['status']} {error['name']}"] += 1
        else:
            table[error["op"]]["server_error"] += 1
            unexplained.append(error)
    return table, unexplained


def strip_machine_paths(out):
    """The reports are kept in git: tracebacks in them name this machine's
    Python, checkout and Odoo tree; write placeholders instead."""
    prefixes = {
        str(Path(sys.base_prefix).resolve()): "<python>",
        str(Path(sys.prefix).resolve()): "<venv>",
        str(ROOT.resolve()): "<checkout>",
        benchlib.odoo_src(): "<odoo>",
    }
    for path in out.iterdir():
        if path.suffix not in (".csv", ".html", ".json", ".txt"):
            continue
        with path.open(newline="") as stream:  # keep the CSV's line ends
            text = stream.read()
        for prefix, placeholder in sorted(prefixes.items(), key=lambda p: -len(p[0])):
            text = text.replace(prefix, placeholder)
        with path.open("w", newline="") as stream:
            stream.write(text)


def latencies(csv_path):
    rows = {}
    with open(csv_path) as f:
        for row in csv.DictReader(f):
            if row["Type"] == "OP":
                rows[row["Name"]] = row
    return rows


COLUMNS = (
    "operations",
    "served",
    "refused",
    "hit by fault",
    "server errors",
    "p50 ms",
    "p95 ms",
    "p99 ms",
)


def table_row(name, counts, lat_row):
    return (
        name,
        sum(counts.values()),
        counts["served"],
        counts["refused"],
        counts["fault_error"],
        counts["server_error"],
        *(lat_row.get(p, "-") for p in ("50%", "95%", "99%")),
    )


def render(args, table, lat, records, invariants, unexplained, refusals):
    total = collections.Counter()
    for counts in table.values():
        total.update(counts)
    rows = [table_row(op, table[op], lat.get(op, {})) for op in sorted(table)]
    rows.append(table_row("all operations", total, {}))
    header = ("operation", *COLUMNS)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)
    lines = [
        f"Mode {args.fault}: {args.users} users, {args.workers} workers, "
        f"{args.duration} s (ramp {args.spawn_rate}/s)",
        "",
        rule,
        "  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)),
        rule,
        *(
            "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))
            for r in rows
        ),
        rule,
        "",
    ]
    for i, r in enumerate(records, 1):
        rec = (
            f"{r['recovered_after']:.1f} s"
            if r["recovered_after"] is not None
            else "NO"
        )
        lines.append(
            f"strike {i}: in flight {r['in_flight']}, "
            f"{r['write_transactions']} write transactions open; "
            f"{r.get('detail', '')}; answering again after {rec}; "
            f"invariant violations {sum(r.get('invariants', {}).values())}"
        )
    lines.append(f"invariants at the end: {invariants}")
    if unexplained:
        lines.append("server errors:")
        for e in unexplained[:20]:
            lines.append(
                f"  {e['op']} {e['call']} {e['status']} {e['name']}: "
                f"{e['message'][:160]}"
            )
    lines.append("most frequent refusals:")
    flat = collections.Counter()
    for op, reasons in refusals.items():
        for reason, count in reasons.items():
            flat[f"{op}: {reason}"] += count
    for reason, count in flat.most_common(12):
        lines.append(f"  {count:5d} {reason}")
    return "\n".join(lines), total


def run(args):
    out = args.out / args.fault
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        old.unlink()
    cluster = Cluster()
    data_dir = Path(tempfile.mkdtemp(prefix="slt-load-"))
    server = None
    try:
        cluster.create()
        config = prepare_db(cluster, data_dir, args.rebuild)
        config_path = data_dir / "config.json"
        config_path.write_text(json.dumps(config))
        before = check_invariants(cluster)
        log(f"invariants before: {before}")
        if args.fault == "statement-timeout":
            cluster.query(
                f'ALTER ROLE "{os.environ["PGUSER"]}" SET '
                f"statement_timeout = '{STATEMENT_TIMEOUT}'"
            )
        log_dir = ROOT / ".logs"
        log_dir.mkdir(exist_ok=True)
        server = Server(
            cluster, data_dir, args.workers, log_dir / f"load-{args.fault}.log"
        )
        server.start()
        state_path = data_dir / "state.json"
        outcomes_path = data_dir / "outcomes.json"
        ramp = args.users / args.spawn_rate
        t0 = time.time()
        striker = None
        if args.fault != "none":
            striker = Striker(
                args.fault,
                cluster,
                server,
                state_path,
                config["keys"]["reader"][0],
                t0 + ramp + 5,
                t0 + args.duration - 15,
                args.strikes,
            )
            striker.start()
        log(f"Locust: {args.users} users ({args.spawn_rate}/s) for {args.duration} s")
        subprocess.run(
            [
                str(LOCUST),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "-t",
                f"{args.duration}s",
                "--stop-timeout",
                "120",
                "--host",
                f"http://127.0.0.1:{server.port}",
                "--csv",
                str(out / "locust"),
                "--html",
                str(out / "report.html"),
                "--only-summary",
                "--exit-code-on-error",
                "0",
                "--loglevel",
                "WARNING",
            ],
            check=True,
            env={
                **os.environ,
                "LOAD_CONFIG": str(config_path),
                "LOAD_STATE": str(state_path),
                "LOAD_OUTCOMES": str(outcomes_path),
            },
        )
        if striker:
            striker.join(60)
        records = striker.records if striker else []
        answers = server.answers(config["keys"]["reader"][0])
        server.stop()
        invariants = check_invariants(cluster)
    finally:
        if server:
            server.stop()
        cluster.drop()
    outcomes = json.loads(outcomes_path.read_text())
    shutil.copy(outcomes_path, out / "outcomes.json")
    strip_machine_paths(out)
    shutil.rmtree(data_dir, ignore_errors=True)
    table, unexplained = classify(outcomes, records, args.fault)
    lat = latencies(out / "locust_stats.csv")
    text, total = render(
        args, table, lat, records, invariants, unexplained, outcomes["refusals"]
    )
    if HIT_BY_FAULT:
        text += "\nhit by the fault: " + json.dumps(HIT_BY_FAULT)
    benchlib.out("\n" + text)
    (out / "summary.txt").write_text(text + "\n")
    summary = {
        "mode": args.fault,
        "users": args.users,
        "workers": args.workers,
        "duration": args.duration,
        "operations": sum(total.values()),
        "outcomes": total,
        "per_operation": table,
        "strikes": records,
        "invariants": invariants,
        "hit_by_fault": HIT_BY_FAULT,
        "answers_at_end": answers,
        "latency_ms": {
            op: {p: row[p] for p in ("50%", "95%", "99%")} for op, row in lat.items()
        },
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    failed = []
    if not sum(total.values()):
        failed.append("no operation ran")
    if total["server_error"]:
        failed.append(f"{total['server_error']} server errors")
    if any(invariants.values()) or any(
        any(r.get("invariants", {}).values()) for r in records
    ):
        failed.append("invariant violations")
    if args.fault != "none" and (
        len(records) < args.strikes
        or not all(sum(r["in_flight"].values()) for r in records)
    ):
        failed.append("a strike found nothing in flight")
    if any(r["recovered_after"] is None for r in records) or not answers:
        failed.append("the server did not recover")
    if failed:
        benchlib.out("FAILED: " + "; ".join(failed))
        return 1
    benchlib.out(f"OK: {args.fault}")
    return 0


def rst_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)

    def fmt(row):
        return "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))

    return "\n".join([rule, fmt(header), rule, *map(fmt, rows), rule])


def combined_table():
    """One row per mode from the kept summaries (``--table``)."""
    rows = []
    for mode in MODES:
        path = OUT / mode / "summary.json"
        if not path.exists():
            continue
        s = json.loads(path.read_text())
        o = collections.Counter(s["outcomes"])
        flight = collections.Counter()
        for strike in s["strikes"]:
            flight.update(strike["in_flight"])
        rows.append(
            (
                mode,
                s["users"],
                s["workers"],
                s["operations"],
                o["served"],
                o["refused"],
                o["fault_error"],
                o["server_error"],
                " + ".join(f"{n} {k}" for k, n in sorted(flight.items())) or "-",
                sum(s["invariants"].values())
                + sum(sum(r["invariants"].values()) for r in s["strikes"]),
            )
        )
    header = (
        "mode",
        "users",
        "workers",
        "operations",
        "served",
        "refused",
        "hit by fault",
        "server errors",
        "in flight at strikes",
        "invariant violations",
    )
    return rst_table(header, rows)


def main(argv=None):
    # SIGTERM (make interrupted, CI timeout) still drops the cluster
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", choices=(*MODES, "all"), default="none")
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=2.0)
    parser.add_argument("--duration", type=int, default=150, help="seconds")
    # Odoo's rule of thumb: 2 workers per core + 1
    parser.add_argument(
        "--workers",
        type=int,
        help="default: 2 per core + 1 (Odoo's rule), and at least users / 8 + 1: "
        "a prefork Odoo listens with a backlog of 8 connections per worker",
    )
    parser.add_argument("--strikes", type=int, default=2)
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the cached database"
    )
    parser.add_argument(
        "--table", action="store_true", help="print the table of the kept summaries"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="allow fewer than 50 users: a short run that proves the tooling works "
        "(make load-smoke), not a load test",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT,
        help="folder of the reports, one sub-folder per mode (default: the kept "
        "reports that dev/bench/README.rst shows)",
    )
    args = parser.parse_args(argv)
    if args.table:
        benchlib.out(combined_table())
        return 0
    if args.users < 50 and not args.smoke:
        parser.error("the load test runs at least 50 users (--smoke for a short run)")
    if not args.workers:
        args.workers = max(2 * os.cpu_count() + 1, -(-args.users // 8) + 1)
    if not LOCUST.exists():
        parser.error(f"{LOCUST} missing: run dev/bench/load/load.sh (make load)")
    modes = MODES if args.fault == "all" else (args.fault,)
    status = 0
    for mode in modes:
        args.fault = mode
        status |= run(args)
    if len(modes) > 1:
        benchlib.out("\n" + combined_table())
    return status


if __name__ == "__main__":
    sys.exit(main())
