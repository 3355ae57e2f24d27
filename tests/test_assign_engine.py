# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The assignment engine of ``stock.lot.assign.run`` without the wizard: a
run applied directly with typed rows, the entry points of scripts
(``check_assignment``, ``apply_assignment``) and the same over JSON-RPC."""

import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase
from odoo.tests.common import JsonRpcException

from ..tools.lot_assign_parsing import AssignOptions, AssignRow
from .common_assign import AssignCase


class AssignEngineCase(AssignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial_product = cls._create_untracked_product("Engine Scanner", "ENG-SCAN")
        cls.lot_product = cls._create_untracked_product("Engine Glue", "ENG-GLUE")
        cls._put_stock(cls.serial_product, cls.shelf1, 2)
        cls._put_stock(cls.lot_product, cls.shelf2, 10)
        cls._track(cls.serial_product, "serial")
        cls._track(cls.lot_product, "lot")
        cls.Run = cls.env["stock.lot.assign.run"]

    def _values(self):
        return [
            {
                "product_id": self.serial_product.id,
                "location_id": self.shelf1.id,
                "lot_name": "ENG-S1",
                "quantity": 1,
            },
            {
                "product_id": self.serial_product.id,
                "location_id": self.shelf1.id,
                "lot_name": " ENG-S2 ",
                "quantity": 1,
            },
            {
                "product_id": self.lot_product.id,
                "location_id": self.shelf2.id,
                "lot_name": "ENG-L1",
                "quantity": 10,
                "expiration_date": "2031-05-31",
            },
        ]

    def _lots(self):
        return self.env["stock.lot"].search(
            [("product_id", "in", (self.serial_product | self.lot_product).ids)]
        )

    def assertApplied(self, run):
        self.assertEqual(len(run), 1)
        self.assertEqual(
            sorted(run.lot_ids.mapped("name")), ["ENG-L1", "ENG-S1", "ENG-S2"]
        )
        self.assertEqual(run.lot_count, 3)
        self.assertEqual(run.quantity, 12)
        self.assertEqual(self.serial_product.untracked_qty, 0)
        self.assertEqual(self.lot_product.untracked_qty, 0)
        lot = run.lot_ids.filtered(lambda lot: lot.name == "ENG-L1")
        self.assertEqual(lot.product_qty, 10)
        self.assertEqual(str(lot.expiration_date)[:10], "2031-05-31")

    def assertNothingWritten(self):
        self.assertFalse(self.Run.search([]))
        self.assertFalse(self._lots())
        self.assertEqual(self.serial_product.untracked_qty, 2)
        self.assertEqual(self.lot_product.untracked_qty, 10)


class TestAssignEngine(AssignEngineCase):
    def test_engine_called_with_typed_rows(self):
        options = AssignOptions(self.company, receipt_date=datetime.date(2025, 1, 1))
        rows = [
            AssignRow(1, self.serial_product, self.shelf1, "ENG-S1", 1.0),
            AssignRow(2, self.serial_product, self.shelf1, "ENG-S2", 1.0),
            AssignRow(
                3,
                self.lot_product,
                self.shelf2,
                "ENG-L1",
                10.0,
                expiration_date=self._dt(2031, 5, 31),
            ),
        ]
        self.Run._check_rows(rows, options, trial_lots=True)
        # The trial lots of the check were rolled back.
        self.assertNothingWritten()
        run = self.Run._apply_rows(rows, options)
        self.assertApplied(run)
        self.assertTrue(run.id)
        self.assertEqual(run.mode, "manual")
        self.assertEqual(str(run.receipt_date), "2025-01-01")
        self.assertEqual(len(run.move_ids), 2)
        self.assertEqual(set(run.move_ids.mapped("reference")), {run.name})

    def test_script_entry_points(self):
        Run = self.Run.with_user(self.stock_manager)
        self.assertIs(Run.check_assignment(self._values()), True)
        self.assertNothingWritten()
        run = Run.apply_assignment(
            self._values(), {"receipt_date": "2025-01-01", "mode": "import"}
        )
        self.assertApplied(run)
        self.assertEqual(run.mode, "import")
        self.assertEqual(str(run.receipt_date), "2025-01-01")
        self.assertEqual(run.user_id, self.stock_manager)

    def test_script_errors_name_every_row_and_write_nothing(self):
        values = self._values()
        values[0]["quantity"] = 2
        values[1]["lot_name"] = "ENG-S1"
        values[2]["expiration_date"] = "31.05.2031"
        values.append({"product_id": 0, "location_id": self.shelf1.id, "quantity": "x"})
        with self.assertRaises(UserError) as caught:
            self.Run.apply_assignment(values)
        message = caught.exception.args[0]
        self.assertIn("Row 1 (ENG-S1): a serial number holds exactly 1 unit", message)
        self.assertIn(
            "Row 2 (ENG-S1): duplicate serial number ENG-S1 (also on row 1)", message
        )
        self.assertIn("Row 3 (ENG-L1): malformed expiration date '31.05.2031'", message)
        self.assertIn("Row 4 (): malformed quantity 'x'", message)
        self.assertNothingWritten()

    def test_stock_user_cannot_assign(self):
        with self.assertRaises(AccessError):
            self.Run.with_user(self.stock_user).apply_assignment(self._values())
        with self.assertRaises(AccessError):
            self.Run.with_user(self.stock_user).check_assignment(self._values())
        other = self.env["res.company"].create({"name": "Engine Other Company"})
        with self.assertRaisesRegex(AccessError, "Engine Other Company"):
            self.Run.with_user(self.stock_manager).apply_assignment(
                self._values(), {"company_id": other.id}
            )
        self.assertNothingWritten()


class TestAssignEngineJsonRpc(AssignEngineCase, HttpCase):
    def _call(self, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/stock.lot.assign.run/{method}",
            {
                "model": "stock.lot.assign.run",
                "method": method,
                "args": list(args),
                "kwargs": kwargs,
            },
        )

    def test_apply_over_json_rpc(self):
        self.authenticate(self.stock_manager.login, self.stock_manager.login)
        self.assertIs(self._call("check_assignment", self._values()), True)
        run_ids = self._call("apply_assignment", self._values())
        self.assertApplied(self.Run.browse(run_ids))
        # Private methods of the engine are not reachable remotely.
        with self.assertRaises(JsonRpcException):
            self._call("_apply_rows", [])

    def test_bad_rows_over_json_rpc(self):
        self.authenticate(self.stock_manager.login, self.stock_manager.login)
        values = self._values()
        values[2]["location_id"] = self.shelf3.id
        with self.assertRaises(JsonRpcException) as caught:
            self._call("apply_assignment", values)
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.UserError")
        self.assertNothingWritten()
