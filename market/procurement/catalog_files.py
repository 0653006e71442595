"""Reading and writing catalogs as governments keep them: Excel (.xlsx) or CSV, one item a row.

Columns, by their Chinese or English heading: 编码/code, 服务领域/category, 项目名称/name,
说明/description, 竞争程度/competition. Every row is checked; the caller saves nothing unless
there is no error at all.
"""

from flask_babel import gettext as _

from market.core import sheets, tables
from market.core.errors import ServiceError
from market.core.sheets import RowError

COLUMNS = [  # (key, Chinese heading, English heading, required)
    ("code", "编码", "code", True),
    ("category", "服务领域", "category", True),
    ("name", "项目名称", "name", True),
    ("description", "说明", "description", False),
    ("competition", "竞争程度", "competition", True),
    ("min_grade", "最低等级", "min_grade", False),  # empty, or 1A to 5A
]
COMPETITION_WORDS = {"充分竞争": "full", "适度竞争": "moderate", "非竞争": "none",
                     "full": "full", "moderate": "moderate", "none": "none"}
COMPETITION_CHINESE = {"full": "充分竞争", "moderate": "适度竞争", "none": "非竞争"}
MAX_ROWS = 2000
MAX_SHEET_ROWS = 50 * MAX_ROWS  # rows read at most, blank ones included: a sheet can claim a million


ParsedCatalog = sheets.Imported


def read(filename: str, data: bytes, categories: dict[str, int]) -> ParsedCatalog:
    """Parse an uploaded catalog. `categories` maps category codes and names (both languages) to ids."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ("xlsx", "csv"):
        return ParsedCatalog(errors=[RowError(0, "", _("Upload an .xlsx or .csv file."))])
    try:
        rows = first_rows(sheets.rows_of(extension, data, MAX_SHEET_ROWS))
    except ServiceError:  # an .xlsx that would unpack too large: refused at the upload field
        raise
    except Exception:  # a damaged file: say so rather than fail
        return ParsedCatalog(
            errors=[RowError(0, "", _("The file cannot be read as %(kind)s.", kind=extension.upper()))]
        )
    if rows is None:
        return ParsedCatalog(errors=[RowError(0, "", _(
            "The sheet has more than %(n)s rows, blank ones included; a catalog has at most %(items)s items.",
            n=MAX_SHEET_ROWS, items=MAX_ROWS))])
    return _parse(rows, categories)


def first_rows(rows) -> list[list[str]] | None:
    """The rows a catalog reads: the heading, MAX_ROWS items and one more (core/sheets.py)."""
    return sheets.first_rows(rows, MAX_ROWS, MAX_SHEET_ROWS)


def _parse(rows: list[list[str]], categories: dict[str, int]) -> ParsedCatalog:
    result = ParsedCatalog()
    rows = [r for r in rows if any((c or "").strip() for c in r)]
    if not rows:
        result.errors.append(RowError(0, "", _("The file is empty.")))
        return result
    heading = [(c or "").strip().lower() for c in rows[0]]
    positions = {}
    for key, chinese, english, required in COLUMNS:
        for index, title in enumerate(heading):
            if title in (chinese, english):
                positions[key] = index
        if required and key not in positions:
            result.errors.append(RowError(1, chinese, _("The heading row has no column “%(name)s”.", name=chinese)))
    if result.errors:
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(RowError(0, "", _("A catalog has at most %(n)s items.", n=MAX_ROWS)))
        return result
    seen_codes = {}
    for number, row in enumerate(rows[1:], start=2):
        def value(key, row=row):
            return (row[positions[key]] if key in positions and positions[key] < len(row) else "").strip()
        item = {"code": value("code"), "name": value("name"), "description": value("description")}
        if not item["code"]:
            result.errors.append(RowError(number, "编码", _("The code is missing.")))
        elif len(item["code"]) > 20:
            result.errors.append(RowError(number, "编码", _("The code is longer than 20 characters.")))
        elif item["code"] in seen_codes:
            result.errors.append(RowError(number, "编码", _("The code %(code)s is used on row %(row)s already.",
                                                          code=item["code"], row=seen_codes[item["code"]])))
        else:
            seen_codes[item["code"]] = number
        if not item["name"]:
            result.errors.append(RowError(number, "项目名称", _("The name is missing.")))
        elif len(item["name"]) > 120:
            result.errors.append(RowError(number, "项目名称", _("The name is longer than 120 characters.")))
        category = categories.get(value("category").lower())
        if category is None:
            result.errors.append(RowError(number, "服务领域", _("“%(value)s” is not a known service category.",
                                                            value=value("category"))))
        competition = COMPETITION_WORDS.get(value("competition").lower())
        if competition is None:
            result.errors.append(RowError(number, "竞争程度", _("Write 充分竞争, 适度竞争 or 非竞争 (not “%(value)s”).",
                                                            value=value("competition"))))
        grade_text = value("min_grade").upper().replace("Ａ", "A")
        grade = 0 if not grade_text else {f"{n}A": n for n in range(1, 6)}.get(grade_text)
        if grade is None:
            result.errors.append(
                RowError(
                    number,
                    "最低等级",
                    _("Write a grade from 1A to 5A, or leave it empty (not “%(value)s”).", value=value("min_grade")),
                )
            )
        item.update(category_id=category, competition=competition, min_grade=grade or 0)
        result.items.append(item)
    return result


def heading() -> list[str]:
    return [chinese for _key, chinese, _english, _required in COLUMNS]


def as_rows(catalog) -> list[list[str]]:
    return [[i.code, i.category.name_zh, i.name, i.description, COMPETITION_CHINESE[i.competition],
             f"{i.min_grade}A" if i.min_grade else ""] for i in catalog.items]


def to_csv(catalog) -> bytes:
    return tables.csv_bytes(heading(), as_rows(catalog))


def to_xlsx(catalog) -> bytes:
    return tables.xlsx_bytes("目录", heading(), as_rows(catalog))
