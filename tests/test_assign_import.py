# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import base64
import io

from odoo.exceptions import UserError

from .common_assign import AssignCase


class TestAssignImport(AssignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial_product = cls._create_untracked_product("Import Scanner", "IMP-SCAN")
        cls.serial_product.barcode = "4006381333931"
        cls.lot_product = cls._create_untracked_product("Import Glue", "IMP-GLUE")
        cls._put_stock(cls.serial_product, cls.shelf1, 2)
        cls._put_stock(cls.serial_product, cls.shelf2, 1)
        cls._put_stock(cls.lot_product, cls.shelf1, 10)
        cls._track(cls.serial_product, "serial")
        cls._track(cls.lot_product, "lot")
        cls.s1 = cls.shelf1.complete_name
        cls.s2 = cls.shelf2.complete_name

    def _import(self, text=None, data=None, filename="lots.csv", **vals):
        wizard = self.env["stock.lot.assign"].create(
            {
                "mode": "import",
                "import_text": text,
                "import_file": self._b64(data) if data is not None else False,
                "import_filename": filename,
                **vals,
            }
        )
        return wizard

    def _good_rows(self):
        return [
            "product;location;lot;quantity;expiration",
            f"IMP-SCAN;{self.s1};SCAN-1;1;",
            "4006381333931;SLT-SHELF-1;SCAN-2;1;",
            f"IMP-SCAN;{self.s2};SCAN-3;1;2030-01-31",
            f"IMP-GLUE;{self.s1};GLUE-A;6;",
            f"IMP-GLUE;{self.s1};GLUE-B;4,0;",
        ]

    def assertNothingWritten(self):
        self.assertFalse(self.env["stock.lot.assign.run"].search([]))
        self.assertFalse(
            self.env["stock.lot"].search(
                [("product_id", "in", (self.serial_product | self.lot_product).ids)]
            )
        )
        self.assertEqual(self.serial_product.untracked_qty, 3)
        self.assertEqual(self.lot_product.untracked_qty, 10)

    def _assert_applied(self, run):
        lots = self.env["stock.lot"].search(
            [("product_id", "in", (self.serial_product | self.lot_product).ids)]
        )
        self.assertEqual(
            sorted(lots.mapped("name")),
            ["GLUE-A", "GLUE-B", "SCAN-1", "SCAN-2", "SCAN-3"],
        )
        self.assertEqual(lots.retroactive_run_id, run)
        self.assertEqual(self.serial_product.untracked_qty, 0)
        self.assertEqual(self.lot_product.untracked_qty, 0)
        scan3 = lots.filtered(lambda lot: lot.name == "SCAN-3")
        self.assertEqual(scan3.quant_ids.filtered("quantity").location_id, self.shelf2)
        # An expiration date given in the file is kept as is.
        self.assertEqual(str(scan3.expiration_date)[:10], "2030-01-31")
        glue_b = lots.filtered(lambda lot: lot.name == "GLUE-B")
        self.assertEqual(glue_b.product_qty, 4)

    def _run(self, wizard):
        action = wizard.action_apply()
        return self.env["stock.lot.assign.run"].browse(action["res_id"])

    # ------------------------------------------------------------------
    # Good input: CSV file, pasted text, XLSX
    # ------------------------------------------------------------------

    def test_csv_file(self):
        wizard = self._import(data="\n".join(self._good_rows()))
        wizard.action_preview()
        self.assertEqual(len(wizard.line_ids), 5)
        run = self._run(wizard)
        self.assertEqual(run.import_filename, "lots.csv")
        self._assert_applied(run)

    def test_pasted_tab_separated(self):
        text = "\n".join(row.replace(";", "\t") for row in self._good_rows()[1:])
        self._assert_applied(self._run(self._import(text=text)))

    def test_xlsx_file(self):
        import openpyxl  # noqa: PLC0415

        book = openpyxl.Workbook()
        sheet = book.active
        for row in self._good_rows():
            sheet.append(row.split(";"))
        sheet["D3"] = 1  # numbers come as numbers from spreadsheets
        buffer = io.BytesIO()
        book.save(buffer)
        self._assert_applied(
            self._run(self._import(data=buffer.getvalue(), filename="lots.xlsx"))
        )

    def test_latin1_bytes_are_refused_not_guessed(self):
        rows = self._good_rows()
        rows[4] = f"IMP-GLUE;{self.s1};GLÜE-A;6;"
        with self.assertRaisesRegex(UserError, r"Row 5: byte dc is not valid UTF-8"):
            self._import(data="\n".join(rows).encode("latin-1")).action_preview()
        self.assertNothingWritten()

    # ------------------------------------------------------------------
    # Bad input: one error listing every offending row, nothing written
    # ------------------------------------------------------------------

    def test_every_bad_row_in_one_error(self):
        text = "\n".join(
            [
                "product;location;lot;quantity;expiration",
                f"NO-SUCH-PRODUCT;{self.s1};SCAN-1;1;",
                "IMP-SCAN;WH/Nowhere;SCAN-2;1;",
                f"IMP-SCAN;{self.s2};SCAN-3;one;",
                f"IMP-GLUE;{self.s1};GLUE-A;6;31/31/2030",
                f"IMP-SCAN;{self.s1};SCAN-9;2;",
            ]
        )
        with self.assertRaises(UserError) as error:
            self._import(data=text).action_preview()
        message = str(error.exception)
        self.assertIn("Row 2 (SCAN-1): unknown product 'NO-SUCH-PRODUCT'", message)
        self.assertIn("Row 3 (SCAN-2): unknown internal location 'WH/Nowhere'", message)
        self.assertIn("Row 4 (SCAN-3): malformed quantity 'one'", message)
        self.assertIn("Row 5 (GLUE-A): malformed expiration date '31/31/2030'", message)
        self.assertIn(
            "Row 6 (SCAN-9): a serial number holds exactly 1 unit, not 2.00 Units",
            message,
        )
        self.assertNothingWritten()

    def test_quantity_mismatch(self):
        rows = self._good_rows()
        rows[4] = f"IMP-GLUE;{self.s1};GLUE-A;7;"
        with self.assertRaisesRegex(
            UserError,
            r"Rows 5, 6: 11.00 Units assigned to .*Import Glue.* but only 10.00 Units "
            r"are untracked",
        ):
            self._run(self._import(data="\n".join(rows)))
        self.assertNothingWritten()
        rows[4] = f"IMP-GLUE;{self.s1};GLUE-A;5;"
        with self.assertRaisesRegex(
            UserError, r"leaves 1.00 Units of 10.00 Units untracked"
        ):
            self._run(self._import(data="\n".join(rows)))
        self.assertNothingWritten()

    def test_no_untracked_stock_there(self):
        rows = self._good_rows()
        rows.append(f"IMP-GLUE;{self.shelf3.complete_name};GLUE-C;1;")
        with self.assertRaisesRegex(UserError, r"Row 7: .*has no untracked stock at"):
            self._run(self._import(data="\n".join(rows)))
        self.assertNothingWritten()

    def test_duplicate_serial(self):
        rows = self._good_rows()
        rows[2] = "4006381333931;SLT-SHELF-1;SCAN-1;1;"
        with self.assertRaisesRegex(
            UserError,
            r"Row 3 \(SCAN-1\): duplicate serial number SCAN-1 \(also on row 2\)",
        ):
            self._run(self._import(data="\n".join(rows)))
        self.assertNothingWritten()

    def test_wrong_delimiter(self):
        text = "\n".join(row.replace(";", ":") for row in self._good_rows()[1:5])
        with self.assertRaises(UserError) as error:
            self._run(self._import(data=text))
        message = str(error.exception)
        for row in range(1, 5):
            self.assertIn(f"Row {row}: 1 column(s) found", message)
        self.assertNothingWritten()

    def test_empty_file(self):
        for data in ("", "\n\n", "product;location;lot;quantity\n"):
            with self.assertRaisesRegex(UserError, "empty"):
                self._run(self._import(data=data))
        with self.assertRaisesRegex(UserError, "empty"):
            self._run(self._import())
        self.assertNothingWritten()

    def test_too_many_rows(self):
        line = f"IMP-SCAN;{self.s1};X;1\n"
        with self.assertRaisesRegex(UserError, r"100000 rows; at most 20000 rows"):
            self._run(self._import(data=line * 100000))
        self.assertNothingWritten()

    def test_not_an_xlsx(self):
        with self.assertRaisesRegex(UserError, "not a readable XLSX workbook"):
            self._run(self._import(data=b"PK\x03\x04garbage", filename="lots.xlsx"))
        self.assertNothingWritten()

    def test_every_error_in_one_pass_by_row(self):
        """Errors of every kind in one message, in the order of the rows:
        unreadable rows, case-only duplicates between rows and with an
        existing lot (with the row they clash with), totals."""
        self.env["stock.lot"].create(
            {"name": "SCAN-OLD", "product_id": self.serial_product.id}
        )
        text = "\n".join(
            [
                "product;location;lot;quantity;expiration",
                f"IMP-SCAN;{self.s1};SCAN-1;1;",
                f"NO-SUCH-PRODUCT;{self.s1};X-1;1;",
                f"IMP-SCAN;{self.s1};scan-1;1;",
                f"IMP-GLUE;{self.s1};GLUE-A;6;",
                f"IMP-GLUE;{self.s1};glue-a;3;",
                f"IMP-SCAN;{self.s2};scan-old;1;",
            ]
        )
        with self.assertRaises(UserError) as error:
            self._import(data=text).action_preview()
        lines = [
            line for line in str(error.exception).splitlines() if line.startswith("- ")
        ]
        self.assertEqual(
            lines,
            [
                "- Row 3 (X-1): unknown product 'NO-SUCH-PRODUCT'",
                "- Row 4 (scan-1): differs from SCAN-1 only in case or surrounding "
                "spaces: lot/serial numbers are compared that way, so they would be "
                "the same number (row 2)",
                f"- Rows 5, 6: 9.00 Units assigned to {self.lot_product.display_name} "
                f"at {self.s1} leaves 1.00 Units of 10.00 Units untracked; assign it "
                "all or tick 'Leave the rest untracked'",
                "- Row 6 (glue-a): differs from GLUE-A only in case or surrounding "
                "spaces: lot/serial numbers are compared that way, so they would be "
                "the same number (row 5)",
                "- Row 7 (scan-old): differs from SCAN-OLD only in case or "
                "surrounding spaces: lot/serial numbers are compared that way, so "
                "they would be the same number (an existing lot)",
            ],
        )
        self.assertEqual(self.serial_product.untracked_qty, 3)
        self.assertEqual(self.lot_product.untracked_qty, 10)

    def test_untracked_stock_listed_in_import_mode(self):
        wizard = self._import()
        quants = wizard.quant_ids
        self.assertEqual(
            quants.product_id, self.serial_product | self.lot_product, quants
        )
        self.assertEqual(sum(quants.mapped("quantity")), 13)
        wizard.product_ids = self.lot_product
        self.assertEqual(wizard.quant_ids.product_id, self.lot_product)
        view = self.env["stock.lot.assign"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        self.assertNotIn("mode == 'import'\"", view.split('name="untracked"')[1][:80])

    def test_template_lists_the_untracked_stock_and_imports_back(self):
        import openpyxl  # noqa: PLC0415

        wizard = self._import()
        action = wizard.action_download_template()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(f"/{wizard.id}/template_file/", action["url"])
        content = base64.b64decode(wizard.template_file)
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(
            rows[0],
            [
                "Product (internal reference or barcode)",
                "Location (full name or barcode)",
                "Lot/Serial Number",
                "Quantity",
                "Expiration Date (YYYY-MM-DD, optional)",
            ],
        )
        # one row per serial unit, one per quant of the lot-tracked product
        self.assertEqual(
            sorted((row[0], row[1], row[3]) for row in rows[1:]),
            sorted(
                [
                    ("IMP-GLUE", self.s1, 10),
                    ("IMP-SCAN", self.s1, 1),
                    ("IMP-SCAN", self.s1, 1),
                    ("IMP-SCAN", self.s2, 1),
                ]
            ),
        )
        self.assertEqual({row[2] for row in rows[1:]}, {None})
        # filled in, it imports as it is
        for index, row in enumerate(sheet.iter_rows(min_row=2), start=1):
            row[2].value = f"TPL-{index}"
        buffer = io.BytesIO()
        sheet.parent.save(buffer)
        run = self._run(self._import(data=buffer.getvalue(), filename="filled.xlsx"))
        self.assertEqual(len(run.lot_ids), 4)
        self.assertEqual(self.serial_product.untracked_qty, 0)
        self.assertEqual(self.lot_product.untracked_qty, 0)
