# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Lot/serial names as plain functions: no ORM, no database.

- normalisation of what is typed, scanned or imported (:func:`clean_name`)
  and the format check (:func:`format_violations`, reasons as codes that the
  model translates);
- GS1 element strings: recognition, the human-readable ``(01)…(10)…`` form,
  the choice of the name among AI (10)/(21), the GTIN check digit;
- the uniqueness key (A1), defined once in :data:`KEY_FORMATS`: the Python
  side (:func:`name_key`, :func:`unique_key`) and the SQL side
  (:func:`name_key_sql`, :func:`unique_key_sql`) are both built from it.

The fast unit tests are ``tests/test_lot_naming.py``.
"""

import re
import unicodedata

from odoo.tools import SQL

# GS1 element strings typed or scanned into a lot field (A4)
GS1_LOT_MAX_LENGTH = 20
FNC1 = "\x1d"
GS1_PREFIXES = ("]C1", "]e0", "]d2", "]Q3", "]J1", FNC1)
GS1_HRI_START = re.compile(r"^\((\d{2,4})\)")
GS1_HRI_ELEMENT = re.compile(r"\((\d{2,4})\)([^(]*)")
# AI (01) then the next AI, with or without an FNC1 between them (the GTIN is
# of fixed length: encoders may or may not separate it)
GS1_RAW_START = re.compile(r"^01\d{14}\x1d?(?:10|11|13|15|17|21)")
GS1_GTIN = re.compile(r"^01(\d{14})")

# --- names: normalisation and format ---------------------------------------


def clean_name(name, uppercase=False):
    """Drop control/format characters and surrounding spaces; upper-case
    when the format asks for it."""
    name = "".join(
        char for char in name if unicodedata.category(char) not in ("Cc", "Cf")
    ).strip()
    return name.upper() if uppercase else name


def format_violations(name, name_format):
    """Why ``name`` breaks ``name_format``: a list of ``(code, params)``,
    codes ``empty``, ``min_length``, ``max_length``, ``pattern`` (empty list
    if none). ``name_format`` is the dict of
    ``product.template._get_lot_name_format()`` or a false value."""
    if not name:
        return [("empty", {})]
    if not name_format:
        return []
    violations = []
    min_length = name_format["min_length"]
    max_length = name_format["max_length"]
    pattern = name_format["pattern"]
    if min_length and len(name) < min_length:
        violations.append(("min_length", {"min": min_length}))
    if max_length and len(name) > max_length:
        violations.append(("max_length", {"max": max_length}))
    if pattern and not re.fullmatch(pattern, name):
        violations.append(("pattern", {"pattern": pattern}))
    return violations


# --- GS1 element strings ------------------------------------------------


def strip_scan(raw_name):
    """Surrounding blanks of a scan, not str.strip(): that would also drop a
    leading FNC1 (\\x1d)."""
    return raw_name.strip(" \t\r\n")


def looks_like_gs1(value):
    return bool(
        value.startswith(GS1_PREFIXES)
        or GS1_HRI_START.match(value)
        or GS1_RAW_START.match(value)
    )


def to_element_string(value):
    """The element string of ``value``: the human-readable form
    ``(01)…(10)…`` becomes AI + data with FNC1 after each element; any other
    form is returned as is."""
    if GS1_HRI_START.match(value):
        return FNC1.join(ai + data for ai, data in GS1_HRI_ELEMENT.findall(value))
    return value


def gs1_check_digit(digits):
    """GS1 check digit of ``digits`` whose last digit is the check digit
    (GTIN-8/12/13/14, SSCC): weights 3 and 1 from the right, the last digit
    excluded. Same result as ``odoo.tools.barcode.get_barcode_check_digit``."""
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1)
        for index, digit in enumerate(reversed(digits[:-1]))
    )
    return (10 - total % 10) % 10


def gtin_check_digit_error(element_string):
    """The GTIN of AI (01) at the start of ``element_string`` when its check
    digit is wrong, else ``None``."""
    for prefix in GS1_PREFIXES:
        if element_string.startswith(prefix):
            element_string = element_string[len(prefix) :]
            break
    gtin = GS1_GTIN.match(element_string)
    if gtin and int(gtin.group(1)[-1]) != gs1_check_digit(gtin.group(1)):
        return gtin.group(1)
    return None


def gtin_matches(barcode, gtin):
    """Whether a product barcode is the GTIN of AI (01) (GTIN-8/12/13 are
    GTIN-14 with leading zeros)."""
    barcode = (barcode or "").strip()
    return bool(barcode) and barcode.zfill(14) == gtin.zfill(14)


def gs1_name_element(elements_by_ai, tracking):
    """The element that names the lot: AI (21) first for serial numbers,
    AI (10) first otherwise; ``None`` when neither is there."""
    lot = elements_by_ai.get("10")
    serial = elements_by_ai.get("21")
    return (serial or lot) if tracking == "serial" else (lot or serial)


# --- uniqueness key (A1) --------------------------------------------------

# Scope -> (prefix, parts between the prefix and the normalised name). The one
# definition of the key format: both sides below are generated from it.
KEY_FORMATS = {
    "global": ("G", ()),
    "company": ("C", ("company_id",)),
    "product": ("P", ("company_id", "product_id")),
}
KEY_SEPARATOR = "|"
# Names that PostgreSQL may not normalise as Python does (tabs, line breaks
# and non-ASCII: PostgreSQL's classes and lower() depend on the database
# locale) or that normalise to nothing: their keys are computed in Python.
SQL_UNSAFE_NAME_PATTERN = r"[^\x20-\x7e]"


def name_key(name):
    """The name as the uniqueness rule compares it: trimmed, lower-case."""
    return (name or "").strip().lower()


def uniqueness_scope(tracking, serial_scope):
    """Scope of a lot: the company's setting for serial numbers; lots are
    always unique per product."""
    if tracking != "serial":
        return "product"
    return serial_scope or "product"


def unique_key(scope, key, company_id, product_id):
    """The uniqueness key of a lot (``False`` without a normalised name)."""
    if not key:
        return False
    prefix, parts = KEY_FORMATS[scope]
    values = {"company_id": company_id or 0, "product_id": product_id}
    return KEY_SEPARATOR.join([prefix, *(str(values[p]) for p in parts), key])


def name_key_sql(name):
    """SQL of :func:`name_key` for the SQL expression ``name``; exact for
    the names that do not match :func:`sql_unsafe_name`."""
    return SQL(
        "lower(regexp_replace(%s, '^[[:space:]]+|[[:space:]]+$', '', 'g'))", name
    )


def sql_unsafe_name(name):
    """SQL condition: the key of ``name`` must be computed in Python."""
    return SQL("(%s ~ %s OR btrim(%s) = '')", name, SQL_UNSAFE_NAME_PATTERN, name)


def scope_sql(tracking, serial_scope):
    """SQL of :func:`uniqueness_scope`."""
    return SQL(
        "CASE WHEN %s = 'serial' THEN COALESCE(%s, 'product') ELSE 'product' END",
        tracking,
        serial_scope,
    )


def _key_sql(scope, key, company_id, product_id):
    prefix, parts = KEY_FORMATS[scope]
    values = {
        "company_id": SQL("COALESCE(%s, 0)::text", company_id),
        "product_id": SQL("%s::text", product_id),
    }
    return SQL(" || %s || ", KEY_SEPARATOR).join(
        [SQL("%s", prefix), *(values[part] for part in parts), key]
    )


def unique_key_sql(scope, key, company_id, product_id):
    """SQL of :func:`unique_key`. ``key`` is the SQL of the normalised name,
    ``company_id`` and ``product_id`` SQL expressions; ``scope`` is a scope
    name, or the SQL of one (e.g. :func:`scope_sql`) for a ``CASE``."""
    if isinstance(scope, str):
        return _key_sql(scope, key, company_id, product_id)
    return SQL(
        "CASE %s %s END",
        scope,
        SQL(" ").join(
            SQL("WHEN %s THEN %s", name, _key_sql(name, key, company_id, product_id))
            for name in KEY_FORMATS
        ),
    )
