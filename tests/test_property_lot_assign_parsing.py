# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Properties of ``tools/lot_assign_parsing.py`` on generated uploads: any
CSV, pasted list or XLSX gives rows or errors the wizard can show, never an
exception, and well-formed rows come back as they were written. No database
(``BaseCase``), run by ``make unit`` and by Odoo's runner."""

import base64
import csv
import datetime
import io
import string

from hypothesis import example, given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from ..tools import lot_assign_parsing as parsing
from .common_property import ANY_TEXT, property_settings

TABLE_ERRORS = {
    "unreadable",
    "empty_input",
    "empty_file",
    "encoding",
    "csv",
    "xlsx",
    "too_many",
    "no_rows",
    "columns",
}
CELL_ERRORS = {"quantity", "date"}
# Cells of a well-formed file: no delimiter, quote or line break in them
# (those are quoted by a CSV writer, and the reader is tested on any bytes
# below), no surrounding spaces (the reader strips them).
PLAIN_CELL = st.text(
    alphabet=st.one_of(
        st.sampled_from(string.ascii_letters + string.digits + "-_/."),
        st.characters(min_codepoint=0xC0, max_codepoint=0x17F),
    ),
    min_size=1,
    max_size=12,
)
QUANTITIES = st.floats(min_value=0, max_value=10**6, allow_nan=False).map(
    lambda value: round(value, 3)
)
DATES = st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31))
ROWS = st.lists(
    st.tuples(PLAIN_CELL, PLAIN_CELL, PLAIN_CELL, QUANTITIES, st.none() | DATES),
    min_size=1,
    max_size=8,
)


def b64(data):
    return base64.b64encode(data)


def xlsx_bytes(rows):
    import openpyxl  # noqa: PLC0415 - as the module: optional at import time

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class TestLotAssignParsingProperties(BaseCase):
    def assertRowsOrErrors(self, lines, errors):
        """Either rows or errors, each error a known code: what the wizard
        turns into a message naming the row."""
        self.assertTrue(bool(lines) != bool(errors), (lines, errors))
        self.assertLessEqual({code for code, _params in errors}, TABLE_ERRORS)
        for line in lines:
            self.assertIsInstance(line, parsing.ImportLine)
            codes = {code for code, _params in line.errors}
            self.assertLessEqual(codes, CELL_ERRORS)
            self.assertEqual(line.quantity is None, "quantity" in codes)
            self.assertEqual(line.expiration_date is None, "date" in codes)

    @property_settings(400)
    @given(st.binary(max_size=300), st.sampled_from(["rows.csv", "rows.txt", False]))
    def test_any_bytes_give_rows_or_errors(self, data, filename):
        self.assertRowsOrErrors(*parsing.read_import(b64(data), filename))

    @property_settings(400)
    @given(
        st.lists(st.lists(ANY_TEXT, min_size=0, max_size=7), min_size=0, max_size=6),
        st.sampled_from(parsing.IMPORT_DELIMITERS),
        st.booleans(),
    )
    # a cell longer than the csv module accepts
    @example([["P", "S", "L" * 140_000, "1"]], ";", True)
    def test_any_cells_give_rows_or_errors(self, table, delimiter, pasted):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        for cells in table:
            writer.writerow([cell.replace("\x00", "") for cell in cells])
        text = buffer.getvalue()
        if pasted:
            result = parsing.read_import(text=text)
        else:
            result = parsing.read_import(b64(text.encode()), "rows.csv")
        self.assertRowsOrErrors(*result)

    @property_settings(300)
    @given(ROWS, st.sampled_from(parsing.IMPORT_DELIMITERS), st.booleans())
    def test_csv_rows_come_back_as_written(self, rows, delimiter, header):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        if header:
            writer.writerow(["product", "location", "lot", "quantity", "expiry"])
        for product, location, lot, quantity, expiry in rows:
            cells = [product, location, lot, repr(quantity)]
            if expiry:
                cells.append(expiry.isoformat())
            writer.writerow(cells)
        lines, errors = parsing.read_import(b64(buffer.getvalue().encode()), "rows.csv")
        self.assertEqual(errors, [])
        self.assertEqual(
            [
                (line.product_code, line.location_name, line.lot_name, line.quantity)
                for line in lines
            ],
            [
                (product, location, lot, quantity)
                for product, location, lot, quantity, _e in rows
            ],
        )
        self.assertEqual(
            [line.expiration_date for line in lines],
            [
                datetime.datetime.combine(expiry, datetime.time.min)
                if expiry
                else False
                for *_cells, expiry in rows
            ],
        )
        first = 2 if header else 1
        self.assertEqual(
            [line.row for line in lines], list(range(first, first + len(rows)))
        )

    @property_settings(60)
    @given(
        st.lists(
            st.lists(
                st.one_of(
                    st.none(),
                    PLAIN_CELL,
                    st.integers(-(10**9), 10**9),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.datetimes(datetime.datetime(1950, 1, 1)),
                    st.booleans(),
                ),
                max_size=7,
            ),
            max_size=5,
        )
    )
    def test_any_xlsx_gives_rows_or_errors(self, table):
        self.assertRowsOrErrors(*parsing.read_import(b64(xlsx_bytes(table)), "r.xlsx"))

    @property_settings(60)
    @given(ROWS)
    def test_xlsx_rows_come_back_as_written(self, rows):
        data = xlsx_bytes(
            [
                (
                    product,
                    location,
                    lot,
                    quantity,
                    datetime.datetime.combine(expiry, datetime.time.min)
                    if expiry
                    else None,
                )
                for product, location, lot, quantity, expiry in rows
            ]
        )
        lines, errors = parsing.read_import(b64(data), "rows.xlsx")
        self.assertEqual(errors, [])
        self.assertEqual(
            [
                (
                    line.product_code,
                    line.location_name,
                    line.lot_name,
                    line.quantity,
                    line.expiration_date,
                )
                for line in lines
            ],
            [
                (
                    product,
                    location,
                    lot,
                    quantity,
                    datetime.datetime.combine(expiry, datetime.time.min)
                    if expiry
                    else False,
                )
                for product, location, lot, quantity, expiry in rows
            ],
        )
