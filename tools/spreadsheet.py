# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Plain writers of a header and rows as CSV or XLSX bytes (no ORM)."""

import csv
import datetime
import io

import pytz

MAX_WIDTH = 60


def write_csv(headers, rows):
    """UTF-8 with a BOM, so that spreadsheet programs read the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_local(value, tz):
    """UTC ``value`` (naive, as Odoo stores it) as a naive datetime in the
    time zone named ``tz``: spreadsheets have no time zones, so name it in
    the header."""
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
            max([len(header)] + [len(_cell_text(row[col])) for row in rows]) + 2,
        )
        for col, header in enumerate(headers)
    ]


def write_workbook(sheets):
    """XLSX bytes of ``sheets``, a list of ``(name, headers, rows, widths)``
    (``widths`` None: fitted to the texts). Each sheet has a bold frozen
    header and a filter; ``datetime`` cells are written as dates (naive:
    convert them with :func:`to_local` first), texts as texts (a text that
    starts with "=" is not a formula)."""
    import xlsxwriter  # noqa: PLC0415

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    number_format = workbook.add_format({"num_format": "#,##0.00"})
    for name, headers, rows, widths in sheets:
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, headers, bold)
        for row_index, row in enumerate(rows, start=1):
            for col_index, value in enumerate(row):
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(row_index, col_index, value, date_format)
                elif isinstance(value, float):
                    sheet.write_number(row_index, col_index, value, number_format)
                elif isinstance(value, str) and value:
                    # never a formula or a link: names come from partners,
                    # which customers edit themselves in the portal
                    sheet.write_string(row_index, col_index, value)
                else:
                    sheet.write(row_index, col_index, value)
        for col_index, width in enumerate(widths or column_widths(headers, rows)):
            sheet.set_column(col_index, col_index, width)
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def write_xlsx(sheet_name, headers, rows, widths=None):
    """One sheet (see :func:`write_workbook`)."""
    return write_workbook([(sheet_name, headers, rows, widths)])
