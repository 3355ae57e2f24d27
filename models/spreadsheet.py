# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Plain writers of a header and rows as CSV or XLSX bytes (no ORM)."""

import csv
import datetime
import io


def write_csv(headers, rows):
    """UTF-8 with a BOM, so that spreadsheet programs read the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(sheet_name, headers, rows, widths=None):
    """One sheet with a bold frozen header and a filter; ``datetime`` cells
    are written as dates (naive: convert them to the reader's time zone
    first and name it in the header)."""
    import xlsxwriter  # noqa: PLC0415

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(sheet_name)
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, headers, bold)
    for row_index, row in enumerate(rows, start=1):
        for col_index, value in enumerate(row):
            if isinstance(value, datetime.datetime):
                sheet.write_datetime(row_index, col_index, value, date_format)
            else:
                sheet.write(row_index, col_index, value)
    for col_index, width in enumerate(widths or []):
        sheet.set_column(col_index, col_index, width)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
