# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import UserError

from .common_assign import AssignCase


class TestAssignWizard(AssignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = cls.env["res.partner"].create({"name": "Consignor"})
        cls.package = cls.env["stock.package"].create({"name": "PACK-RETRO"})
        cls.old_date = cls._dt(2024, 3, 1, 8, 0, 0)
        cls.product = cls._create_untracked_product("Retro Drill", "RETRO-DRILL")
        cls._put_stock(cls.product, cls.shelf1, 20, in_date=cls.old_date)
        cls._put_stock(
            cls.product, cls.shelf2, 15, package=cls.package, in_date=cls.old_date
        )
        cls._put_stock(
            cls.product, cls.shelf3, 5, owner=cls.owner, in_date=cls.old_date
        )

    def _apply(self, wizard):
        action = wizard.action_apply()
        return self.env["stock.lot.assign.run"].browse(action["res_id"])

    # ------------------------------------------------------------------

    def test_untracked_stock_is_findable(self):
        """Switching tracking on leaves the stock untracked but visible: the
        smart button quantity, the search filter and the onchange warning."""
        self.assertFalse(self.product.has_untracked_stock)  # not tracked yet
        self._track(self.product, "serial")
        self.assertEqual(self.product.untracked_qty, 40)
        self.assertEqual(self.product.product_tmpl_id.untracked_qty, 40)
        Product = self.env["product.product"]
        self.assertIn(
            self.product, Product.search([("has_untracked_stock", "=", True)])
        )
        self.assertIn(
            self.product.product_tmpl_id,
            self.env["product.template"].search([("has_untracked_stock", "=", True)]),
        )
        self.assertNotIn(
            self.product, Product.search([("has_untracked_stock", "=", False)])
        )
        self.assertIn(self.product, Product.search([("untracked_qty", ">", 39)]))
        warning = self.product._onchange_tracking()["warning"]
        self.assertIn("Untracked Stock", warning["message"])
        self.assertIn("40", warning["message"])
        action = self.product.product_tmpl_id.action_open_lot_assign()
        self.assertEqual(action["res_model"], "stock.lot.assign")
        self.assertEqual(action["context"]["default_product_ids"], self.product.ids)
        self.assertEqual(action["context"]["default_mode"], "serials")

    def test_generated_serials(self):
        """40 units in 3 locations become 40 serials of 1 unit where the
        stock was, with package, owner and incoming date kept, one done
        location-to-itself history line per serial under the run reference."""
        self._track(self.product, "serial")
        wizard = self._wizard(
            self.product, mode="serials", name_prefix="SN-", first_number=1, padding=4
        )
        self.assertEqual(wizard.untracked_qty, 40)
        self.assertEqual(len(wizard.quant_ids), 3)
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview")
        self.assertEqual(len(wizard.line_ids), 40)
        self.assertFalse(
            self.env["stock.lot"].search([("product_id", "=", self.product.id)])
        )

        run = self._apply(wizard)

        self.assertTrue(run.name.startswith("RLA/"))
        lots = self.env["stock.lot"].search([("product_id", "=", self.product.id)])
        self.assertEqual(len(lots), 40)
        self.assertEqual(sorted(lots.mapped("name"))[0], "SN-0001")
        self.assertEqual(sorted(lots.mapped("name"))[-1], "SN-0040")
        self.assertEqual(lots.retroactive_run_id, run)
        self.assertEqual(lots.retroactive_user_id, self.env.user)
        self.assertTrue(all(lots.mapped("retroactive_date")))
        self.assertFalse(
            self._quants(self.product, untracked=True).filtered("quantity")
        )
        quants = self._quants(self.product).filtered("quantity")
        self.assertEqual(len(quants), 40)
        self.assertEqual(set(quants.mapped("quantity")), {1.0})
        self.assertEqual(len(quants.lot_id), 40)
        by_location = {
            loc: len(quants.filtered(lambda q, loc=loc: q.location_id == loc))
            for loc in self.shelves
        }
        self.assertEqual(
            by_location, {self.shelf1: 20, self.shelf2: 15, self.shelf3: 5}
        )
        self.assertEqual(
            quants.filtered(lambda q: q.location_id == self.shelf2).package_id,
            self.package,
        )
        self.assertEqual(
            quants.filtered(lambda q: q.location_id == self.shelf3).owner_id, self.owner
        )
        self.assertEqual(set(quants.mapped("in_date")), {self.old_date})
        self.assertEqual(self.product.qty_available, 40)
        self.assertEqual(self.product.untracked_qty, 0)
        # History: one done move per untracked quant, one line per serial.
        move_lines = self.env["stock.move.line"].search([("lot_id", "in", lots.ids)])
        self.assertEqual(len(move_lines), 40)
        self.assertEqual(set(move_lines.mapped("state")), {"done"})
        self.assertEqual(set(move_lines.mapped("reference")), {run.name})
        self.assertEqual(sum(move_lines.mapped("quantity")), 40)
        self.assertTrue(all(ml.location_id == ml.location_dest_id for ml in move_lines))
        moves = move_lines.move_id
        self.assertEqual(len(moves), 3)
        self.assertEqual(set(moves.mapped("state")), {"done"})
        self.assertFalse(moves.picking_type_id)
        self.assertFalse(any(moves.mapped("is_inventory")))
        self.assertEqual(set(moves.mapped("quantity")), {20.0, 15.0, 5.0})
        self.assertEqual(run.lot_count, 40)
        self.assertEqual(run.quantity, 40)
        self.assertEqual(run.move_ids, moves)
        self.assertEqual(run.line_ids.move_line_id, move_lines)
        # The lot's own quantity and the stock.quant views agree.
        self.assertEqual(set(lots.mapped("product_qty")), {1.0})

    def test_single_lot(self):
        self._track(self.product, "lot")
        wizard = self._wizard(self.product, mode="single_lot", lot_name=" OLD-STOCK ")
        run = self._apply(wizard)
        lot = self.env["stock.lot"].search([("product_id", "=", self.product.id)])
        self.assertEqual(lot.name, "OLD-STOCK")
        self.assertEqual(lot.retroactive_run_id, run)
        self.assertEqual(lot.product_qty, 40)
        self.assertEqual(len(self._quants(self.product, lot=lot)), 3)
        self.assertEqual(self.product.untracked_qty, 0)

    def test_lot_per_location(self):
        self._track(self.product, "lot")
        wizard = self._wizard(
            self.product,
            mode="lot_per_location",
            name_prefix="LOC-",
            first_number=7,
            padding=2,
        )
        self._apply(wizard)
        lots = self.env["stock.lot"].search([("product_id", "=", self.product.id)])
        self.assertEqual(sorted(lots.mapped("name")), ["LOC-07", "LOC-08", "LOC-09"])
        self.assertEqual(sorted(lots.mapped("product_qty")), [5.0, 15.0, 20.0])

    def test_serials_refused_for_serial_single_lot(self):
        """One lot for all on a serial product: every row is refused with the
        quantity reason, nothing is written."""
        self._track(self.product, "serial")
        wizard = self._wizard(self.product, mode="single_lot", lot_name="ONE")
        with self.assertRaisesRegex(UserError, "exactly 1 unit"):
            wizard.action_apply()
        self.assertFalse(self.env["stock.lot.assign.run"].search([]))
        self.assertEqual(self.product.untracked_qty, 40)

    def test_manual_lines_leave_rest_untracked(self):
        self._track(self.product, "lot")
        wizard = self._wizard(
            self.product,
            mode="manual",
            line_ids=[
                Command.create(
                    {
                        "product_id": self.product.id,
                        "location_id": self.shelf1.id,
                        "lot_name": "MAN-1",
                        "quantity": 12,
                    }
                )
            ],
        )
        with self.assertRaisesRegex(
            UserError, "leaves 8.00 Units of 20.00 Units untracked"
        ):
            wizard.action_preview()
        wizard.leave_rest_untracked = True
        wizard.action_preview()
        self._apply(wizard)
        lot = self.env["stock.lot"].search([("name", "=", "MAN-1")])
        self.assertEqual(lot.product_qty, 12)
        self.assertEqual(self.product.untracked_qty, 28)
        self.assertEqual(
            sum(
                self._quants(self.product, untracked=True)
                .filtered(lambda q: q.location_id == self.shelf1)
                .mapped("quantity")
            ),
            8,
        )

    def test_existing_serial_collision(self):
        self._track(self.product, "serial")
        self.env["stock.lot"].create({"name": "SN-0003", "product_id": self.product.id})
        wizard = self._wizard(
            self.product, mode="serials", name_prefix="SN-", padding=4
        )
        with self.assertRaisesRegex(
            UserError, r"SN-0003\): serial number SN-0003 already exists"
        ):
            wizard.action_preview()
        self.assertEqual(self.product.untracked_qty, 40)

    def test_expiry_from_receipt_date(self):
        product = self._create_untracked_product(
            "Retro Yoghurt",
            use_expiration_date=True,
            expiration_time=30,
            use_time=20,
            removal_time=25,
            alert_time=10,
        )
        self._put_stock(product, self.shelf1, 4)
        self._track(product, "lot")
        wizard = self._wizard(
            product, mode="single_lot", lot_name="YOG-1", receipt_date="2026-01-01"
        )
        self._apply(wizard)
        lot = self.env["stock.lot"].search([("name", "=", "YOG-1")])
        self.assertEqual(lot.expiration_date, self._dt(2026, 1, 31))
        self.assertEqual(lot.removal_date, self._dt(2026, 1, 6))
        quant = self._quants(product, lot=lot)
        self.assertEqual(quant.expiration_date, lot.expiration_date)
        self.assertEqual(quant.removal_date, lot.removal_date)

    def test_expiry_from_incoming_date(self):
        """Without a receipt date, expiry counts from the incoming date of
        the stock the lot is assigned to (manual rows too)."""
        product = self._create_untracked_product(
            "Retro Milk", use_expiration_date=True, expiration_time=30
        )
        self._put_stock(product, self.shelf2, 2, in_date=self._dt(2025, 6, 1, 10, 0, 0))
        self._track(product, "lot")
        wizard = self._wizard(
            product,
            mode="manual",
            line_ids=[
                Command.create(
                    {
                        "product_id": product.id,
                        "location_id": self.shelf2.id,
                        "lot_name": "MILK-1",
                        "quantity": 2,
                    }
                )
            ],
        )
        self._apply(wizard)
        lot = self.env["stock.lot"].search([("name", "=", "MILK-1")])
        self.assertEqual(lot.expiration_date, self._dt(2025, 7, 1, 10, 0, 0))

    def test_reservation_kept(self):
        """A delivery reserved on the untracked stock is reserved on the new
        serials after the assignment and can be validated."""
        customer = self.env["res.partner"].create({"name": "Retro Customer"})
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": customer.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 3,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        self._track(self.product, "serial")
        self._apply(self._wizard(self.product, mode="serials", name_prefix="R-"))
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(len(picking.move_line_ids), 3)
        self.assertEqual(len(picking.move_line_ids.lot_id), 3)
        reserved = self.env["stock.quant"].search(
            [("lot_id", "in", picking.move_line_ids.lot_id.ids)]
        )
        self.assertEqual(sum(reserved.mapped("reserved_quantity")), 3)
        self.assertFalse(
            self._quants(self.product, untracked=True).filtered("quantity")
        )
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self.product.qty_available, 37)

    def test_format_rule_failure_is_atomic(self):
        """A name refused by the lot format rules at apply: nothing written."""
        tmpl = self.product.product_tmpl_id
        if "lot_name_pattern" not in tmpl._fields:
            self.skipTest("the lot/serial format rules are not installed")
        tmpl.write(
            {
                "lot_format_override": True,
                "lot_name_pattern": r"SN-\d{4}",
            }
        )
        self._track(self.product, "serial")
        wizard = self._wizard(self.product, mode="serials", name_prefix="XX", padding=4)
        # every refused name, with its row
        with self.assertRaisesRegex(
            UserError, r"Row 1 \(XX0001\): does not match the pattern(.|\n)*Row 40 "
        ):
            wizard.action_preview()
        lots_before = self.env["stock.lot"].search_count([])
        moves_before = self.env["stock.move"].search_count([])
        with self.assertRaises(UserError):
            wizard.action_apply()
        self.assertEqual(self.env["stock.lot"].search_count([]), lots_before)
        self.assertEqual(self.env["stock.move"].search_count([]), moves_before)
        self.assertFalse(self.env["stock.lot.assign.run"].search([]))
        self.assertEqual(self.product.untracked_qty, 40)
        wizard.name_prefix = "SN-"
        wizard.action_apply()
        self.assertEqual(self.product.untracked_qty, 0)

    def test_caller_context_does_not_leak(self):
        """Opened from an operation type that may not create lots (a
        dashboard context), the assignment still creates its lots: it
        belongs to no operation type."""
        self._track(self.product, "lot")
        out_type = self.warehouse.out_type_id
        out_type.use_create_lots = False
        wizard = self._wizard(self.product, mode="single_lot", lot_name="CTX-1")
        wizard = wizard.with_context(
            default_picking_type_id=out_type.id,
            traceability_picking_type_id=out_type.id,
            default_name="leaked",
        )
        run = self._apply(wizard)
        self.assertEqual(run.lot_ids.mapped("name"), ["CTX-1"])
        self.assertEqual(run.move_ids.picking_type_id, self.env["stock.picking.type"])

    def test_stock_user_cannot_assign(self):
        self._track(self.product, "serial")
        with self.assertRaises(Exception):  # noqa: B017 - AccessError on create
            self.env["stock.lot.assign"].with_user(self.stock_user).create(
                {"product_ids": [Command.set(self.product.ids)]}
            )
        wizard = self._wizard(self.product, mode="serials", name_prefix="M-")
        run = self._apply(wizard.with_user(self.stock_manager))
        self.assertEqual(run.user_id, self.stock_manager)
        self.assertEqual(run.with_user(self.stock_user).name, run.name)

    def test_query_count_constant(self):
        """Apply does not cost queries per line: 10, 200 and 400 serials
        differ only by the ORM's insert/update chunks (100 rows each)."""
        counts = {}
        for qty in (10, 200, 400):
            product = self._create_untracked_product(f"Count {qty}")
            self._put_stock(product, self.shelf1, qty)
            self._track(product, "serial")
            wizard = self._wizard(product, mode="serials", name_prefix=f"Q{qty}-")
            options, rows = wizard._get_assignment()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.env["stock.lot.assign.run"]._apply_rows(rows, options)
            self.env.flush_all()
            counts[qty] = self.env.cr.sql_log_count - before
            self.assertEqual(product.untracked_qty, 0)
            self.assertEqual(
                self.env["stock.lot"].search_count([("product_id", "=", product.id)]),
                qty,
            )
        # The ORM inserts/updates 100 rows per statement: each further
        # chunk of 100 lines costs a constant handful of statements (one per
        # table written), never one query per line.
        chunk = 8
        self.assertLessEqual(counts[200] - counts[10], chunk, counts)
        self.assertLessEqual(counts[400] - counts[200], 2 * chunk, counts)

    def test_valuation_unchanged(self):
        """With stock_account (Odoo 19 values moves, no valuation layers):
        the X→X history moves are neither incoming nor outgoing, so the
        product value, unit cost and journal entries do not change."""
        if "stock_account" not in self.env.registry._init_modules or (
            "is_in" not in self.env["stock.move"]._fields
        ):
            self.skipTest("stock_account is not installed in the test database")
        for cost_method in ("fifo", "average"):
            category = self.env["product.category"].create(
                {"name": f"Retro {cost_method}", "property_cost_method": cost_method}
            )
            product = self._create_untracked_product(
                f"Valued {cost_method}", categ_id=category.id, standard_price=12.5
            )
            self._receive_valued(product, self.shelf1, 6)
            product.standard_price = 15.0
            self._receive_valued(product, self.shelf2, 4)
            value_before = product.total_value
            cost_before = product.standard_price
            entries_before = self.env["account.move"].search_count([])
            self._track(product, "serial")
            self._apply(
                self._wizard(product, mode="serials", name_prefix=f"V{cost_method}-")
            )
            product.invalidate_recordset()
            self.assertGreater(value_before, 0)
            self.assertEqual(product.qty_available, 10)
            self.assertAlmostEqual(product.total_value, value_before, places=2)
            self.assertAlmostEqual(product.standard_price, cost_before, places=4)
            self.assertEqual(self.env["account.move"].search_count([]), entries_before)
            moves = self.env["stock.move"].search(
                [("product_id", "=", product.id), ("picking_type_id", "=", False)]
            )
            self.assertFalse(any(moves.mapped("is_in")) or any(moves.mapped("is_out")))

    def _receive_valued(self, product, location, qty):
        supplier = self.env.ref("stock.stock_location_suppliers")
        move = self.env["stock.move"].create(
            {
                "product_id": product.id,
                "product_uom_qty": qty,
                "location_id": supplier.id,
                "location_dest_id": location.id,
                "picking_type_id": self.warehouse.in_type_id.id,
            }
        )
        move._action_confirm()
        move.quantity = qty
        move.picked = True
        move._action_done()
        self.assertEqual(move.state, "done")
        self.assertTrue(move.is_in)
