# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Unit tests of ``tools/lot_naming.py``: no database, no environment.

``BaseCase`` (not ``TransactionCase``) so that Odoo's runner collects them
without opening a cursor; standalone, without a database (README.rst,
Development › Tests)::

    make unit                 # or: .venv/bin/python dev/tools/unit.py .odoorc -v
"""

from odoo.tests import BaseCase
from odoo.tools.barcode import get_barcode_check_digit

from ..tools import lot_naming

FORMAT = {"min_length": 3, "max_length": 6, "pattern": r"[A-Z]+\d+", "uppercase": True}


class TestLotNaming(BaseCase):
    def test_clean_name(self):
        self.assertEqual(lot_naming.clean_name("  ab\x1dc\u200b \t"), "abc")
        self.assertEqual(lot_naming.clean_name(" ab-1 ", uppercase=True), "AB-1")
        self.assertEqual(lot_naming.clean_name("\x00"), "")

    def test_format_violations(self):
        self.assertEqual(lot_naming.format_violations("", FORMAT), [("empty", {})])
        self.assertEqual(lot_naming.format_violations("", None), [("empty", {})])
        self.assertEqual(lot_naming.format_violations("anything", None), [])
        self.assertEqual(lot_naming.format_violations("AB12", FORMAT), [])
        self.assertEqual(
            lot_naming.format_violations("a", FORMAT),
            [("min_length", {"min": 3}), ("pattern", {"pattern": FORMAT["pattern"]})],
        )
        self.assertEqual(
            lot_naming.format_violations("ABCDEF1", FORMAT),
            [("max_length", {"max": 6})],
        )

    def test_looks_like_gs1(self):
        for value in (
            "]C101095011010209171025123110ABC",
            "\x1d0109501101020917",
            "(01)09501101020917(10)ABC",
            "010950110102091710ABC",
        ):
            self.assertTrue(lot_naming.looks_like_gs1(value), value)
        for value in ("ABC-001", "0109501101020917", "(ABC)", "01ABC"):
            self.assertFalse(lot_naming.looks_like_gs1(value), value)

    def test_to_element_string(self):
        self.assertEqual(
            lot_naming.to_element_string("(01)09501101020917(17)251231(10)AB 1"),
            "0109501101020917\x1d17251231\x1d10AB 1",
        )
        self.assertEqual(
            lot_naming.to_element_string("0109501101020917"), "0109501101020917"
        )

    def test_strip_scan_keeps_fnc1(self):
        self.assertEqual(lot_naming.strip_scan(" \x1d0112\r\n"), "\x1d0112")

    def test_gs1_check_digit_as_odoo(self):
        for code in (
            "09501101020917",
            "4006381333931",
            "96385074",
            "036000291452",
            "00000000000000",
            "12345678901231",
        ):
            self.assertEqual(
                lot_naming.gs1_check_digit(code), get_barcode_check_digit(code), code
            )

    def test_gtin_check_digit_error(self):
        self.assertIsNone(lot_naming.gtin_check_digit_error("]C1010950110102091710A"))
        self.assertEqual(
            lot_naming.gtin_check_digit_error("]C1010950110102091810A"),
            "09501101020918",
        )
        self.assertEqual(
            lot_naming.gtin_check_digit_error("\x1d010950110102091810A"),
            "09501101020918",
        )
        self.assertIsNone(lot_naming.gtin_check_digit_error("10ABC"))

    def test_gtin_matches(self):
        self.assertTrue(lot_naming.gtin_matches(" 9501101020917 ", "09501101020917"))
        self.assertFalse(lot_naming.gtin_matches("", "00000000000000"))
        self.assertFalse(lot_naming.gtin_matches(None, "09501101020917"))
        self.assertFalse(lot_naming.gtin_matches("9501101020924", "09501101020917"))

    def test_gs1_name_element(self):
        lot, serial = {"value": "L1"}, {"value": "S1"}
        both = {"10": lot, "21": serial}
        self.assertIs(lot_naming.gs1_name_element(both, "serial"), serial)
        self.assertIs(lot_naming.gs1_name_element(both, "lot"), lot)
        self.assertIs(lot_naming.gs1_name_element({"10": lot}, "serial"), lot)
        self.assertIs(lot_naming.gs1_name_element({"21": serial}, "lot"), serial)
        self.assertIsNone(lot_naming.gs1_name_element({}, "lot"))

    def test_name_key(self):
        self.assertEqual(lot_naming.name_key(" AbC\t"), "abc")
        self.assertEqual(lot_naming.name_key("ÄRGER "), "ärger")
        self.assertEqual(lot_naming.name_key(None), "")

    def test_uniqueness_scope(self):
        self.assertEqual(lot_naming.uniqueness_scope("lot", "global"), "product")
        self.assertEqual(lot_naming.uniqueness_scope("serial", "global"), "global")
        self.assertEqual(lot_naming.uniqueness_scope("serial", False), "product")

    def test_unique_key(self):
        self.assertEqual(lot_naming.unique_key("global", "sn1", 3, 7), "G|sn1")
        self.assertEqual(lot_naming.unique_key("company", "sn1", 3, 7), "C|3|sn1")
        self.assertEqual(lot_naming.unique_key("company", "sn1", False, 7), "C|0|sn1")
        self.assertEqual(lot_naming.unique_key("product", "sn1", 3, 7), "P|3|7|sn1")
        self.assertEqual(lot_naming.unique_key("product", "sn1", None, 7), "P|0|7|sn1")
        self.assertFalse(lot_naming.unique_key("product", "", 3, 7))

    def test_unique_key_sql_from_the_same_format(self):
        """The SQL has one branch per scope of KEY_FORMATS, each with its
        prefix and parts; the values agree with Python in
        TestInstallExistingConflicts.test_key_sql_matches_python (database)."""
        code = lot_naming.unique_key_sql(
            lot_naming.scope_sql(lot_naming.SQL("t"), lot_naming.SQL("s")),
            lot_naming.SQL("k"),
            lot_naming.SQL("c"),
            lot_naming.SQL("p"),
        )
        self.assertEqual(code.code.count("WHEN %s THEN"), len(lot_naming.KEY_FORMATS))
        params = code.params
        for scope, (prefix, _parts) in lot_naming.KEY_FORMATS.items():
            self.assertIn(scope, params)
            self.assertIn(prefix, params)
        self.assertEqual(
            lot_naming.unique_key_sql("global", lot_naming.SQL("k"), None, None).code,
            "%s || %s || k",
        )
