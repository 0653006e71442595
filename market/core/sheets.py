"""Reading the spreadsheets people keep, Excel (.xlsx) or CSV, bounded: the first sheet's rows that
are not blank, read only as far as the caller's limit, never wider than MAX_COLUMNS. Each caller
(a purchase catalog, a community's grids) checks its own columns and says its own limits."""
import csv
import io
import re
from contextlib import closing
from dataclasses import dataclass, field

from flask_babel import gettext as _

from market.core import uploads
from market.core.errors import ServiceError

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


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never text a person typed


@dataclass
class Imported:
    """What an import read: its items, or the errors that kept all of them out."""

    items: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Table:
    """A sheet read against its columns: each row's cells by column key (spaces collapsed), with the
    row's number as the person sees it; or the errors that stop it being read at all."""

    rows: list[tuple[int, dict[str, str]]]
    errors: list[RowError]


def read_table(filename: str, data: bytes, columns, most: int, too_many: str) -> Table:
    """An uploaded .xlsx or .csv with a heading row naming `columns` ((key, Chinese heading, English
    heading, required), in either language) and at most `most` rows after it (`too_many` says so).
    The caller checks each row's cells and saves nothing unless no row has an error."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ("xlsx", "csv"):
        return Table([], [RowError(0, "", _("Upload an .xlsx or .csv file."))])
    try:
        rows = first_rows(rows_of(extension, data, 50 * most), most, 50 * most)
    except ServiceError:  # an .xlsx that would unpack too large: refused at the upload field
        raise
    except Exception:  # a damaged file: say so rather than fail
        return Table([], [RowError(0, "", _("The file cannot be read as %(kind)s.", kind=extension.upper()))])
    if rows is None or len(rows) - 1 > most:
        return Table([], [RowError(0, "", too_many)])
    if not rows:
        return Table([], [RowError(0, "", _("The file is empty."))])
    heading = [(c or "").strip().lower() for c in rows[0]]
    positions, errors = {}, []
    for key, chinese, english, required in columns:
        for index, title in enumerate(heading):
            if title in (chinese, english.lower()):
                positions[key] = index
        if required and key not in positions:
            errors.append(RowError(1, chinese, _("The heading row has no column “%(name)s”.", name=chinese)))
    if errors or len(rows) < 2:
        return Table([], errors or [RowError(0, "", _("The file is empty."))])
    return Table([(number, {key: " ".join(CONTROL.sub("", row[index] if index < len(row) else "").split())
                            for key, index in positions.items()})
                  for number, row in enumerate(rows[1:], start=2)], [])
