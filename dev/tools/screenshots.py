#!/usr/bin/env python3
"""Screenshots of the demo recall for README › Usage (static/description).

    .venv/bin/python dev/tools/screenshots.py [--db slt_demo] [--out static/description]

Needs a database with the add-on and its demo data (``make run`` creates
``slt_demo``; run it once and stop it). The script copies it to a throwaway
``<db>_shots``, updates the add-on there to this checkout, serves the copy
with ``odoo-bin`` on a free port, and as the demo's admin, through the web
client's own calls: creates the recall of the
expired flour lot ``FLOUR-2026-003``, traces it, sends the customer notices
with the *Notify customers* wizard and runs Odoo's mail queue. No mail
server listens on this machine, so every email fails as it would at a
company whose mail server is down: the screens show what the recall does
then. It saves, at 1440 x 900 in headless Chromium:

* ``recall_summary_notices.png``: the Summary tab (quantities per product,
  notices failed with their reason);
* ``recall_customers_notices.png``: the Customers tab (delivery state per
  customer row);
* ``recall_genealogy.png``: the Genealogy tab.

The copy is dropped at the end.
"""

import argparse
import base64
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "dev" / "bench"))

import benchlib  # noqa: E402
from genealogy_browser import (  # noqa: E402
    free_port,
    start_chromium,
    start_odoo,
    stop,
    wait_http,
)
from webclient import WebClient  # noqa: E402

SHOTS = (
    ("summary", "recall_summary_notices.png", None),
    (
        "customers",
        "recall_customers_notices.png",
        ".o_field_widget[name=shipment_ids] .o_data_row",
    ),
    ("genealogy", "recall_genealogy.png", ".o_slt_genealogy_node"),
)

SCROLL_JS = """(() => {
    const notebook = document.querySelector('.o_notebook');
    notebook.scrollIntoView();
    let box = notebook.parentElement;
    while (box && box.scrollHeight <= box.clientHeight) { box = box.parentElement; }
    if (box) { box.scrollTop -= 60; }
})()"""


def prepare_recall(client):
    """The demo recall of FLOUR-2026-003, traced, its notices sent and
    failed by the mail server that is not there; returns its id."""
    lot = client.call("stock.lot", "search", [("name", "=", "FLOUR-2026-003")], limit=1)
    recall_id = client.call(
        "stock.recall",
        "create",
        {
            "lot_ids": [(6, 0, lot)],
            "direction": "downstream",
            "reason": "Listeria found in flour",
        },
    )
    client.call("stock.recall", "action_trace", [recall_id])
    action = client.call("stock.recall", "action_notify", [recall_id])
    client.call(action["res_model"], "action_apply", [action["res_id"]])
    client.call("mail.mail", "process_email_queue")
    return recall_id


def shoot(page, base, recall_id, out):
    page.call(
        "Page.navigate",
        url=f"{base}/odoo/action-stock_lot_traceability.stock_recall_action/{recall_id}",
    )
    page.wait_for(".o_form_view .o_notebook")
    for tab, filename, ready in SHOTS:
        page.evaluate(
            f"document.querySelector('.o_notebook .nav-link[name={tab}]').click()"
        )
        if ready:
            page.wait_for(ready)
        # the tab's content in view, its headers under the sticky buttons
        page.evaluate(SCROLL_JS)
        time.sleep(1.5)  # let the tab finish drawing
        shot = page.call("Page.captureScreenshot", format="png")
        path = out / filename
        path.write_bytes(base64.b64decode(shot["data"]))
        benchlib.out(f"  {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="slt_demo")
    parser.add_argument("--out", default=str(ROOT / "static" / "description"))
    args = parser.parse_args()
    copy = f"{args.db}_shots"
    if not benchlib.db_exists(args.db):
        sys.exit(f"No database {args.db}: run 'make run' once (it creates slt_demo).")
    benchlib.drop_db(copy)
    subprocess.run(["createdb", "-T", args.db, copy], check=True)
    benchlib.copy_filestore(args.db, copy)
    benchlib.update_addon(copy)  # the views and labels of this checkout
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_odoo(copy, port)
    profile = tempfile.mkdtemp(prefix="slt_shots_chrome_")
    chrome = None
    try:
        wait_http(f"{base}/web/login")
        client = WebClient(base, copy)
        recall_id = prepare_recall(client)
        chrome, page = start_chromium(
            profile, base, client.session.cookies["session_id"]
        )
        shoot(page, base, recall_id, Path(args.out))
    finally:
        stop(server, chrome, profile)
        benchlib.drop_db(copy)


if __name__ == "__main__":
    main()
