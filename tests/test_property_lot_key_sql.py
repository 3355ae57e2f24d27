# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Properties of lot names that need the database: the SQL side of the
uniqueness key (``lot_naming.name_key_sql``, ``unique_key_sql``, used at
install and migration) against its Python side on generated names, and the
model's reading of typed or scanned names (GS1 through Odoo's nomenclature).
Run by ``make test``; the database-free properties are in
``tests/test_property_lot_naming.py``."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from odoo.tools import SQL

from ..tools import lot_naming
from .common import TraceabilityCase
from .common_property import ANY_TEXT, DB_TEXT, property_settings

GTIN = "09506000134352"
# AI (10) data of Odoo's GS1 nomenclature, without the brackets that end an
# element of the human-readable form
GS1_LOT = st.text(
    alphabet="!\"%&'*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
    "abcdefghijklmnopqrstuvwxyz",
    min_size=1,
    max_size=20,
)


class TestLotKeySqlProperties(TraceabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gs1_product = cls.builder.create_product(
            "GS1 property product", tracking="lot", barcode=GTIN
        )
        cls.name_format = cls.gs1_product.product_tmpl_id._get_lot_name_format()

    @property_settings(100)
    @given(st.lists(DB_TEXT, min_size=1, max_size=30))
    def test_sql_name_key_is_python_name_key_unless_flagged(self, names):
        """Where the SQL key may differ from Python's, ``sql_unsafe_name``
        says so, and install and migration compute those keys in Python."""
        rows = self.env.execute_query(
            SQL(
                "SELECT t.name, %s, %s FROM unnest(%s::text[]) AS t(name)",
                lot_naming.sql_unsafe_name(SQL("t.name")),
                lot_naming.name_key_sql(SQL("t.name")),
                names,
            )
        )
        self.assertEqual([row[0] for row in rows], names)
        for name, unsafe, sql_key in rows:
            if not unsafe:
                self.assertEqual(sql_key, lot_naming.name_key(name), repr(name))
                self.assertTrue(sql_key, repr(name))

    @property_settings(100)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(sorted(lot_naming.KEY_FORMATS)),
                st.text(
                    alphabet=st.characters(
                        exclude_categories=["Cs"], exclude_characters="\x00"
                    ),
                    min_size=1,
                    max_size=20,
                ),
                st.none() | st.integers(1, 2**31 - 1),
                st.integers(1, 2**31 - 1),
            ),
            min_size=1,
            max_size=10,
        )
    )
    def test_sql_unique_key_is_python_unique_key(self, keys):
        expressions = [
            lot_naming.unique_key_sql(
                scope, SQL("%s::text", key), SQL("%s::int", company), SQL("%s", product)
            )
            for scope, key, company, product in keys
        ]
        [row] = self.env.execute_query(SQL("SELECT %s", SQL(", ").join(expressions)))
        self.assertEqual(
            list(row),
            [lot_naming.unique_key(*values) for values in keys],
        )

    @property_settings(60)
    @given(
        st.sampled_from(["serial", "lot", "none"]),
        st.none() | st.sampled_from(sorted(lot_naming.KEY_FORMATS)),
        DB_TEXT.filter(lot_naming.name_key),
        st.none() | st.integers(1, 1000),
        st.integers(1, 1000),
    )
    def test_sql_scope_case_is_python_scope(
        self, tracking, serial_scope, name, company, product
    ):
        key = lot_naming.name_key(name)
        [[sql_key]] = self.env.execute_query(
            SQL(
                "SELECT %s",
                lot_naming.unique_key_sql(
                    lot_naming.scope_sql(SQL("%s", tracking), SQL("%s", serial_scope)),
                    SQL("%s::text", key),
                    SQL("%s::int", company),
                    SQL("%s", product),
                ),
            )
        )
        scope = lot_naming.uniqueness_scope(tracking, serial_scope)
        self.assertEqual(sql_key, lot_naming.unique_key(scope, key, company, product))

    @property_settings(100)
    @given(
        GS1_LOT,
        st.dates(datetime.date(2010, 1, 1), datetime.date(2060, 12, 31)),
        st.sampled_from(["readable", "fnc1", "]C1"]),
    )
    def test_gs1_round_trip(self, lot, expiry, form):
        """A lot name and expiry encoded as GS1 (human-readable, or element
        string with FNC1) read back as they were."""
        elements = [("01", GTIN), ("17", expiry.strftime("%y%m%d")), ("10", lot)]
        if form == "readable":
            raw = "".join(f"({ai}){data}" for ai, data in elements)
        else:
            prefix = "" if form == "fnc1" else form
            raw = prefix + lot_naming.FNC1.join(ai + data for ai, data in elements)
        result = self.env["stock.lot"]._read_lot_name(
            raw, self.gs1_product, self.name_format
        )
        self.assertEqual(result["errors"], [])
        self.assertEqual(result["name"], lot_naming.clean_name(lot))
        self.assertEqual(
            result["expiration_date"],
            datetime.datetime.combine(expiry, datetime.time.min),
        )

    @property_settings(200)
    @given(
        st.one_of(
            ANY_TEXT,
            st.tuples(
                st.sampled_from(
                    ["(01)", f"(01){GTIN}", f"01{GTIN}10", "]C1", "\x1d", "(10)"]
                ),
                ANY_TEXT,
            ).map("".join),
        )
    )
    def test_any_typed_or_scanned_name_reads_without_crash(self, raw):
        """Whatever is typed or scanned gives a name or reasons, never an
        exception; a GS1 string that cannot be read is left as typed."""
        result = self.env["stock.lot"]._read_lot_name(
            raw, self.gs1_product, self.name_format
        )
        self.assertIsInstance(result["errors"], list)
        self.assertIsInstance(result["name"], str)
        if not result["errors"]:
            self.assertTrue(result["name"])
            self.assertEqual(result["name"], lot_naming.clean_name(result["name"]))
