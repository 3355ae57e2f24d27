# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Unit tests of ``tools/spreadsheet.py``: no database (``BaseCase``;
standalone with ``make unit``). The recall's exports are tested in
``test_recall_exports.py`` and ``test_recall_field_data.py``."""

import io

from odoo.tests import BaseCase

from ..tools import spreadsheet


class TestSpreadsheet(BaseCase):
    def test_texts_stay_texts(self):
        """A text is written as a text, whatever it starts with: a customer
        can name itself from the portal, and a name that starts with "="
        must not become a live formula (or a link) in the recall's
        exports."""
        from openpyxl import load_workbook  # noqa: PLC0415

        texts = [
            '=HYPERLINK("https://attacker.example.com","Open")',
            "{=1+1}",
            "https://shop.example.com",
            "+32 2 555 01 01",
            "0042",
        ]
        content = spreadsheet.write_workbook(
            [("Customers", ["Text", "Quantity"], [[t, -4.0] for t in texts], None)]
        )
        sheet = load_workbook(io.BytesIO(content))["Customers"]
        cells = list(sheet.iter_rows(min_row=2))
        self.assertEqual([row[0].value for row in cells], texts)
        self.assertEqual({row[0].data_type for row in cells}, {"s"})
        self.assertFalse([row[0].hyperlink for row in cells if row[0].hyperlink])
        self.assertEqual({row[1].value for row in cells}, {-4.0})
        # an empty text is an empty cell, as before
        content = spreadsheet.write_workbook([("Empty", ["Text"], [[""]], None)])
        sheet = load_workbook(io.BytesIO(content))["Empty"]
        self.assertIsNone(sheet.cell(row=2, column=1).value)
