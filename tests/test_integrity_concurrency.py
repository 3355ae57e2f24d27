# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The rules hold with two real, concurrent database transactions.

A ``TransactionCase`` cursor never commits, so these tests work on their own
copy of the test database (``pg_dump`` | ``pg_restore``: the committed state,
the add-on installed), dropped at the end: the setup data is committed
there, then two Odoo worker processes (``concurrency_worker.py``) validate
at the same time, each in its own transaction through
``odoo.service.model.retrying`` as an RPC call would. Processes, not
threads: the test runner holds the registry lock while tests run, so a
thread of the same process cannot look a registry up. Nothing of Odoo is
patched.
"""

import json
import logging
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from odoo import SUPERUSER_ID, api, sql_db
from odoo.modules.registry import Registry
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, config
from odoo.tools.misc import exec_pg_environ, find_pg_tool

from .chain_builder import TraceabilityChainBuilder
from .concurrency_worker import CONTEXT

WORKER = str(Path(__file__).with_name("concurrency_worker.py"))
_logger = logging.getLogger(__name__)


def _create_database(name, template=None):
    with sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True  # CREATE/DROP DATABASE refuse transactions
        cr.execute(
            SQL(
                "CREATE DATABASE %s TEMPLATE %s",
                SQL.identifier(name),
                SQL.identifier(template or "template0"),
            )
        )


def _drop_database(name):
    Registry.delete(name)
    sql_db.close_db(name)
    with sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))


def _copy_database(source, target):
    """``target``: a copy of what ``source`` has committed (the test
    cursor's transaction is never committed, so the copy has none of it)."""
    _create_database(target)
    pg_env = exec_pg_environ()
    with subprocess.Popen(
        [find_pg_tool("pg_dump"), "--format=custom", "--no-owner", source],
        stdout=subprocess.PIPE,
        env=pg_env,
    ) as dump:
        subprocess.run(
            [find_pg_tool("pg_restore"), "--no-owner", "--dbname", target],
            stdin=dump.stdout,
            env=pg_env,
            check=True,
        )
    if dump.returncode:
        raise RuntimeError(f"pg_dump of {source} failed ({dump.returncode})")


@tagged("post_install", "-at_install")
class TestIntegrityConcurrency(TransactionCase):
    """Post-install: the copy must have the add-on installed and committed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dbname = f"{cls.env.cr.dbname}_concurrency_{uuid.uuid4().hex[:6]}"
        cls.addClassCleanup(_drop_database, cls.dbname)
        _copy_database(cls.env.cr.dbname, cls.dbname)
        cls.copy_registry = Registry.new(cls.dbname)

    def setUp(self):
        super().setUp()
        self.tag = uuid.uuid4().hex[:8].upper()

    # --- real transactions on the copy --------------------------------------

    def _run(self, func):
        """Run ``func(env)`` in a new transaction on the copy and commit it."""
        with self.copy_registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            result = func(env)
            env.flush_all()
            return result

    def _validate_concurrently(self, picking_ids):
        """Validate each picking in its own Odoo worker process and
        transaction (``concurrency_worker.py``), both snapshots taken before
        either validates; return ``{picking_id: (error class, message)}``,
        ``(None, "")`` for a commit."""
        logs = {picking_id: tempfile.TemporaryFile("w+") for picking_id in picking_ids}
        workers = {
            picking_id: subprocess.Popen(
                [
                    sys.executable,
                    WORKER,
                    config["config"],
                    self.dbname,
                    str(picking_id),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=logs[picking_id],
                text=True,
            )
            for picking_id in picking_ids
        }
        try:
            for worker in workers.values():
                self.assertEqual(worker.stdout.readline().strip(), "ready")
            for worker in workers.values():  # both go
                worker.stdin.write("go\n")
                worker.stdin.flush()
            outcome = {}
            for picking_id, worker in workers.items():
                out = worker.communicate(timeout=300)[0].strip().splitlines()
                result = json.loads(out[-1])
                outcome[picking_id] = (result["error"], result["message"])
            return outcome
        except (AssertionError, ValueError, IndexError, subprocess.TimeoutExpired):
            for picking_id, worker in workers.items():
                worker.kill()
                logs[picking_id].seek(0)
                _logger.error("worker of %s: %s", picking_id, logs[picking_id].read())
            raise
        finally:
            for log in logs.values():
                log.close()

    def _assert_one_commits(self, picking_ids, outcome, message):
        """Exactly one validation committed (its picking is done in the
        database), the other was refused with the rule's ``message``."""
        errors = [result for result in outcome.values() if result[0]]
        self.assertEqual(len(errors), 1, f"exactly one must fail: {outcome}")
        self.assertIn(
            errors[0][0], ("TraceabilityError", "TraceabilityValidationError")
        )
        self.assertRegex(errors[0][1], message)
        winner = next(pid for pid, result in outcome.items() if not result[0])

        def check(env):
            pickings = env["stock.picking"].browse(picking_ids)
            self.assertEqual(
                pickings.filtered(lambda p: p.state == "done").ids, [winner]
            )

        self._state(check)
        return winner

    # --- setup data (committed in the copy) --------------------------------

    def _setup(self, env, tracking="serial"):
        builder = TraceabilityChainBuilder(env)
        product = builder.create_product(
            f"Concurrent {tracking} {self.tag}", tracking=tracking
        )
        partner = builder.create_partner(f"Concurrent {self.tag}")
        return builder, product, partner

    @staticmethod
    def _picking(builder, picking_type, product, partner, line_vals):
        """A transfer holding exactly ``line_vals`` (1 unit unless given),
        ready to validate."""
        if picking_type.code == "incoming":
            src = partner.property_stock_supplier
            dest = picking_type.default_location_dest_id
        else:
            src = picking_type.default_location_src_id
            dest = partner.property_stock_customer
        return builder.prepare_picking(
            picking_type, partner, src, dest, {product: [{"quantity": 1, **line_vals}]}
        )

    def _validated(self, builder, picking_type, product, partner, line_vals):
        """Make and validate a transfer; return its lot."""
        picking = self._picking(builder, picking_type, product, partner, line_vals)
        builder.validate(picking)
        return picking.move_line_ids.lot_id

    @staticmethod
    def _internal_quants(env, lot_name):
        lot = env["stock.lot"].search([("name", "=", lot_name)])
        return env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id.usage", "=", "internal")]
        )

    def _state(self, func):
        with self.copy_registry.cursor() as cr:
            return func(api.Environment(cr, SUPERUSER_ID, CONTEXT))

    # --- tests ------------------------------------------------------------

    def test_two_receipts_of_the_same_new_serial(self):
        serial = f"CONC-{self.tag}"

        def setup(env):
            builder, product, partner = self._setup(env)
            in_type = builder.warehouse.in_type_id
            return [
                self._picking(
                    builder, in_type, product, partner, {"lot_name": serial}
                ).id
                for _i in range(2)
            ]

        picking_ids = self._run(setup)
        outcome = self._validate_concurrently(picking_ids)
        self._assert_one_commits(
            picking_ids, outcome, "uniqueness scope|already on hand"
        )

        def check(env):
            lots = env["stock.lot"].search([("name", "=ilike", serial)])
            self.assertEqual(len(lots), 1)
            self.assertEqual(lots.product_qty, 1)

        self._state(check)

    def test_two_deliveries_of_the_same_serial(self):
        serial = f"CONC-{self.tag}"

        def setup(env):
            builder, product, partner = self._setup(env)
            warehouse = builder.warehouse
            lot = self._validated(
                builder, warehouse.in_type_id, product, partner, {"lot_name": serial}
            )
            return [
                self._picking(
                    builder, warehouse.out_type_id, product, partner, {"lot_id": lot.id}
                ).id
                for _i in range(2)
            ]

        picking_ids = self._run(setup)
        outcome = self._validate_concurrently(picking_ids)
        self._assert_one_commits(picking_ids, outcome, "is not on hand")

        def check(env):
            quants = self._internal_quants(env, serial)
            self.assertFalse(quants.filtered(lambda q: q.quantity < 0))
            self.assertEqual(sum(quants.mapped("quantity")), 0)

        self._state(check)

    def test_two_receipts_of_a_serial_back_from_a_customer(self):
        """The serial exists and is not on hand: each receipt alone is valid,
        together they would put it on hand twice. Both transactions update
        the lot (the add-on's lock, and Odoo's stored lot location), so the
        second one retries and then sees the first one's stock."""
        serial = f"CONC-{self.tag}"

        def setup(env):
            builder, product, partner = self._setup(env)
            warehouse = builder.warehouse
            lot = self._validated(
                builder, warehouse.in_type_id, product, partner, {"lot_name": serial}
            )
            self._validated(
                builder, warehouse.out_type_id, product, partner, {"lot_id": lot.id}
            )
            return [
                self._picking(
                    builder, warehouse.in_type_id, product, partner, {"lot_id": lot.id}
                ).id
                for _i in range(2)
            ]

        picking_ids = self._run(setup)
        outcome = self._validate_concurrently(picking_ids)
        self._assert_one_commits(picking_ids, outcome, "already on hand")

        def check(env):
            quants = self._internal_quants(env, serial)
            self.assertEqual(sum(quants.mapped("quantity")), 1)

        self._state(check)

    def test_two_deliveries_of_one_lot_beyond_stock(self):
        """10 on hand, two deliveries of 6 at once: Odoo alone ends at -2 (the
        second transaction skips the locked quant and makes a negative one)."""
        lot_name = f"CONC-{self.tag}"

        def setup(env):
            builder, product, partner = self._setup(env, tracking="lot")
            warehouse = builder.warehouse
            lot = self._validated(
                builder,
                warehouse.in_type_id,
                product,
                partner,
                {"lot_name": lot_name, "quantity": 10},
            )
            return [
                self._picking(
                    builder,
                    warehouse.out_type_id,
                    product,
                    partner,
                    {"lot_id": lot.id, "quantity": 6},
                ).id
                for _i in range(2)
            ]

        picking_ids = self._run(setup)
        outcome = self._validate_concurrently(picking_ids)
        self._assert_one_commits(picking_ids, outcome, "is not on hand")

        def check(env):
            quants = self._internal_quants(env, lot_name)
            self.assertEqual(sum(quants.mapped("quantity")), 4)

        self._state(check)
