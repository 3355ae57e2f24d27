# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A8: the rules hold with two real, concurrent database transactions.

A ``TransactionCase`` cursor never commits, so these tests open their own
connections: the setup data is committed, two threads validate at the same
time (each in its own transaction, through ``odoo.service.model.retrying``
as an RPC call would), and everything is deleted afterwards.
"""

import threading
import uuid
from functools import partial

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..exceptions import TraceabilityError, TraceabilityValidationError

CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "skip_backorder": True,
    "skip_expired": True,
    "skip_sms": True,
}


@tagged("post_install", "-at_install")
class TestIntegrityConcurrency(TransactionCase):
    """Post-install: the module must be committed before other connections
    can use its tables."""

    def setUp(self):
        super().setUp()
        self.dbname = self.env.cr.dbname
        self.tag = uuid.uuid4().hex[:8].upper()
        self.created = {}
        self.addCleanup(self._cleanup)
        # The test runner holds the registry lock while it runs the tests;
        # worker threads only look the (loaded) registry up.
        self.patch(Registry, "_lock", DummyRLock())

    # --- real transactions ---------------------------------------------

    def _cursor(self):
        # The registry hands out test cursors; this is a real connection.
        return sql_db.db_connect(self.dbname).cursor()

    def _run(self, func):
        """Run ``func(env)`` in a new transaction and commit it."""
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
            result = func(env)
            env.flush_all()
            return result

    def _validate_concurrently(self, picking_ids):
        """Validate each picking in its own thread and transaction, both
        started before either commits; return {picking_id: exception}."""
        barrier = threading.Barrier(len(picking_ids), timeout=30)
        outcome = {}

        def validate(picking_id, env, attempt):
            attempt.append(1)
            picking = env["stock.picking"].browse(picking_id)
            picking.fetch(["state"])  # take the snapshot
            if len(attempt) == 1:
                barrier.wait()
            picking.button_validate()

        def worker(picking_id):
            try:
                with self._cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
                    retrying(partial(validate, picking_id, env, []), env)
                outcome[picking_id] = None
            except Exception as error:  # noqa: BLE001 -- reported below
                outcome[picking_id] = error

        threads = [
            threading.Thread(target=worker, args=(picking_id,))
            for picking_id in picking_ids
        ]
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertTrue(all(not t.is_alive() for t in threads), "a worker hung")
        return outcome

    def _assert_one_commits(self, outcome):
        errors = [error for error in outcome.values() if error is not None]
        self.assertEqual(len(errors), 1, f"exactly one must fail: {outcome}")
        self.assertIsInstance(
            errors[0], (TraceabilityError, TraceabilityValidationError), errors[0]
        )
        return next(pid for pid, error in outcome.items() if error is None)

    # --- setup data (committed) and cleanup --------------------------------

    def _setup(self, env, tracking="serial"):
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        product = env["product.product"].create(
            {
                "name": f"Concurrent {tracking} {self.tag}",
                "is_storable": True,
                "tracking": tracking,
            }
        )
        partner = env["res.partner"].create({"name": f"Concurrent {self.tag}"})
        self.created.update(
            product=product.id, template=product.product_tmpl_id.id, partner=partner.id
        )
        return warehouse, product, partner

    def _picking(self, env, picking_type, product, partner, line_vals):
        if picking_type.code == "incoming":
            src, dest = (
                partner.property_stock_supplier,
                picking_type.default_location_dest_id,
            )
        else:
            src, dest = (
                picking_type.default_location_src_id,
                partner.property_stock_customer,
            )
        picking = env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner.id,
                "location_id": src.id,
                "location_dest_id": dest.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": line_vals.get("quantity", 1),
                            "product_uom": product.uom_id.id,
                            "location_id": src.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        env["stock.move.line"].create(
            {
                **move._prepare_move_line_vals(),
                "quantity": 1,
                **line_vals,
                "picked": True,
            }
        )
        move.picked = True
        return picking

    def _validated(self, env, picking_type, product, partner, line_vals):
        """Make and validate a transfer; return its lot."""
        picking = self._picking(env, picking_type, product, partner, line_vals)
        picking.with_context(**CONTEXT).button_validate()
        return picking.move_line_ids.lot_id

    @staticmethod
    def _internal_quants(env, lot_name):
        lot = env["stock.lot"].search([("name", "=", lot_name)])
        return env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id.usage", "=", "internal")]
        )

    @staticmethod
    def _failure(outcome):
        return str(next(error for error in outcome.values() if error))

    def _cleanup(self):
        product_id = self.created.get("product")
        if not product_id:
            return
        with self._cursor() as cr:
            for query in (
                "DELETE FROM stock_move_line WHERE product_id = %(p)s",
                "DELETE FROM stock_picking WHERE id IN "
                "(SELECT picking_id FROM stock_move WHERE product_id = %(p)s)",
                "DELETE FROM stock_move WHERE product_id = %(p)s",
                "DELETE FROM stock_quant WHERE product_id = %(p)s",
                "DELETE FROM stock_lot WHERE product_id = %(p)s",
                "DELETE FROM product_product WHERE id = %(p)s",
                "DELETE FROM product_template WHERE id = %(t)s",
                "DELETE FROM res_partner WHERE id = %(r)s",
            ):
                cr.execute(
                    query,
                    {
                        "p": product_id,
                        "t": self.created["template"],
                        "r": self.created["partner"],
                    },
                )

    def _state(self, func):
        with self._cursor() as cr:
            return func(api.Environment(cr, SUPERUSER_ID, CONTEXT))

    # --- tests ------------------------------------------------------------

    def test_two_receipts_of_the_same_new_serial(self):
        serial = f"CONC-{self.tag}"

        def setup(env):
            warehouse, product, partner = self._setup(env)
            return [
                self._picking(
                    env, warehouse.in_type_id, product, partner, {"lot_name": serial}
                ).id
                for _i in range(2)
            ]

        picking_ids = self._run(setup)
        outcome = self._validate_concurrently(picking_ids)
        winner = self._assert_one_commits(outcome)
        self.assertRegex(
            str(outcome[next(pid for pid in picking_ids if pid != winner)]),
            "uniqueness scope|already on hand",
        )

        def check(env):
            lots = env["stock.lot"].search([("name", "=ilike", serial)])
            self.assertEqual(len(lots), 1)
            pickings = env["stock.picking"].browse(picking_ids)
            self.assertEqual(
                pickings.filtered(lambda p: p.state == "done").ids, [winner]
            )
            self.assertEqual(lots.product_qty, 1)

        self._state(check)

    def test_two_deliveries_of_the_same_serial(self):
        serial = f"CONC-{self.tag}"

        def setup(env):
            warehouse, product, partner = self._setup(env)
            lot = self._validated(
                env, warehouse.in_type_id, product, partner, {"lot_name": serial}
            )
            return [
                self._picking(
                    env, warehouse.out_type_id, product, partner, {"lot_id": lot.id}
                ).id
                for _i in range(2)
            ]

        picking_ids = self._run(setup)
        winner = self._assert_one_commits(self._validate_concurrently(picking_ids))

        def check(env):
            pickings = env["stock.picking"].browse(picking_ids)
            self.assertEqual(
                pickings.filtered(lambda p: p.state == "done").ids, [winner]
            )
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
            warehouse, product, partner = self._setup(env)
            lot = self._validated(
                env, warehouse.in_type_id, product, partner, {"lot_name": serial}
            )
            self._validated(
                env, warehouse.out_type_id, product, partner, {"lot_id": lot.id}
            )
            return [
                self._picking(
                    env, warehouse.in_type_id, product, partner, {"lot_id": lot.id}
                ).id
                for _i in range(2)
            ]

        picking_ids = self._run(setup)
        outcome = self._validate_concurrently(picking_ids)
        self._assert_one_commits(outcome)
        self.assertIn("already on hand", self._failure(outcome))

        def check(env):
            quants = self._internal_quants(env, serial)
            self.assertEqual(sum(quants.mapped("quantity")), 1)

        self._state(check)

    def test_two_deliveries_of_one_lot_beyond_stock(self):
        """10 on hand, two deliveries of 6 at once: Odoo alone ends at -2 (the
        second transaction skips the locked quant and makes a negative one)."""
        lot_name = f"CONC-{self.tag}"

        def setup(env):
            warehouse, product, partner = self._setup(env, tracking="lot")
            lot = self._validated(
                env,
                warehouse.in_type_id,
                product,
                partner,
                {"lot_name": lot_name, "quantity": 10},
            )
            return [
                self._picking(
                    env,
                    warehouse.out_type_id,
                    product,
                    partner,
                    {"lot_id": lot.id, "quantity": 6},
                ).id
                for _i in range(2)
            ]

        picking_ids = self._run(setup)
        outcome = self._validate_concurrently(picking_ids)
        self._assert_one_commits(outcome)
        self.assertIn("is not on hand", self._failure(outcome))

        def check(env):
            quants = self._internal_quants(env, lot_name)
            self.assertEqual(sum(quants.mapped("quantity")), 4)

        self._state(check)
