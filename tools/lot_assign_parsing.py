# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The rows of a retroactive assignment as plain data: no ORM, no database.

- :class:`AssignRow`: one row of an assignment (product, location,
  lot/serial, quantity, expiry), whatever its source (generated, imported,
  manual, a script); :class:`AssignOptions`: the parameters of the run;
- the import of a pasted list or a CSV/XLSX upload into
  :class:`ImportLine` tuples (:func:`read_import`), errors as ``(code,
  params)`` that the model translates (``stock.lot.assign.run``).

The fast unit tests are ``tests/test_lot_assign_parsing.py``.
"""

import base64
import binascii
import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any, NamedTuple

MAX_IMPORT_ROWS = 20000
IMPORT_DELIMITERS = ",;\t|"
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y")


@dataclass(slots=True, eq=False)
class AssignRow:
    """One row: ``row`` is its number as the user sees it; ``quant`` the
    untracked quant it was generated from (generated modes); ``raw`` the
    lot/serial as given (error messages); ``error`` why it cannot be read."""

    row: int
    product: Any
    location: Any
    lot_name: str
    quantity: float
    expiration_date: Any = False
    quant: Any = None
    raw: str = ""
    error: str = ""

    @property
    def key(self):
        """(product id, location id): the untracked stock it draws on."""
        return (self.product.id, self.location.id)

    @property
    def lot_key(self):
        """(product id, lot/serial name): the lot it creates or reuses."""
        return (self.product.id, self.lot_name)


@dataclass(frozen=True)
class AssignOptions:
    """The parameters of an assignment, those its run records: ``company``
    (a ``res.company`` record) whose untracked stock is assigned; ``mode``
    (a key of ``ASSIGN_MODES``); ``receipt_date`` the expiry dates are
    computed from (else each quant's incoming date); ``leave_rest_untracked``
    allows assigning less than the untracked quantity of a location."""

    company: Any
    mode: str = "manual"
    receipt_date: Any = False
    leave_rest_untracked: bool = False
    import_filename: str | bool = False

    def get_run_vals(self):
        """Values of the ``stock.lot.assign.run`` that records them."""
        return {
            "company_id": self.company.id,
            "mode": self.mode,
            "receipt_date": self.receipt_date,
            "leave_rest_untracked": self.leave_rest_untracked,
            "import_filename": self.import_filename if self.mode == "import" else False,
        }


class ImportLine(NamedTuple):
    """One line of an import, read but not resolved: codes and names as
    typed; ``quantity`` None and ``expiration_date`` None when malformed;
    ``errors`` [(code, params)] (``quantity``, ``date``)."""

    row: int
    product_code: str
    location_name: str
    lot_name: str
    quantity: float | None
    expiration_date: datetime.datetime | bool | None
    errors: tuple


def generated_name(prefix, number, padding):
    return f"{prefix or ''}{str(number).zfill(padding or 0)}"


def format_row_numbers(numbers):
    if len(numbers) > 10:
        return f"{min(numbers)}-{max(numbers)}"
    return ", ".join(str(number) for number in numbers)


# --- import: pasted text, CSV or XLSX -> [ImportLine] ----------------------


def read_import(file_data=None, filename=None, text=None):
    """Read an upload (base64 ``file_data``) or a pasted ``text``.

    Return ``([ImportLine], [(code, params)])``; codes: ``unreadable``,
    ``empty_input``, ``empty_file``, ``encoding``, ``csv``, ``xlsx``, ``too_many``,
    ``no_rows``, ``columns``. Lines are returned only without such errors.
    """
    if file_data:
        try:
            content = base64.b64decode(file_data, validate=False)
        except (binascii.Error, ValueError):
            return [], [("unreadable", {})]
        if (filename or "").lower().endswith(".xlsx") or content[:2] == b"PK":
            table, errors = read_xlsx(content)
        else:
            table, errors = read_csv_bytes(content)
    elif text and text.strip():
        table, errors = read_csv_text(text)
    else:
        return [], [("empty_input", {})]
    if not errors:
        table, errors = check_table(table)
    if errors:
        return [], errors
    return [parse_line(index, cells) for index, cells in table], []


def read_csv_bytes(content):
    """([(row number, [cells])], errors) of CSV bytes in UTF-8."""
    if not content.strip():
        return [], [("empty_file", {})]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = content[: exc.start].count(b"\n") + 1
        byte = content[exc.start : exc.start + 1].hex()
        return [], [("encoding", {"row": row, "byte": byte})]
    return read_csv_text(text)


def read_csv_text(text):
    lines = text.splitlines()
    if len(lines) > MAX_IMPORT_ROWS + 1:
        return [], [too_many_rows(len(lines))]
    sample = "\n".join(lines[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=IMPORT_DELIMITERS).delimiter
    except csv.Error:
        delimiter = max(IMPORT_DELIMITERS, key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    table = []
    try:
        for index, cells in enumerate(reader, start=1):
            cells = [cell.strip() for cell in cells]
            if any(cells):
                table.append((index, cells))
    except csv.Error as exc:
        # e.g. a cell longer than the csv module's field size limit
        return [], [("csv", {"row": reader.line_num, "error": str(exc)})]
    return table, []


def read_xlsx(content):
    """([(row number, [cells])], errors) of the first sheet of a workbook."""
    try:
        import openpyxl  # noqa: PLC0415 - optional at import time

        book = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=True
        )
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        return [], [("xlsx", {"error": exc})]
    sheet = book.worksheets[0]
    table = []
    try:
        for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if index > MAX_IMPORT_ROWS + 1:
                return [], [too_many_rows(sheet.max_row or index)]
            cells = [xlsx_cell(value) for value in values]
            if any(cells):
                table.append((index, cells))
    finally:
        book.close()
    return table, []


def xlsx_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def too_many_rows(count):
    return ("too_many", {"count": count, "max": MAX_IMPORT_ROWS})


def check_table(table):
    """Drop the header line; refuse an empty or too long table and lines
    that do not have 4 or 5 columns (all of them listed)."""
    if table and is_header(table[0][1]):
        table = table[1:]
    if not table:
        return [], [("no_rows", {})]
    if len(table) > MAX_IMPORT_ROWS:
        return [], [too_many_rows(len(table))]
    errors = [
        ("columns", {"row": index, "count": len(cells), "value": shorten(cells)})
        for index, cells in table
        if len(cells) < 4 or len(cells) > 5
    ]
    return table, errors


def shorten(cells):
    value = " | ".join(cells)
    return value if len(value) <= 60 else value[:57] + "..."


def is_header(cells):
    return len(cells) >= 4 and parse_quantity(cells[3]) is None


def parse_quantity(value):
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


def parse_date(value):
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def parse_line(index, cells):
    """The :class:`ImportLine` of 4 or 5 cells."""
    errors = []
    quantity = parse_quantity(cells[3])
    if quantity is None:
        errors.append(("quantity", {"value": cells[3]}))
    expiration = False
    if len(cells) > 4 and cells[4]:
        expiration = parse_date(cells[4])
        if expiration is None:
            errors.append(("date", {"value": cells[4]}))
    return ImportLine(
        index, cells[0], cells[1], cells[2], quantity, expiration, tuple(errors)
    )
