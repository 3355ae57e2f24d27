"""Read-only entry points served by a PostgreSQL replica (make replica-check).

Run by dev/tools/replica_check.sh once the primary, its streaming replica
and the database exist. Starts odoo-bin with ``db_host``/``db_port`` of the
primary and ``db_replica_host``/``db_replica_port`` of the replica, logs in
over JSON-RPC and calls each read-only entry point. Where the queries ran
is read from each cluster's own ``pg_stat_statements`` (reset on both
before every call): an entry point passes when the replica ran its queries
on the tables it reads and the primary ran none of them. A write (creating
a recall) must show the opposite. One OK/FAILED line per check; exits
non-zero if any failed.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

import psycopg2
import requests
from clilog import out
from webclient import WebClient

LOGIN = PASSWORD = "admin"
FAILED = []


def check(condition, message):
    out(f"{'OK    ' if condition else 'FAILED'} {message}")
    if not condition:
        FAILED.append(message)
    return condition


class Cluster:
    """A connection to the database on one cluster, as the odoo role."""

    def __init__(self, name, port, db):
        self.name = name
        self.conn = psycopg2.connect(host="127.0.0.1", port=port, dbname=db)
        self.conn.autocommit = True

    def one(self, query, *params):
        with self.conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchone()

    def reset_statements(self):
        self.one("SELECT pg_stat_statements_reset()")

    def calls(self, pattern):
        """Calls of the statements of this database matching ``pattern``
        (ILIKE), since the last reset."""
        return self.one(
            "SELECT COALESCE(SUM(calls), 0)::int FROM pg_stat_statements WHERE "
            "dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND query ILIKE %s AND query NOT ILIKE '%%pg_stat_statements%%'",
            pattern,
        )[0]

    def lsn(self):
        return self.one("SELECT pg_current_wal_lsn()::text")[0]

    def replayed(self, lsn):
        return self.one("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn)[0]


class Server:
    def __init__(self, args):
        self.args = args
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        log = open(self.args.log, "a")  # noqa: SIM115 - kept for the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                self.args.odoo_bin,
                "-c",
                self.args.config,
                "-d",
                self.args.db,
                "--db-filter",
                f"^{self.args.db}$",
                "--db_host",
                "127.0.0.1",
                "--db_port",
                str(self.args.primary_port),
                "--db_replica_host",
                "127.0.0.1",
                "--db_replica_port",
                str(self.args.replica_port),
                "--http-port",
                str(self.port),
                # threaded: requests and crons share one registry; its
                # read-only pool is opened because db_replica_host is set
                "--workers=0",
                "--max-cron-threads=0",
                "--log-level=info",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/web/health", timeout=2).ok:
                    return True
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        return False

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def client(server, db):
    """The admin's session on ``server`` (:class:`webclient.WebClient`)."""
    return WebClient(server.url, db, LOGIN, PASSWORD, timeout=300)


def wait_replayed(primary, replica, timeout=30):
    """Wait until the replica replayed everything the primary wrote."""
    lsn = primary.lsn()
    deadline = time.monotonic() + timeout
    while not replica.replayed(lsn):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def where_it_ran(primary, replica, call, pattern):
    """Run ``call()`` with fresh statistics on both clusters; return its
    result and the calls of statements matching ``pattern`` on each."""
    primary.reset_statements()
    replica.reset_statements()
    result = call()
    return result, primary.calls(pattern), replica.calls(pattern)


def check_read_only(primary, replica, name, call, pattern, valid):
    try:
        result, on_primary, on_replica = where_it_ran(primary, replica, call, pattern)
    except (RuntimeError, requests.RequestException) as exc:
        return check(False, f"{name}: {exc}")
    if not check(valid(result), f"{name} answers as expected"):
        out(f"       {str(getattr(result, 'text', result))[:500]}")
    return check(
        on_replica > 0 and on_primary == 0,
        f"{name} ran on the replica: {on_replica} statements on {pattern} there, "
        f"{on_primary} on the primary",
    )


def run_checks(client, primary, replica):
    lot_id = client.call(
        "stock.lot", "search", [["name", "=", "REPLICA-SN-001"]], limit=1
    )[0]
    recall_id = client.call("stock.recall", "search", [["state", "=", "traced"]])[0]
    checks = [
        (
            "stock.lot.get_trace (JSON-RPC)",
            lambda: client.call("stock.lot", "get_trace", [lot_id], "downstream"),
            "%stock_move_line%",
            lambda r: r["lot_ids"] == [lot_id] and len(r["move_line_ids"]) >= 2,
        ),
        (
            "stock.lot.get_genealogy (JSON-RPC)",
            lambda: client.call("stock.lot", "get_genealogy", [lot_id]),
            "%stock_move_line%",
            lambda r: any(node["kind"] == "customer" for node in r["nodes"]),
        ),
        (
            "stock.recall.get_genealogy (JSON-RPC)",
            lambda: client.call("stock.recall", "get_genealogy", [recall_id]),
            "%stock_recall_lot%",
            lambda r: r["lot_count"] == 6,
        ),
        (
            "stock.traceability.health.get_findings (JSON-RPC)",
            lambda: client.call("stock.traceability.health", "get_findings"),
            "%stock_quant%",
            lambda r: isinstance(r, list),
        ),
        (
            "recall FSMA 204 export (GET, read-only route)",
            lambda: client.get(
                f"/stock_lot_traceability/recall/{recall_id}/export/fsma.xlsx"
            ),
            "%stock_recall_event%",
            lambda r: r.content.startswith(b"PK"),
        ),
        (
            "recall customer list (GET, read-only route)",
            lambda: client.get(
                f"/stock_lot_traceability/recall/{recall_id}/export/customers.csv"
            ),
            "%stock_recall_shipment%",
            lambda r: "REPLICA Customer 1" in r.text,
        ),
    ]
    for name, call, pattern, valid in checks:
        check_read_only(primary, replica, name, call, pattern, valid)

    # The control: a method that reads the lot but is not @api.readonly
    # (a form button) runs on the primary.
    action, on_primary, on_replica = where_it_ran(
        primary,
        replica,
        lambda: client.call("stock.lot", "action_open_genealogy", [lot_id]),
        '%FROM "stock_lot"%',
    )
    check(
        action["tag"] == "stock_lot_traceability.genealogy"
        and on_primary > 0
        and on_replica == 0,
        f"control: stock.lot.action_open_genealogy (not read-only) ran on the "
        f"primary: {on_primary} statements on stock_lot there, {on_replica} on "
        "the replica",
    )
    # A write goes to the primary; the replica cannot run it.
    new_recall, on_primary, on_replica = where_it_ran(
        primary,
        replica,
        lambda: client.call(
            "stock.recall",
            "create",
            {"lot_ids": [[6, 0, [lot_id]]], "reason": "replica-check write"},
        ),
        '%INSERT INTO "stock_recall"%',
    )
    check(
        on_primary > 0 and on_replica == 0,
        f"stock.recall.create ran on the primary: {on_primary} inserts there, "
        f"{on_replica} on the replica",
    )
    # ... and reaches the replica by streaming replication (the lag).
    started = time.monotonic()
    caught_up = wait_replayed(primary, replica)
    check(
        caught_up
        and replica.one("SELECT count(*) FROM stock_recall WHERE id = %s", new_recall)[
            0
        ]
        == 1,
        f"the new recall reached the replica in "
        f"{1000 * (time.monotonic() - started):.0f} ms",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--primary-port", type=int, required=True)
    parser.add_argument("--replica-port", type=int, required=True)
    args = parser.parse_args()
    os.environ.pop("PGPORT", None)
    primary = Cluster("primary", args.primary_port, args.db)
    replica = Cluster("replica", args.replica_port, args.db)
    deadline = time.monotonic() + 60
    while True:
        state = primary.one(
            "SELECT string_agg(state, ',') FROM pg_stat_replication "
            "WHERE application_name <> 'pg_basebackup'"
        )[0]
        if state == "streaming" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    check(state == "streaming", f"the primary streams to the replica ({state})")
    check(replica.one("SELECT pg_is_in_recovery()")[0], "the replica is a hot standby")
    check(wait_replayed(primary, replica), "the replica replayed the setup")
    server = Server(args)
    try:
        if check(
            server.start(), f"odoo-bin answers with db_replica_port={args.replica_port}"
        ):
            run_checks(client(server, args.db), primary, replica)
    finally:
        server.stop()
    if FAILED:
        out(f"replica-check: FAILED ({len(FAILED)} checks, log: {args.log})")
        sys.exit(1)
    out("replica-check: OK")


if __name__ == "__main__":
    main()
