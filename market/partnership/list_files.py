"""The two lists as governments keep them: Excel (.xlsx) or CSV, one item a row, with the headings
编码/code, 类别/kind (依法履行职责 or 协助政府工作), 事项/item and 依据/legal_basis. Every row is
checked; the caller saves nothing unless there is no error at all."""
from flask_babel import gettext as _

from market.core import sheets, tables
from market.core.sheets import RowError
from market.partnership.models import KIND_CHINESE, KIND_WORDS

COLUMNS = [  # (key, Chinese heading, English heading, required)
    ("code", "编码", "code", True),
    ("kind", "类别", "kind", True),
    ("title", "事项", "item", True),
    ("legal_basis", "依据", "legal_basis", True),
]
MAX_ROWS = 500


def read(filename: str, data: bytes) -> tuple[list[dict], list[RowError]]:
    table = sheets.read_table(filename, data, COLUMNS, MAX_ROWS, _("The lists have at most %(n)s items.", n=MAX_ROWS))
    items, errors, seen = [], list(table.errors), {}
    for number, cells in table.rows:
        code, title, basis = cells["code"], cells["title"], cells["legal_basis"]
        for column, text, most in (("编码", code, 20), ("事项", title, 200), ("依据", basis, 300)):
            if not text:
                errors.append(RowError(number, column, _("This cell is empty.")))
            elif len(text) > most:
                errors.append(RowError(number, column, _("At most %(n)s characters.", n=most)))
        if code and code in seen:
            errors.append(RowError(number, "编码", _("The code %(code)s is used on row %(row)s already.",
                                                  code=code, row=seen[code])))
        seen.setdefault(code, number)
        kind = KIND_WORDS.get(cells["kind"].lower())
        if kind is None:
            errors.append(RowError(number, "类别", _("Write 依法履行职责 or 协助政府工作 (not “%(value)s”).",
                                                  value=cells["kind"])))
        items.append({"code": code, "kind": kind, "title": title, "legal_basis": basis})
    return items, errors


def heading() -> list[str]:
    return [chinese for _key, chinese, _english, _required in COLUMNS]


def as_rows(task_list) -> list[list[str]]:
    return [[i.code, KIND_CHINESE[i.kind], i.title, i.legal_basis] for i in task_list.items]


def to_csv(task_list) -> bytes:
    return tables.csv_bytes(heading(), as_rows(task_list))


def to_xlsx(task_list) -> bytes:
    return tables.xlsx_bytes("两份清单", heading(), as_rows(task_list))
