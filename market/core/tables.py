"""Tables for download: CSV that Excel opens as UTF-8 and that cannot smuggle in formulas."""
import csv
import io

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value) -> str:
    text = "" if value is None else str(value)
    # A cell typed by a user that starts like a formula is read as text by spreadsheets.
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_STARTS) else text


def csv_chunks(heading: list[str], batches):
    """The CSV as text chunks, one per batch of rows, for streaming a table too big to hold."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(heading)
    yield "\ufeff" + buffer.getvalue()  # the mark makes Excel read UTF-8
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([neutral(value) for value in row] for row in batch)
        yield buffer.getvalue()


def csv_bytes(heading: list[str], rows) -> bytes:
    return "".join(csv_chunks(heading, [rows])).encode("utf-8")


def csv_response(filename: str, heading: list[str], rows) -> Response:
    return Response(csv_bytes(heading, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def xlsx_bytes(title: str, heading: list[str], rows) -> bytes:
    """An Excel workbook of one sheet. Every text cell is stored as text, so a cell typed as
    "=HYPERLINK(…)" comes back as those characters and never as a formula."""
    from openpyxl import Workbook  # here: openpyxl imports numpy, 15 MB a process that writes no spreadsheet
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for number, row in enumerate([heading, *rows], start=1):
        for column, value in enumerate(row, start=1):
            if isinstance(value, str):  # control characters no workbook may hold: left out, not a failure
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
