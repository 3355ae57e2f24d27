#!/usr/bin/env python3
"""Browser time to draw the genealogy of the hot lot.

    .venv/bin/python dev/bench/genealogy_browser.py [--db slt_bench] [--runs 3]
        [--port 8091] [--screenshot /tmp/genealogy.png]

Starts ``odoo-bin`` on the database (``--max-cron-threads=0``, a free
port; it writes only what any server start and login write: asset bundles,
the login), logs in as admin in headless Chromium (DevTools protocol), opens
the hot lot's form, then for each run starts the genealogy client action
that the lot form's *Genealogy* button returns, and measures, in the page,
from the action until the SVG nodes are drawn (the server call, the JSON
transfer and the OWL rendering; the button's own round trip is not
included: the benchmark database is never upgraded, so its lot form may not
have the button yet). Prints the median, min and max;
``--screenshot`` saves the last drawing (never commit it).
"""

import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib
import requests
import websocket

DRAW_JS = """
new Promise((resolve, reject) => {
    // the lot form's Genealogy button runs this client action; the form
    // view of a database not upgraded to this checkout has no button yet
    const action = odoo.__WOWL_DEBUG__.root.env.services.action;
    const start = performance.now();
    action.doAction({
        type: "ir.actions.client",
        tag: "stock_lot_traceability.genealogy",
        params: { res_model: "stock.lot", res_id: LOT_ID },
    });
    const poll = () => {
        const nodes = document.querySelectorAll(
            ".o_slt_genealogy_action .o_slt_genealogy_node");
        if (nodes.length) {
            requestAnimationFrame(() => resolve(JSON.stringify({
                ms: performance.now() - start, nodes: nodes.length,
                rpc_ms: performance.getEntriesByType("resource")
                    .filter((entry) => entry.name.includes("get_genealogy"))
                    .map((entry) => entry.duration).pop(),
                notices: [...document.querySelectorAll(".o_slt_genealogy_notice")]
                    .map((el) => el.textContent.trim()),
            })));
        } else if (performance.now() - start > 60000) {
            reject("timeout");
        } else {
            setTimeout(poll, 10);
        }
    };
    poll();
})
"""


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=120)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message["result"]

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, selector, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.2)
        raise TimeoutError(selector)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise TimeoutError(url)


def start_odoo(db, port, stderr=subprocess.DEVNULL, *options):
    """``odoo-bin`` serving ``db`` alone on ``port``, without cron."""
    return subprocess.Popen(
        [
            sys.executable,
            os.path.join(benchlib.odoo_src(), "odoo-bin"),
            "-c",
            str(benchlib.ODOORC),
            "-d",
            db,
            "--db-filter",
            f"^{db}$",
            "--http-port",
            str(port),
            "--max-cron-threads=0",
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def stop(server, chrome, profile):
    """Stop what :func:`start_odoo` and :func:`start_chromium` started
    (``chrome`` None if it never started) and drop the browser profile."""
    if chrome:
        chrome.terminate()
        chrome.wait()
    server.terminate()
    server.wait()
    shutil.rmtree(profile, ignore_errors=True)


def start_chromium(profile, base, session_id):
    """Headless Chromium logged in to ``base`` with ``session_id``."""
    port = free_port()
    proc = subprocess.Popen(
        [
            shutil.which("chromium") or "chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            "--window-size=1440,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_http(f"http://127.0.0.1:{port}/json/version", timeout=30)
    targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=5).json()
    target = next(t for t in targets if t["type"] == "page")
    page = Page(target["webSocketDebuggerUrl"])
    page.call("Network.setCookie", name="session_id", value=session_id, url=base)
    return proc, page


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default="slt_bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lot", default="HOT-RAW-00000001")
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    lot_id = int(
        benchlib.psql(f"SELECT id FROM stock_lot WHERE name = '{args.lot}'", args.db)
    )
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile("w+", prefix="slt_genealogy_odoo_", suffix=".log")
    server = start_odoo(args.db, port, log, "--without-demo=all")
    profile = tempfile.mkdtemp(prefix="slt_genealogy_chrome_")
    chrome = None
    try:
        wait_http(f"{base}/web/login")
        session = requests.Session()
        session.post(
            f"{base}/web/session/authenticate",
            json={"params": {"db": args.db, "login": "admin", "password": "admin"}},
            timeout=120,
        ).raise_for_status()
        chrome, page = start_chromium(profile, base, session.cookies["session_id"])
        times = []
        for _run in range(args.runs):
            # a light page: the lot form of the hot lot loads thousands of
            # customer tags and transfers, whose requests would compete
            page.call(
                "Page.navigate",
                url=f"{base}/odoo/action-stock.stock_picking_type_action",
            )
            page.wait_for(".o_kanban_view .o_kanban_record")
            time.sleep(2)  # let the page's own requests finish
            result = json.loads(page.evaluate(DRAW_JS.replace("LOT_ID", str(lot_id))))
            times.append(result["ms"] / 1000)
            benchlib.out(
                f"  run: {result['ms'] / 1000:.2f} s (get_genealogy request "
                f"{result['rpc_ms'] / 1000:.2f} s), {result['nodes']} nodes drawn"
            )
        benchlib.out(f"browser genealogy of {args.lot} on {args.db}, {args.runs} runs")
        benchlib.out(
            f"  click to drawn  {statistics.median(times):.2f} s  "
            f"{min(times):.2f} - {max(times):.2f}"
        )
        for notice in result["notices"]:
            benchlib.out(f"  on screen: {notice}")
        # werkzeug: queries, SQL time, Python time of each request
        log.seek(0)
        for line in log:
            if "get_genealogy" in line:
                benchlib.out("  server:", " ".join(line.split()[-4:]))
        if args.screenshot:
            shot = page.call("Page.captureScreenshot", format="png")
            with open(args.screenshot, "wb") as out:
                out.write(base64.b64decode(shot["data"]))
    finally:
        stop(server, chrome, profile)
        log.close()


if __name__ == "__main__":
    main()
