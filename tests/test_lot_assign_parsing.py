# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Unit tests of ``tools/lot_assign_parsing.py``: no database, no
environment (``BaseCase``, as ``tests/test_lot_naming.py``)."""

import base64
import datetime
import io

from odoo.tests import BaseCase

from ..tools import lot_assign_parsing as parsing


def b64(text, encoding="utf-8"):
    return base64.b64encode(text.encode(encoding))


class TestLotAssignParsing(BaseCase):
    def test_csv_with_header_and_decimal_comma(self):
        text = "product;location;lot;quantity;expiry\nP1;WH/Stock;L1;4,5;2030-01-31\n"
        lines, errors = parsing.read_import(b64(text), "lots.csv")
        self.assertEqual(errors, [])
        self.assertEqual(
            lines,
            [
                parsing.ImportLine(
                    2, "P1", "WH/Stock", "L1", 4.5, datetime.datetime(2030, 1, 31), ()
                )
            ],
        )

    def test_pasted_tabs_and_cell_errors(self):
        lines, errors = parsing.read_import(
            text="P0\tS\tL0\t1\nP1\tS\tL1\tx\n\nP2\tS\tL2\t1\t31.01.30"
        )
        self.assertEqual(errors, [])
        self.assertEqual([line.row for line in lines], [1, 2, 4])
        self.assertEqual(lines[1].errors, (("quantity", {"value": "x"}),))
        self.assertIsNone(lines[1].quantity)
        self.assertEqual(lines[2].errors, (("date", {"value": "31.01.30"}),))
        self.assertIsNone(lines[2].expiration_date)
        self.assertFalse(parsing.parse_line(9, ["P", "S", "L", "1"]).expiration_date)

    def test_table_errors(self):
        self.assertEqual(parsing.read_import(), ([], [("empty_input", {})]))
        self.assertEqual(parsing.read_import(text="  \n"), ([], [("empty_input", {})]))
        self.assertEqual(parsing.read_import(b64("\n")), ([], [("empty_file", {})]))
        self.assertEqual(
            parsing.read_import(b64("a;b;c;quantity\n")), ([], [("no_rows", {})])
        )
        self.assertEqual(
            parsing.read_import(b64("P;S;L;1\nP;S;2\n")),
            ([], [("columns", {"row": 2, "count": 3, "value": "P | S | 2"})]),
        )
        self.assertEqual(
            parsing.read_import(b64("P;S;L;1\nP;S;é;1\n", "latin-1")),
            ([], [("encoding", {"row": 2, "byte": "e9"})]),
        )
        self.assertEqual(
            parsing.read_import(b64("P;S;L;1\n" * (parsing.MAX_IMPORT_ROWS + 2)))[1],
            [("too_many", {"count": parsing.MAX_IMPORT_ROWS + 2, "max": 20000})],
        )
        lines, errors = parsing.read_import(base64.b64encode(b"PK\x03\x04"), "x")
        self.assertEqual((lines, errors[0][0]), ([], "xlsx"))

    def test_xlsx(self):
        import openpyxl  # noqa: PLC0415 - as the module: optional at import time

        book = openpyxl.Workbook()
        book.active.append(["product", "location", "lot", "quantity", "expiry"])
        book.active.append(["P1", "WH/Stock", 12, 3.0, datetime.datetime(2030, 1, 2)])
        book.active.append([None, None, None, None, None])
        buffer = io.BytesIO()
        book.save(buffer)
        lines, errors = parsing.read_import(
            base64.b64encode(buffer.getvalue()), "LOTS.XLSX"
        )
        self.assertEqual(errors, [])
        self.assertEqual(
            lines,
            [
                parsing.ImportLine(
                    2, "P1", "WH/Stock", "12", 3.0, datetime.datetime(2030, 1, 2), ()
                )
            ],
        )

    def test_small_helpers(self):
        self.assertEqual(parsing.generated_name("SN-", 7, 4), "SN-0007")
        self.assertEqual(parsing.generated_name(False, 12, 0), "12")
        self.assertEqual(parsing.format_row_numbers([3, 1, 2]), "3, 1, 2")
        self.assertEqual(parsing.format_row_numbers(list(range(4, 16))), "4-15")
        self.assertEqual(
            parsing.parse_date("31/01/2030"), datetime.datetime(2030, 1, 31)
        )
        self.assertEqual(parsing.shorten(["x" * 70]), "x" * 57 + "...")
        self.assertTrue(parsing.is_header(["a", "b", "c", "qty"]))
        self.assertFalse(parsing.is_header(["a", "b", "c", "1"]))
        self.assertFalse(parsing.is_header(["a", "b", "c"]))
