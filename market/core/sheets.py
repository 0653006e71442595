"""Reading the spreadsheets people keep, Excel (.xlsx) or CSV, bounded: the first sheet's rows that
are not blank, read only as far as the caller's limit, never wider than MAX_COLUMNS. Each caller
(a purchase catalog, a community's grids) checks its own columns and says its own limits."""
import csv
import io
from contextlib import closing
from dataclasses import dataclass

from market.core import uploads

MAX_COLUMNS = 100  # columns read at most: the headings are looked for among these


@dataclass
class RowError:
    row: int  # as the person sees it in their spreadsheet: the heading is row 1
    column: str
    message: str


def first_rows(rows, most: int, most_in_sheet: int) -> list[list[str]] | None:
    """The rows that are not blank, read only as far as needed: the heading, `most` rows and one
    more (which says there are too many). None if the sheet runs past `most_in_sheet` rows first."""
    kept = []
    with closing(rows):
        for number, row in enumerate(rows, start=1):
            if number > most_in_sheet:
                return None
            if any((c or "").strip() for c in row):
                kept.append(row)
                if len(kept) > most + 1:
                    break
    return kept


def csv_rows(data: bytes):
    text = data.decode("utf-8-sig")  # Excel writes a byte-order mark
    for row in csv.reader(io.StringIO(text)):
        yield row[:MAX_COLUMNS]


def xlsx_rows(data: bytes, most_in_sheet: int):
    from openpyxl import load_workbook  # here: openpyxl imports numpy, 15 MB a process that reads no spreadsheet

    uploads.check_unpacked(data, "xlsx")  # before openpyxl opens it (it holds shared strings in memory)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # Bounded both ways: gaps in a sheet's row numbers come back as blank rows, and a row is as
        # wide as the widest the sheet claims.
        for row in sheet.iter_rows(max_row=most_in_sheet + 1, max_col=MAX_COLUMNS, values_only=True):
            if not any(row) and set(row) <= {None, ""}:
                yield []  # blank (told apart quickly: most rows of a long sheet are)
            else:
                yield ["" if v is None else str(v) for v in row]
    finally:
        workbook.close()


def rows_of(extension: str, data: bytes, most_in_sheet: int):
    """The rows of an uploaded .xlsx or .csv (the caller has checked the extension)."""
    return xlsx_rows(data, most_in_sheet) if extension == "xlsx" else csv_rows(data)
