# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The recall's spreadsheet: one sheet per section, real dates, widths.

Plain functions over ``(key, label)`` headers and row dicts, so that the
recall model only gathers the rows (``stock.recall._get_export_sheets``)."""

import datetime
import io

import pytz

MAX_WIDTH = 60


def to_local(value, tz):
    """UTC ``value`` (naive, as Odoo stores it) as a naive datetime in the
    time zone named ``tz``: spreadsheets have no time zones."""
    if not value:
        return None
    return pytz.utc.localize(value).astimezone(pytz.timezone(tz)).replace(tzinfo=None)


def one_line(text):
    """A multi-line text (an address) on one line, without empty lines."""
    return ", ".join(line.strip() for line in (text or "").splitlines() if line.strip())


def _cell_text(value):
    if isinstance(value, datetime.datetime):
        return "2026-12-31 23:59:59"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value if value is not None else "")


def column_widths(headers, rows):
    """Width per column: its longest text (header included), capped."""
    return [
        min(
            MAX_WIDTH,
            max([len(label)] + [len(_cell_text(row[key])) for row in rows]) + 2,
        )
        for key, label in headers
    ]


def write_workbook(sheets):
    """XLSX bytes of ``sheets``: a list of ``(name, headers, rows)``; header
    row in bold and frozen, an autofilter, datetimes as real dates."""
    import xlsxwriter  # noqa: PLC0415

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    number_format = workbook.add_format({"num_format": "#,##0.00"})
    for name, headers, rows in sheets:
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, [label for _key, label in headers], bold)
        for col, width in enumerate(column_widths(headers, rows)):
            sheet.set_column(col, col, width)
        for index, row in enumerate(rows, start=1):
            for col, (key, _label) in enumerate(headers):
                value = row[key]
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(index, col, value, date_format)
                elif isinstance(value, float):
                    sheet.write_number(index, col, value, number_format)
                else:
                    sheet.write(index, col, value)
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
