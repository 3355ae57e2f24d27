"""Locust users of the load test: the roles of a warehouse database.

Run by dev/bench/load/run.py (``make load``), which builds the database,
starts Odoo and passes LOAD_CONFIG (the JSON written by prepare.py),
LOAD_STATE (in-flight operations, rewritten while the test runs) and
LOAD_OUTCOMES (outcomes per operation, written at the end).

The users speak Odoo 19's JSON-2 API (``POST /json/2/<model>/<method>``,
one API key per user) through Locust's FastHttpUser: the JSON-RPC endpoint
is deprecated in Odoo 19, and JSON-2 answers a refusal (UserError,
ValidationError, AccessError...) with a 4xx status and the exception's
name, a server error with 500, so every answer is classified exactly.

Each business operation (a receipt, a delivery, an assignment...) is a
sequence of calls, reported to Locust as one request of type ``OP`` besides
its calls, with its outcome: served, refused (a clean 4xx from Odoo or a
confirmation wizard instead of a validation), or an error (500 or no answer)
kept with its time and exception name for run.py to classify.
"""

import collections
import itertools
import json
import os
import random
import time
from datetime import datetime, timedelta

import gevent
from locust import FastHttpUser, between, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"]).read())  # noqa: SIM115
STATE_PATH = os.environ.get("LOAD_STATE")
OUTCOMES_PATH = os.environ.get("LOAD_OUTCOMES")
DB = CONFIG["db"]
# the calls a fault must hit: a validation, an assignment, a quarantine
CRITICAL = ("validate", "assign", "quarantine")

IN_FLIGHT = collections.Counter()
OUTCOMES = collections.defaultdict(collections.Counter)
# op -> "call: exception: first words of the message" -> count
REASONS = collections.defaultdict(collections.Counter)
ERRORS = []
_KEYS = {role: itertools.cycle(keys) for role, keys in CONFIG["keys"].items()}


class Refused(Exception):
    """A clean refusal: the operation was not done and the user was told."""


class CallError(Exception):
    """A server error (500) or no answer at all."""

    def __init__(self, call, status, name, message):
        super().__init__(f"{call}: {status} {name}: {message}")
        self.call, self.status, self.name, self.message = call, status, name, message


def _write_state():
    while True:
        tmp = f"{STATE_PATH}.tmp"
        with open(tmp, "w") as f:
            json.dump({"time": time.time(), "in_flight": IN_FLIGHT}, f)
        os.replace(tmp, STATE_PATH)
        gevent.sleep(0.02)


@events.test_start.add_listener
def _start_state_writer(environment, **_kw):
    if STATE_PATH:
        gevent.spawn(_write_state)


@events.quitting.add_listener
def _write_outcomes(environment, **_kw):
    if OUTCOMES_PATH:
        with open(OUTCOMES_PATH, "w") as f:
            json.dump({"outcomes": OUTCOMES, "refusals": REASONS, "errors": ERRORS}, f)


class OdooUser(FastHttpUser):
    abstract = True
    role = None
    # a person between two operations (screens, scanning, walking)
    wait_time = between(5, 15)
    # the server queues requests, it does not refuse them: wait as long as
    # Odoo's own limit (--limit-time-real of run.py)
    network_timeout = 900.0
    connection_timeout = 900.0

    def on_start(self):
        self.key = next(_KEYS[self.role])
        self.rnd = random.Random()
        self.cfg = CONFIG

    # -- calls -----------------------------------------------------------
    def call(self, model, method, critical=None, **params):
        """``model.method(**params)`` through JSON-2; returns its result."""
        name = f"{model}.{method}"
        if critical:
            IN_FLIGHT[critical] += 1
        try:
            with self.client.post(
                f"/json/2/{model}/{method}",
                json=params,
                headers={
                    "Authorization": f"bearer {self.key}",
                    "X-Odoo-Database": DB,
                    # as a reverse proxy does: an Odoo worker keeps an idle
                    # keep-alive connection for 2 s and then closes it, so
                    # a client reusing it races with the close
                    "Connection": "close",
                },
                name=name,
                catch_response=True,
            ) as response:
                return self._result(name, response)
        finally:
            if critical:
                IN_FLIGHT[critical] -= 1

    def _result(self, name, response):
        status = response.status_code or 0
        if status == 200:
            response.success()
            return response.json()
        try:
            body = response.json() or {}
        except Exception:  # noqa: BLE001 - no JSON: a proxy or a dead worker
            body = {}
        error = body.get("name") or type(response.error).__name__
        message = (body.get("message") or str(response.error or ""))[:300]
        if 400 <= status < 500 and error.startswith(
            ("odoo.exceptions.", "odoo.addons.stock_lot_traceability.")
        ):
            response.success()  # a refusal is a correct answer
            raise Refused(f"{name}: {error}: {message}")
        response.failure(f"{status} {error}")
        raise CallError(name, status, error, message)

    def operation(self, op, func):
        """Run one business operation; report it to Locust as type OP."""
        start = time.perf_counter()
        exception = None
        try:
            func()
            outcome = "served"
        except Refused as exc:
            outcome = "refused"
            REASONS[op][str(exc)[:140]] += 1
        except CallError as exc:
            outcome = "error"
            exception = exc
            ERRORS.append(
                {
                    "time": time.time(),
                    "op": op,
                    "call": exc.call,
                    "status": exc.status,
                    "name": exc.name,
                    "message": exc.message,
                }
            )
        OUTCOMES[op][outcome] += 1
        events.request.fire(
            request_type="OP",
            name=op,
            response_time=(time.perf_counter() - start) * 1000,
            response_length=0,
            exception=exception,
            context={},
        )

    # -- shared steps ----------------------------------------------------
    def transfer(self, kind, product, lines, cancel_on_refusal=True):
        """Create, confirm, fill (``lines``: move line values without the
        route) and validate a receipt or a delivery."""
        cfg = self.cfg
        if kind == "receipt":
            type_key, src, dst, partner = "in_type", "supplier", "stock", "vendor"
        else:
            type_key, src, dst, partner = "out_type", "stock", "customer", "partner"
        route = {"location_id": cfg[src], "location_dest_id": cfg[dst]}
        qty = sum(line["quantity"] for line in lines)
        [picking] = self.call(
            "stock.picking",
            "create",
            vals_list=[
                {
                    "picking_type_id": cfg[type_key],
                    "partner_id": cfg[partner],
                    "move_ids": [
                        (0, 0, {"product_id": product, "product_uom_qty": qty, **route})
                    ],
                    **route,
                }
            ],
        )
        try:
            self.call("stock.picking", "action_confirm", ids=[picking])
            [move] = self.call(
                "stock.move",
                "search_read",
                domain=[("picking_id", "=", picking)],
                fields=["move_line_ids"],
            )
            new_lines = [
                (0, 0, {"product_id": product, "picking_id": picking, **route, **line})
                for line in lines
            ]
            self.call(
                "stock.move",
                "write",
                ids=[move["id"]],
                vals={
                    "move_line_ids": [(2, ml) for ml in move["move_line_ids"]]
                    + new_lines,
                    "picked": True,
                },
            )
            result = self.call(
                "stock.picking",
                "button_validate",
                critical="validate",
                ids=[picking],
                context={"skip_sms": True, "skip_backorder": True},
            )
            if isinstance(result, dict):
                raise Refused(
                    f"stock.picking.button_validate: asks {result.get('res_model')}"
                )
        except Refused:
            if cancel_on_refusal:
                self._cancel(picking)
            raise

    def _cancel(self, picking):
        """Release what a refused transfer reserved (a clerk would)."""
        try:
            self.call("stock.picking", "action_cancel", ids=[picking])
        except (Refused, CallError):
            pass


class ReceivingClerk(OdooUser):
    """Receives serials (some already on hand, some known under another
    product) and lots (some already expired)."""

    role = "clerk"
    weight = 4

    @task(3)
    def receive_serials(self):
        def run():
            cfg = self.cfg
            names = {
                f"LOAD-SN-{self.rnd.randrange(cfg['serial_pool']):04d}"
                for _i in range(self.rnd.randint(1, 4))
            }
            if self.rnd.random() < 0.1:
                names.add(f"LOAD-FX-{self.rnd.randrange(40):04d}")  # foreign
            lines = [{"lot_name": name, "quantity": 1} for name in sorted(names)]
            self.transfer("receipt", cfg["serial_product"], lines)

        self.operation("receive_serials", run)

    @task(2)
    def receive_lots(self):
        def run():
            cfg = self.cfg
            name = f"LOAD-LOT-{self.rnd.randrange(cfg['lot_pool']):03d}"
            days = -2 if self.rnd.random() < 0.15 else 120
            expiry = datetime.now() + timedelta(days=days)  # noqa: DTZ005
            lines = [
                {
                    "lot_name": name,
                    "quantity": self.rnd.randint(5, 20),
                    "expiration_date": expiry.strftime("%Y-%m-%d %H:%M:%S"),
                }
            ]
            self.transfer("receipt", cfg["lot_product"], lines)

        self.operation("receive_lots", run)


class Picker(OdooUser):
    """Ships serials and lots seen on hand a moment ago (others race for
    them); blocked and expired lots are among them."""

    role = "picker"
    weight = 4

    def _on_hand(self, product, limit):
        return self.call(
            "stock.quant",
            "search_read",
            domain=[
                ("product_id", "=", product),
                ("location_id", "=", self.cfg["stock"]),
                ("quantity", ">", 0),
                ("lot_id", "!=", False),
            ],
            fields=["lot_id", "quantity"],
            limit=limit,
            order="id desc",
        )

    @task(3)
    def deliver_serials(self):
        def run():
            quants = self._on_hand(self.cfg["serial_product"], 60)
            if not quants:
                raise Refused("nothing on hand")
            picked = self.rnd.sample(quants, min(len(quants), self.rnd.randint(1, 3)))
            lots = sorted({q["lot_id"][0] for q in picked})
            lines = [{"lot_id": lot, "quantity": 1} for lot in lots]
            self.transfer("delivery", self.cfg["serial_product"], lines)

        self.operation("deliver_serials", run)

    @task(2)
    def deliver_lots(self):
        def run():
            quants = self._on_hand(self.cfg["lot_product"], 40)
            if not quants:
                raise Refused("nothing on hand")
            quant = self.rnd.choice(quants)
            # sometimes more than the quant held a moment ago
            qty = self.rnd.randint(1, int(quant["quantity"]) + 3)
            lines = [{"lot_id": quant["lot_id"][0], "quantity": qty}]
            self.transfer("delivery", self.cfg["lot_product"], lines)

        self.operation("deliver_lots", run)


class Manager(OdooUser):
    """Assigns serials retroactively to stock entered before tracking."""

    role = "manager"
    weight = 1

    @task
    def assign(self):
        def run():
            cfg = self.cfg
            code = f"LOAD-LEG-{self.rnd.randrange(10**9):09d}"
            [product] = self.call(
                "product.product",
                "create",
                vals_list=[{"name": code, "default_code": code, "is_storable": True}],
            )
            quants = self.call(
                "stock.quant",
                "create",
                vals_list=[
                    {
                        "product_id": product,
                        "location_id": location,
                        "inventory_quantity": self.rnd.randint(3, 8),
                    }
                    for location in cfg["bins"]
                ],
                context={"inventory_mode": True},
            )
            self.call("stock.quant", "action_apply_inventory", ids=quants)
            [template] = self.call(
                "product.product", "read", ids=[product], fields=["product_tmpl_id"]
            )
            self.call(
                "product.template",
                "write",
                ids=[template["product_tmpl_id"][0]],
                vals={"tracking": "serial"},
            )
            [wizard] = self.call(
                "stock.lot.assign",
                "create",
                vals_list=[
                    {"mode": "serials", "name_prefix": f"{code}-", "padding": 3}
                ],
                context={"active_model": "product.product", "active_ids": [product]},
            )
            self.call(
                "stock.lot.assign", "action_apply", critical="assign", ids=[wizard]
            )

        self.operation("assign", run)


class QualityOfficer(OdooUser):
    """Traces lots (drills) and quarantines one now and then."""

    role = "quality"
    weight = 1

    def _recall(self, mock):
        lot = self.rnd.choice(self.cfg["seed_lots"])
        [recall] = self.call(
            "stock.recall",
            "create",
            vals_list=[
                {
                    "lot_ids": [(6, 0, [lot])],
                    "reason": "load test",
                    "is_mock": mock,
                }
            ],
        )
        self.call("stock.recall", "action_trace", ids=[recall])
        return recall

    @task(3)
    def trace(self):
        self.operation("trace", lambda: self._recall(mock=True))

    @task(1)
    def quarantine(self):
        def run():
            recall = self._recall(mock=False)
            self.call(
                "stock.recall", "action_quarantine", critical="quarantine", ids=[recall]
            )

        self.operation("quarantine", run)


class Reader(OdooUser):
    """Reads the lot list, the traceability report and the health check."""

    role = "reader"
    weight = 3

    @task(4)
    def lot_list(self):
        def run():
            self.call(
                "stock.lot",
                "search_read",
                domain=[
                    (
                        "product_id",
                        "in",
                        [self.cfg["lot_product"], self.cfg["serial_product"]],
                    )
                ],
                fields=[
                    "name",
                    "product_id",
                    "product_qty",
                    "expiration_date",
                    "is_blocked",
                ],
                limit=80,
            )

        self.operation("lot_list", run)

    @task(3)
    def trace_report(self):
        def run():
            lot = self.rnd.choice(self.cfg["seed_lots"])
            self.call(
                "stock.traceability.report",
                "get_main_lines",
                given_context={"active_id": lot, "model": "stock.lot"},
            )

        self.operation("trace_report", run)

    @task(1)
    def health_check(self):
        self.operation(
            "health_check",
            lambda: self.call("stock.traceability.health", "action_open"),
        )
