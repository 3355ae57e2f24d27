"""Background jobs against a real Odoo server (make jobs-check).

1. Live progress: a client logs in over JSON-RPC, connects to /websocket
   with its session cookie, subscribes like the web client, starts a
   background assignment of N serials through JSON-RPC and must receive
   increasing progress notifications, then "done"; the result is checked
   in the database (N serials, one run, tracked quants).
2. Kill during a run: a second assignment is started, the server is
   SIGKILLed once the job reported progress; the database must hold
   nothing of the run; the server is restarted and the job must complete
   exactly once (re-queued by the recovery of the cron).

Exits non-zero on the first failed check; prints the measures.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

import psycopg2
import requests
import websocket
from clilog import out
from webclient import WebClient, WebClientError

LOGIN = PASSWORD = "admin"
BUS_TYPE = "stock_traceability_job/progress"


def fail(message):
    out(f"jobs-check FAILED: {message}")
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    out(f"OK   {message}")


class Server:
    def __init__(self, args):
        self.args = args
        self.port = self._free_port()
        self.process = None

    @staticmethod
    def _free_port():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

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
                "--http-port",
                str(self.port),
                "--workers=0",
                "--max-cron-threads=1",
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
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                code = self.process.returncode
                fail(f"the server exited ({code}), see {self.args.log}")
            time.sleep(0.5)
        fail("the server did not answer within 120 s")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class Client(WebClient):
    """The admin's session on ``server``; an error of Odoo fails the check."""

    def __init__(self, server, db):
        self.server = server
        super().__init__(server.url, db, LOGIN, PASSWORD)

    def _post(self, path, params):
        try:
            return super()._post(path, params)
        except WebClientError as error:
            fail(str(error))

    def websocket(self):
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{self.server.port}/websocket?version=19.0-2",
            cookie=f"session_id={self.session.cookies['session_id']}",
            origin=self.server.url,
            timeout=5,
        )
        # As the web client does: the server adds the user's partner channel.
        ws.send(
            json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}})
        )
        return ws


def receive_job_notifications(ws, job_id, until_states, timeout):
    """[(monotonic time, payload)] of the job until one of ``until_states``."""
    received = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            raw = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        if not raw:
            continue
        for notification in json.loads(raw):
            message = notification["message"]
            if message["type"] != BUS_TYPE or message["payload"]["job_id"] != job_id:
                continue
            received.append((time.monotonic(), message["payload"]))
            if until_states(message["payload"]):
                return received
    fail(f"no final notification for job {job_id} within {timeout} s")
    return received


def make_untracked_stock(client, code, units, locations):
    """A storable product with ``units`` untracked units spread over new
    locations, then tracked by serial (standard Odoo calls only)."""
    stock_id = client.call(
        "stock.warehouse", "search_read", [], fields=["lot_stock_id"], limit=1
    )[0]["lot_stock_id"][0]
    product_id = client.call(
        "product.product",
        "create",
        {"name": f"Jobs check {code}", "default_code": code, "is_storable": True},
    )
    location_ids = client.call(
        "stock.location",
        "create",
        [{"name": f"{code} {i}", "location_id": stock_id} for i in range(locations)],
    )
    per_location = units // locations
    quant_ids = client.call(
        "stock.quant",
        "create",
        [
            {
                "product_id": product_id,
                "location_id": location_id,
                "inventory_quantity": per_location,
            }
            for location_id in location_ids
        ],
        context={"inventory_mode": True},
    )
    client.call("stock.quant", "action_apply_inventory", quant_ids)
    template_id = client.call(
        "product.product", "read", [product_id], ["product_tmpl_id"]
    )[0]["product_tmpl_id"][0]
    client.call("product.template", "write", [template_id], {"tracking": "serial"})
    return product_id


def start_assignment(client, product_id, prefix):
    wizard_id = client.call(
        "stock.lot.assign",
        "create",
        {"mode": "serials", "name_prefix": prefix, "padding": 6},
        context={"active_model": "product.product", "active_ids": [product_id]},
    )
    started = time.monotonic()
    action = client.call("stock.lot.assign", "action_apply", [wizard_id])
    if action.get("res_model") != "stock.traceability.job":
        fail(f"the assignment did not go to the background: {action}")
    return action["res_id"], started, time.monotonic() - started


class Database:
    def __init__(self, db):
        self.conn = psycopg2.connect(dbname=db)
        self.conn.autocommit = True

    def one(self, query, *params):
        with self.conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchone()

    def job(self, job_id):
        return self.one(
            "SELECT state, attempt, progress_done, progress_total, error "
            "FROM stock_traceability_job WHERE id = %s",
            job_id,
        )

    def result(self, product_id, prefix, job_id):
        """(runs of the job, lots of the prefix, tracked units, untracked units)"""
        return (
            self.one(
                "SELECT count(*) FROM stock_lot_assign_run WHERE job_id = %s", job_id
            )[0],
            self.one(
                "SELECT count(*) FROM stock_lot WHERE product_id = %s AND name LIKE %s",
                product_id,
                prefix + "%",
            )[0],
            float(
                self.one(
                    "SELECT coalesce(sum(q.quantity), 0) FROM stock_quant q "
                    "JOIN stock_location l ON l.id = q.location_id "
                    "WHERE q.product_id = %s AND q.lot_id IS NOT NULL "
                    "AND l.usage = 'internal'",
                    product_id,
                )[0]
            ),
            float(
                self.one(
                    "SELECT coalesce(sum(q.quantity), 0) FROM stock_quant q "
                    "JOIN stock_location l ON l.id = q.location_id "
                    "WHERE q.product_id = %s AND q.lot_id IS NULL "
                    "AND l.usage = 'internal'",
                    product_id,
                )[0]
            ),
        )


def check_live_progress(server, db, serials):
    out(f"1. Background assignment of {serials} serials with live progress")
    client = Client(server, db.conn.info.dbname)
    product_id = make_untracked_stock(client, "JC-LIVE", serials, 100)
    ws = client.websocket()
    job_id, started, request_s = start_assignment(client, product_id, "JCL-")
    out(f"     action_apply answered in {request_s:.1f} s (job {job_id} queued)")
    received = receive_job_notifications(
        ws, job_id, lambda p: p["state"] in ("done", "failed", "cancelled"), 1800
    )
    ended = time.monotonic()
    ws.close()
    payloads = [payload for _at, payload in received]
    final = payloads[-1]
    check(final["state"] == "done", f"final notification is done ({final})")
    running = [(at, p) for at, p in received if p["state"] == "running"]
    counts = [p["done"] for _at, p in running]
    check(len(counts) >= 10, f"{len(counts)} progress notifications received")
    check(
        counts == sorted(counts) and len(set(counts)) == len(counts),
        "progress strictly increasing",
    )
    check(counts[-1] == serials, f"last progress {counts[-1]} / {serials}")
    check(
        all(p["remaining_seconds"] is not False for _at, p in running if p["done"]),
        "every progress notification carries the expected remaining time",
    )
    runs, lots, tracked, untracked = db.result(product_id, "JCL-", job_id)
    check(runs == 1, f"one run for the job ({runs})")
    check(lots == serials, f"{lots} serials created")
    check(
        tracked == serials and untracked == 0,
        f"tracked {tracked}, untracked {untracked}",
    )
    times = [at for at, _p in running]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    first_progress = running[1][0] - started if len(running) > 1 else 0
    out(
        f"     measured: {ended - started:.1f} s from the click to 'done' "
        f"(request {request_s:.1f} s), {len(running)} progress notifications, "
        f"one every {sum(gaps) / len(gaps):.2f} s (min {min(gaps):.2f}, "
        f"max {max(gaps):.2f}), first batch after {first_progress:.1f} s"
    )


def check_kill_during_run(server, db, serials):
    out(f"2. SIGKILL of the server during a background assignment of {serials}")
    client = Client(server, db.conn.info.dbname)
    product_id = make_untracked_stock(client, "JC-KILL", serials, 50)
    ws = client.websocket()
    job_id, _started, _request_s = start_assignment(client, product_id, "JCK-")
    received = receive_job_notifications(
        ws, job_id, lambda p: p["state"] == "running" and p["done"] > 0, 600
    )
    ws.close()
    out(f"     job {job_id} reported {received[-1][1]['done']} / {serials}: SIGKILL")
    server.kill()
    state = db.job(job_id)
    runs, lots, tracked, untracked = db.result(product_id, "JCK-", job_id)
    check(state[0] == "running", f"after the kill the job row says running ({state})")
    check(
        runs == 0 and lots == 0, f"no run and no lot of it committed ({runs}, {lots})"
    )
    check(
        tracked == 0 and untracked == serials,
        f"untracked stock unchanged ({untracked} untracked, {tracked} tracked)",
    )
    restarted = time.monotonic()
    server.start()
    client = Client(server, db.conn.info.dbname)
    ws = client.websocket()
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline and db.job(job_id)[0] not in ("done", "failed"):
        time.sleep(1)
    ws.close()
    state = db.job(job_id)
    out(f"     after restart: {state[:4]} in {time.monotonic() - restarted:.1f} s")
    check(
        state[0] == "done" and state[1] == 2, "job queued again and done at attempt 2"
    )
    runs, lots, tracked, untracked = db.result(product_id, "JCK-", job_id)
    check(runs == 1, f"exactly one run ({runs})")
    check(lots == serials, f"{lots} serials, each once")
    check(
        tracked == serials and untracked == 0,
        f"tracked {tracked}, untracked {untracked}",
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--serials", type=int, default=20000)
    args = parser.parse_args()
    server = Server(args)
    db = Database(args.db)
    server.start()
    try:
        check_live_progress(server, db, args.serials)
        check_kill_during_run(server, db, max(args.serials // 2, 3000))
    finally:
        server.stop()
        db.conn.close()
    out("jobs-check: OK")


if __name__ == "__main__":
    main()
