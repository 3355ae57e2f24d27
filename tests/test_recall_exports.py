# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime
import io
from unittest import SkipTest

from odoo.tests import freeze_time

from .common import DEMO_EXPIRED_LOT
from .common_recall import RecallCase


class TestRecallExports(RecallCase):
    """The recall's XLSX: a sheet per section, real dates in the user's time
    zone, column widths, FSMA 204 event types apart from other movements,
    the event location with its address, one attachment per format."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.builder.has_mrp:
            raise SkipTest("the demo chain needs mrp to reach customers")
        cls.demo = cls.builder.build_demo_chain()
        cls.recall_manager.tz = "America/New_York"
        cls.warehouse.partner_id = cls.env["res.partner"].create(
            {"name": "Bakery Warehouse", "street": "1 Mill Lane", "city": "Ghent"}
        )
        cls.recall = cls._new_recall(
            cls.demo["lots"][DEMO_EXPIRED_LOT], direction="downstream"
        ).with_user(cls.recall_manager)
        cls.recall.action_trace()
        # quarantine: internal transfers of the affected stock, traced again
        cls.recall.action_quarantine()

    def _workbook(self, action):
        from openpyxl import load_workbook  # noqa: PLC0415

        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        return attachment, load_workbook(io.BytesIO(attachment.raw))

    @staticmethod
    def _rows(sheet):
        header = [cell.value for cell in sheet[1]]
        return header, [
            dict(zip(header, [cell.value for cell in row], strict=True))
            for row in sheet.iter_rows(min_row=2)
        ]

    def test_sheets_dates_and_widths(self):
        _attachment, book = self._workbook(self.recall.action_export_xlsx())
        self.assertEqual(
            book.sheetnames,
            ["FSMA events", "Other movements", "Customers", "Lots and mass balance"],
        )
        header, rows = self._rows(book["FSMA events"])
        self.assertIn("Event date (America/New_York)", header)
        first_event = self.recall.event_ids.filtered(
            lambda e: e.event_type == "receiving"
        ).sorted("date")[0]
        receiving = next(row for row in rows if row["Event type"] == "Receiving")
        value = receiving["Event date (America/New_York)"]
        self.assertIsInstance(value, datetime.datetime)
        # New York is 4 or 5 hours behind UTC
        self.assertIn(
            first_event.date.replace(microsecond=0) - value,
            (datetime.timedelta(hours=4), datetime.timedelta(hours=5)),
        )
        sheet = book["FSMA events"]
        lot_col = sheet.cell(1, header.index("Traceability lot code") + 1)
        width = sheet.column_dimensions[lot_col.column_letter].width
        self.assertGreaterEqual(width, len("Traceability lot code"))
        location_col = sheet.cell(1, header.index("Event location") + 1)
        self.assertGreaterEqual(
            sheet.column_dimensions[location_col.column_letter].width,
            len(f"{self.stock_location.complete_name}, 1 Mill Lane"),
        )

    def test_event_types_per_sheet_and_location(self):
        _attachment, book = self._workbook(self.recall.action_export_xlsx())
        _header, fsma = self._rows(book["FSMA events"])
        _header, other = self._rows(book["Other movements"])
        self.assertEqual(
            {row["Event type"] for row in fsma},
            {"Receiving", "Shipping", "Transformation Input", "Transformation Output"},
        )
        self.assertEqual({row["Event type"] for row in other}, {"Internal Transfer"})
        self.assertEqual(
            len(fsma) + len(other), len(self.recall.event_ids), "every event once"
        )
        receiving = next(row for row in fsma if row["Event type"] == "Receiving")
        self.assertTrue(
            receiving["Event location"].startswith(
                f"{self.stock_location.complete_name}, 1 Mill Lane"
            ),
            receiving["Event location"],
        )
        self.assertIn("Ghent", receiving["Event location"])
        self.assertNotIn(self.env.company.name, receiving["Event location"])

    def test_customer_and_lot_sheets_show_units(self):
        _attachment, book = self._workbook(self.recall.action_export_xlsx())
        _header, customers = self._rows(book["Customers"])
        self.assertEqual(
            sorted(
                (row["Customer"], row["Quantity"], row["Unit"]) for row in customers
            ),
            [
                ("Corner Bakery Café", 60.0, "Units"),
                ("Green Grocer Ltd", 1.0, "Units"),
                ("Sunrise Supermarket", 40.0, "Units"),
            ],
        )
        self.assertIsInstance(
            customers[0]["Date (America/New_York)"], datetime.datetime
        )
        _header, lots = self._rows(book["Lots and mass balance"])
        flour = next(row for row in lots if row["Lot/Serial"] == DEMO_EXPIRED_LOT)
        self.assertEqual((flour["Received or Produced"], flour["Unit"]), (40.0, "kg"))
        self.assertEqual(flour["Accounted (%)"], 100.0)

    def test_one_attachment_per_format_replaced(self):
        first, _book = self._workbook(self.recall.action_export_xlsx())
        with freeze_time(datetime.datetime.now() + datetime.timedelta(hours=1)):
            self.recall.action_trace()
            second, _book = self._workbook(self.recall.action_export_xlsx())
        self.recall.action_export_csv()
        self.recall.action_export_csv()
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "stock.recall"), ("res_id", "=", self.recall.id)]
        )
        self.assertEqual(first, second)
        self.assertEqual(
            sorted(attachments.mapped("name")),
            sorted(
                f"{self.recall.name.replace('/', '_')}_fsma204.{ext}"
                for ext in ("csv", "xlsx")
            ),
        )
