# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Properties of ``tools/lot_naming.py`` on generated names: no database
(``BaseCase``), run by ``make unit`` and by Odoo's runner. The SQL side of
the uniqueness key is compared with these in
``tests/test_property_lot_key_sql.py``."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase
from odoo.tools.barcode import get_barcode_check_digit

from ..tools import lot_naming
from .common_property import ANY_TEXT, property_settings

SCOPES = st.sampled_from(sorted(lot_naming.KEY_FORMATS))
IDS = st.integers(min_value=1, max_value=10**9)
GTIN_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=14)
# AI (10) and (21) data of Odoo's GS1 nomenclature, without the brackets of
# the human-readable form
GS1_DATA = st.text(
    alphabet="!\"%&'*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
    "abcdefghijklmnopqrstuvwxyz",
    min_size=1,
    max_size=20,
)
GS1_AIS = st.sampled_from(["10", "11", "13", "15", "17", "21", "30", "37", "3103"])


def with_check_digit(body):
    return body + str(lot_naming.gs1_check_digit(body + "0"))


class TestLotNamingProperties(BaseCase):
    # --- names --------------------------------------------------------------

    @property_settings(500)
    @given(ANY_TEXT, st.booleans())
    def test_clean_name_drops_controls_and_is_idempotent(self, name, uppercase):
        cleaned = lot_naming.clean_name(name, uppercase=uppercase)
        self.assertEqual(lot_naming.clean_name(cleaned, uppercase=uppercase), cleaned)
        self.assertEqual(cleaned, cleaned.strip())
        self.assertFalse(
            [c for c in cleaned if unicodedata.category(c) in ("Cc", "Cf")]
        )
        kept = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
        self.assertEqual(cleaned, kept.strip().upper() if uppercase else kept.strip())

    @property_settings(300)
    @given(ANY_TEXT, st.text(alphabet=" \t\n\r\u3000\xa0", max_size=3))
    def test_name_key_ignores_surrounding_spaces_and_ascii_case(self, name, blank):
        key = lot_naming.name_key(name)
        self.assertEqual(lot_naming.name_key(key), key)
        self.assertEqual(lot_naming.name_key(blank + name + blank), key)
        if name.isascii():
            self.assertEqual(lot_naming.name_key(name.swapcase()), key)
        self.assertEqual(lot_naming.name_key(None), "")

    @property_settings(300)
    @given(ANY_TEXT, st.integers(0, 5), st.integers(0, 8))
    def test_format_violations_agree_with_the_length(self, name, low, extra):
        name_format = {
            "min_length": low,
            "max_length": low + extra,
            "pattern": False,
            "uppercase": False,
        }
        codes = [code for code, _p in lot_naming.format_violations(name, name_format)]
        if not name:
            self.assertEqual(codes, ["empty"])
            return
        self.assertEqual("min_length" in codes, bool(low) and len(name) < low)
        self.assertEqual("max_length" in codes, len(name) > low + extra > 0)

    # --- the uniqueness key -----------------------------------------------

    @property_settings(400)
    @given(
        st.tuples(SCOPES, ANY_TEXT, st.none() | IDS, IDS),
        st.tuples(SCOPES, ANY_TEXT, st.none() | IDS, IDS),
    )
    def test_unique_key_is_injective(self, first, second):
        """Two lots get the same key exactly when their scope, normalised
        name and the ids the scope compares are the same."""

        def compared(scope, name, company_id, product_id):
            parts = lot_naming.KEY_FORMATS[scope][1]
            ids = {"company_id": company_id or 0, "product_id": product_id}
            return (scope, lot_naming.name_key(name), [ids[p] for p in parts])

        keys = [
            lot_naming.unique_key(scope, lot_naming.name_key(name), company, product)
            for scope, name, company, product in (first, second)
        ]
        for key, (_scope, name, _c, _p) in zip(keys, (first, second), strict=True):
            self.assertEqual(bool(key), bool(lot_naming.name_key(name)))
        if keys[0] and keys[1]:
            self.assertEqual(keys[0] == keys[1], compared(*first) == compared(*second))

    @property_settings(200)
    @given(st.sampled_from(["serial", "lot", "none"]), st.none() | SCOPES)
    def test_only_serial_numbers_follow_the_company_scope(self, tracking, scope):
        result = lot_naming.uniqueness_scope(tracking, scope)
        expected = (scope or "product") if tracking == "serial" else "product"
        self.assertEqual(result, expected)

    # --- GS1 ----------------------------------------------------------------

    @property_settings(300)
    @given(
        st.sampled_from([8, 12, 13, 14, 17, 18]).flatmap(
            lambda size: st.text(alphabet="0123456789", min_size=size, max_size=size)
        )
    )
    def test_check_digit_is_odoos(self, digits):
        self.assertEqual(
            lot_naming.gs1_check_digit(digits), get_barcode_check_digit(digits)
        )

    @property_settings(300)
    @given(
        st.text(alphabet="0123456789", min_size=13, max_size=13),
        st.integers(1, 9),
        st.sampled_from(["", "]C1", "]d2", "\x1d"]),
        GS1_DATA,
    )
    def test_gtin_check_digit_error(self, body, shift, prefix, lot):
        gtin = with_check_digit(body)
        good = f"{prefix}01{gtin}10{lot}"
        self.assertIsNone(lot_naming.gtin_check_digit_error(good))
        wrong = gtin[:-1] + str((int(gtin[-1]) + shift) % 10)
        self.assertEqual(
            lot_naming.gtin_check_digit_error(f"{prefix}01{wrong}10{lot}"), wrong
        )
        self.assertTrue(lot_naming.looks_like_gs1(good))
        # the element string of the human-readable form separates (01) too
        self.assertTrue(lot_naming.looks_like_gs1(f"01{gtin}\x1d10{lot}"))

    @property_settings(300)
    @given(st.lists(st.tuples(GS1_AIS, GS1_DATA), min_size=1, max_size=5))
    def test_human_readable_form_round_trip(self, elements):
        """``(AI)data(AI)data`` becomes the element string with FNC1 after each
        element, and back."""
        readable = "".join(f"({ai}){data}" for ai, data in elements)
        element_string = lot_naming.to_element_string(readable)
        self.assertEqual(
            element_string, lot_naming.FNC1.join(ai + data for ai, data in elements)
        )
        self.assertTrue(lot_naming.looks_like_gs1(readable))
        self.assertEqual(lot_naming.to_element_string(element_string), element_string)
        back = "".join(
            f"({ai}){part[len(ai) :]}"
            for (ai, _data), part in zip(
                elements, element_string.split(lot_naming.FNC1), strict=True
            )
        )
        self.assertEqual(back, readable)

    @property_settings(300)
    @given(GTIN_DIGITS, GTIN_DIGITS, st.integers(0, 6))
    def test_gtin_matches_whatever_the_leading_zeros(self, barcode, other, zeros):
        """A GTIN-8/12/13 is the GTIN-14 with leading zeros."""
        padded = "0" * zeros + barcode
        self.assertEqual(lot_naming.gtin_matches(barcode, padded), len(padded) <= 14)
        self.assertTrue(lot_naming.gtin_matches(f" {barcode} ", barcode.zfill(14)))
        if barcode.lstrip("0") != other.lstrip("0"):
            self.assertFalse(lot_naming.gtin_matches(barcode, other))
        self.assertFalse(lot_naming.gtin_matches("", barcode))
        self.assertFalse(lot_naming.gtin_matches(False, barcode))

    @property_settings(300)
    @given(
        st.dictionaries(
            st.sampled_from(["10", "21", "17"]),
            st.fixed_dictionaries({"value": GS1_DATA}),
        ),
        st.sampled_from(["serial", "lot"]),
    )
    def test_name_element_prefers_the_ai_of_the_tracking(self, elements, tracking):
        chosen = lot_naming.gs1_name_element(elements, tracking)
        first, second = ("21", "10") if tracking == "serial" else ("10", "21")
        self.assertIs(chosen, elements.get(first) or elements.get(second))

    @property_settings(600)
    @given(
        st.one_of(
            ANY_TEXT,
            st.tuples(
                st.sampled_from(lot_naming.GS1_PREFIXES + ("(", "01", "(01)")),
                ANY_TEXT,
            ).map("".join),
        )
    )
    def test_bad_input_never_crashes(self, value):
        """Anything typed or scanned goes through the plain GS1 helpers
        without an exception; what is not the human-readable form is left
        as it is."""
        scanned = lot_naming.strip_scan(value)
        self.assertEqual(scanned, value.strip(" \t\r\n"))
        looks = lot_naming.looks_like_gs1(scanned)
        self.assertIsInstance(looks, bool)
        element_string = lot_naming.to_element_string(scanned)
        if not lot_naming.GS1_HRI_START.match(scanned):
            self.assertEqual(element_string, scanned)
        error = lot_naming.gtin_check_digit_error(element_string)
        self.assertTrue(error is None or (len(error) == 14 and error.isdigit()))
        self.assertIsInstance(lot_naming.format_violations(scanned, None), list)
