# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A1: serial number uniqueness scope, backed by a unique index."""

import psycopg2

from odoo.tests import Form
from odoo.tools import mute_logger

from ..exceptions import TraceabilityValidationError
from .common import TraceabilityCase


class TestIntegrityUniqueness(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial_a = cls.builder.create_product("Scanner A", tracking="serial")
        cls.serial_b = cls.builder.create_product("Scanner B", tracking="serial")
        cls.lot_a = cls.builder.create_product("Glue A", tracking="lot")
        cls.lot_b = cls.builder.create_product("Glue B", tracking="lot")
        cls.vendor = cls.builder.create_partner("Uniq Vendor")
        cls.Lot = cls.env["stock.lot"]

    def _lot(self, product, name, **vals):
        return self.Lot.create({"name": name, "product_id": product.id, **vals})

    def test_default_scope_is_per_product_and_normalised(self):
        self.assertEqual(self.company.serial_uniqueness_scope, "product")
        lot = self._lot(self.serial_a, "SN-100")
        self.assertEqual(lot.traceability_name_key, "sn-100")
        self.assertTrue(lot.traceability_unique_key)
        # Case differs: Odoo accepts it, the add-on does not.
        with self.assertRaisesRegex(TraceabilityValidationError, "must be unique"):
            self._lot(self.serial_a, "sn-100")
        # Another product may use the same serial number in this scope.
        self._lot(self.serial_b, "SN-100")

    def test_trailing_spaces_are_the_same_name(self):
        self._lot(self.serial_a, "SN-101")
        with self.assertRaises(TraceabilityValidationError):
            # Whatever the name normalisation stores, " SN-101 " is SN-101.
            self._lot(self.serial_a, " SN-101 ")

    def test_rename_into_duplicate_refused(self):
        self._lot(self.serial_a, "SN-102")
        other = self._lot(self.serial_a, "SN-103")
        with self.assertRaisesRegex(TraceabilityValidationError, "SN-102"):
            other.name = "sn-102"

    def test_batch_create_with_duplicates_refused(self):
        with self.assertRaises(TraceabilityValidationError):
            self.Lot.create(
                [
                    {"name": "SN-104", "product_id": self.serial_a.id},
                    {"name": "Sn-104", "product_id": self.serial_a.id},
                ]
            )

    def test_scope_company_across_products(self):
        self.company.serial_uniqueness_scope = "company"
        self._lot(self.serial_a, "SN-200")
        with self.assertRaisesRegex(TraceabilityValidationError, "Scanner A"):
            self._lot(self.serial_b, "sn-200")
        # Lots (not serials) stay unique per product only.
        self._lot(self.lot_a, "BATCH-1")
        self._lot(self.lot_b, "BATCH-1")
        with self.assertRaises(TraceabilityValidationError):
            self._lot(self.lot_a, "batch-1")

    def test_scope_across_companies(self):
        company_2 = self.env["res.company"].create({"name": "Uniq Co 2"})
        product_2 = self.builder.create_product(
            "Scanner Co2", tracking="serial", company_id=company_2.id
        )
        product_1 = self.builder.create_product(
            "Scanner Co1", tracking="serial", company_id=self.company.id
        )
        self._lot(product_1, "SN-300", company_id=self.company.id)
        # Per company: another company may reuse the number.
        self.company.serial_uniqueness_scope = "company"
        lot_2 = self._lot(product_2, "SN-301", company_id=company_2.id)
        self.company.serial_uniqueness_scope = "global"
        with self.assertRaisesRegex(TraceabilityValidationError, "Scanner Co1"):
            self._lot(product_2, "sn-300", company_id=company_2.id)
        # The other way round: company 1 promises global uniqueness.
        with self.assertRaisesRegex(TraceabilityValidationError, "Scanner Co2"):
            self._lot(product_1, "SN-301", company_id=self.company.id)
        self.assertTrue(lot_2.exists())

    def test_scope_change_refused_when_existing_duplicates(self):
        self._lot(self.serial_a, "SN-400")
        self._lot(self.serial_b, "SN-400")
        with self.assertRaisesRegex(TraceabilityValidationError, "SN-400"):
            self.company.serial_uniqueness_scope = "company"
        self.assertEqual(self.company.serial_uniqueness_scope, "product")

    def test_scope_change_recomputes_keys(self):
        lot = self._lot(self.serial_a, "SN-401")
        self.assertTrue(lot.traceability_unique_key.startswith("P|"))
        self.company.serial_uniqueness_scope = "company"
        lot.invalidate_recordset()
        self.assertTrue(lot.traceability_unique_key.startswith("C|"))

    def test_settings_form(self):
        settings = Form(self.env["res.config.settings"])
        settings.serial_uniqueness_scope = "company"
        settings.save().execute()
        self.assertEqual(self.company.serial_uniqueness_scope, "company")

    def test_database_index_is_the_guarantee(self):
        """Bypass the Python check: the index still refuses, and the error is
        the add-on's, not a bare database error."""
        lot = self._lot(self.serial_a, "SN-500")
        other = self._lot(self.serial_a, "SN-501")
        self.env.flush_all()
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation) as caught,
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE stock_lot SET traceability_unique_key = %s WHERE id = %s",
                (lot.traceability_unique_key, other.id),
            )
        message = self.Lot._sql_error_to_message(caught.exception)
        self.assertIn("already exists in the uniqueness scope", message)
        # A row the Python check cannot see (same key, other name): the insert
        # hits the index and the add-on's error comes out of create().
        self.env.cr.execute(
            "UPDATE stock_lot SET traceability_unique_key = %s WHERE id = %s",
            (
                lot.traceability_unique_key.replace("sn-500", "sn-502"),
                other.id,
            ),
        )
        with (
            self.assertRaisesRegex(
                TraceabilityValidationError, "already exists in the uniqueness scope"
            ),
            mute_logger("odoo.sql_db"),
        ):
            self._lot(self.serial_a, "SN-502")

    def test_receipt_of_same_serial_other_case_refused(self):
        self.builder.receive(self.serial_a, {"SN-600": 1}, self.vendor)
        customer = self.builder.create_partner("Uniq Customer")
        self.builder.deliver(self.serial_a, {"SN-600": 1}, customer)
        with self.assertRaisesRegex(TraceabilityValidationError, "must be unique"):
            self.builder.receive(self.serial_a, {"sn-600": 1}, self.vendor)

    def test_strict_off_is_odoo_behaviour(self):
        self.company.strict_traceability = False
        lot = self._lot(self.serial_a, "SN-700")
        self.assertFalse(lot.traceability_unique_key)
        self._lot(self.serial_a, "sn-700")
