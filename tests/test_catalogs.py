import io
import itertools
import re
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from market.accounts.roles import Role
from market.core.unit import command
from market.core.workflow import StatusChange
from market.extensions import db
from market.procurement import catalog_files
from market.procurement.models import CatalogItem, PurchaseCatalog
from tests.factories import xlsx

GOOD_CSV = """编码,服务领域,项目名称,说明,竞争程度
A01,养老,居家养老上门服务,为高龄独居老人提供助餐助浴,充分竞争
A02,elderly,社区老年助餐,,适度竞争
B01,心理健康,青少年心理健康辅导,,Moderate
C01,社区矫正,社区矫正对象教育帮扶,,非竞争
"""


@pytest.fixture
def purchaser(make_user, places):
    make_user("buyer@example.cn", "陈志强", roles={Role.PURCHASER: places["department"]})
    make_user("other@example.cn", "钱敏")  # a resident with no department


def new_catalog(client, places, year="2027"):
    response = client.submit("/procurement/catalogs/new", {"department_id": places["department"], "year": year,
                                                           "title": "姑苏区民政局2027年政府购买服务指导目录"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.location


def upload(client, url, name, data):
    return client.submit(url, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_import_csv_then_publish(client, login, purchaser, places, app):
    login("buyer@example.cn")
    url = new_catalog(client, places)
    page = upload(client, url, "目录.csv", GOOD_CSV.encode("utf-8-sig")).get_data(as_text=True)
    assert "已导入 4 项" in page and "居家养老上门服务" in page and "充分竞争" in page
    with command(app):
        items = db.session.scalars(db.select(CatalogItem).order_by(CatalogItem.position)).all()
        assert [(i.code, i.category.code, i.competition) for i in items] == [
            ("A01", "elderly", "full"), ("A02", "elderly", "moderate"), ("B01", "mental_health", "moderate"),
            ("C01", "corrections", "none")]
    unticked = client.submit(url + "/publish", {}, form_url=url, follow_redirects=True).get_data(as_text=True)
    assert "请勾选确认" in unticked  # the tick box is checked on the server, not only by the browser
    with command(app):
        assert db.session.scalar(db.select(PurchaseCatalog)).status == "draft"
    client.submit(url + "/publish", {"confirmed": "y"}, form_url=url)
    with command(app):
        catalog = db.session.scalar(db.select(PurchaseCatalog))
        assert catalog.status == "published" and catalog.published_at is not None
    client.submit("/logout", {})
    public = client.get("/procurement/catalogs").get_data(as_text=True)
    assert "姑苏区民政局2027年政府购买服务指导目录" in public


def test_any_bad_row_saves_nothing_and_every_problem_is_listed(client, login, purchaser, places, app):
    login("buyer@example.cn")
    url = new_catalog(client, places)
    upload(client, url, "目录.csv", GOOD_CSV.encode())
    bad = xlsx([["编码", "服务领域", "项目名称", "说明", "竞争程度"],
                ["A01", "养老", "居家养老上门服务", "", "充分竞争"],
                ["A01", "烹饪", "", "", "很激烈"],
                ["", "养老", "老年助餐", "", "非竞争"]])
    page = upload(client, url, "目录.xlsx", bad).get_data(as_text=True)
    assert "没有导入任何内容" in page
    for problem in (
        "编码 A01 已在第 2 行使用",
        "“烹饪”不是已有的服务领域",
        "缺少项目名称",
        "请填写 充分竞争、适度竞争 或 非竞争（不是“很激烈”）",
        "缺少编码",
    ):
        assert problem in page, problem
    assert "<td>3</td>" in page and "<td>4</td>" in page
    with command(app):  # the earlier good import is still there, untouched
        assert db.session.scalar(db.select(db.func.count(CatalogItem.id))) == 4


def test_wrong_headings_and_files(client, login, purchaser, places):
    login("buyer@example.cn")
    url = new_catalog(client, places)
    assert "标题行缺少“竞争程度”列" in upload(
        client, url, "a.csv", "编码,服务领域,项目名称\nA1,养老,x\n".encode()
    ).get_data(as_text=True)
    assert "无法按 XLSX 格式读取" in upload(client, url, "a.xlsx", b"not a spreadsheet").get_data(as_text=True)
    assert "请上传 .xlsx 或 .csv 文件" in upload(client, url, "a.pdf", b"%PDF-1.4").get_data(as_text=True)


def test_export_reads_back_the_same(client, login, purchaser, places, app):
    login("buyer@example.cn")
    url = new_catalog(client, places)
    upload(client, url, "目录.csv", GOOD_CSV.encode())
    exported = client.get(url + ".xlsx")
    assert exported.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [[c or "" for c in r] for r in load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True)]
    assert rows[0] == catalog_files.heading()
    assert rows[2] == ["A02", "养老", "社区老年助餐", "", "适度竞争", ""]
    csv_data = client.get(url + ".csv").data
    assert csv_data.startswith("\ufeff".encode()) and "C01,社区矫正,社区矫正对象教育帮扶,,非竞争," in csv_data.decode(
        "utf-8-sig"
    )
    # What we export, we can import again unchanged.
    with command(app):
        before = [
            (i.code, i.category_id, i.name, i.competition)
            for i in db.session.scalars(db.select(CatalogItem).order_by(CatalogItem.position))
        ]
    upload(client, url, "again.xlsx", exported.data)
    with command(app):
        after = [
            (i.code, i.category_id, i.name, i.competition)
            for i in db.session.scalars(db.select(CatalogItem).order_by(CatalogItem.position))
        ]
    assert after == before


def test_drafts_are_private_and_only_purchasers_of_the_department_act(client, login, purchaser, places, app, make_user):
    login("buyer@example.cn")
    url = new_catalog(client, places)
    upload(client, url, "目录.csv", GOOD_CSV.encode())
    client.submit("/logout", {})
    assert client.get(url).status_code == 404
    assert client.get(url + ".csv").status_code == 404
    login("other@example.cn")
    assert client.get("/procurement/catalogs/new").status_code == 403
    assert client.get(url).status_code == 404
    client.submit(url + "/publish", {"confirmed": "y"}, form_url="/")
    with command(app):
        assert db.session.scalar(db.select(PurchaseCatalog)).status == "draft"


def test_a_new_version_replaces_the_published_one(client, login, purchaser, places, app):
    login("buyer@example.cn")
    first = new_catalog(client, places)
    upload(client, first, "a.csv", GOOD_CSV.encode())
    client.submit(first + "/publish", {"confirmed": "y"}, form_url=first)
    page = upload(client, first, "a.csv", GOOD_CSV.encode()).get_data(as_text=True)
    assert "导入条目" not in page  # a published catalog offers no import
    second = new_catalog(client, places)
    upload(client, second, "b.csv", GOOD_CSV.replace("A01", "A09").encode())
    client.submit(second + "/publish", {"confirmed": "y"}, form_url=second)
    with command(app):
        catalogs = db.session.scalars(db.select(PurchaseCatalog).order_by(PurchaseCatalog.version)).all()
        assert [(c.version, c.status) for c in catalogs] == [(1, "withdrawn"), (2, "published")]
        change = db.session.scalar(
            db.select(StatusChange).filter_by(subject_type="purchase_catalog", to_status="withdrawn")
        )
        assert change.reason == "由第 2 版取代" and change.actor.email == "buyer@example.cn"


def test_publishing_an_empty_catalog_is_refused(client, login, purchaser, places, app):
    login("buyer@example.cn")
    url = new_catalog(client, places)
    page = client.submit(url + "/publish", {"confirmed": "y"}, form_url=url, follow_redirects=True)
    assert "请先导入目录条目再发布" in page.get_data(as_text=True)
    assert "已有 2027 年的草稿" in client.submit("/procurement/catalogs/new", {
        "department_id": places["department"], "year": "2027", "title": "重复"}).get_data(as_text=True)


# --- spreadsheets that unpack huge, or run long --------------------------------------------------------

def xlsx_bomb(rows: int) -> bytes:
    """A real workbook whose sheet is `rows` rows of one item: a run of one string packs tightly."""
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + '<row><c t="inlineStr"><is><t>A01</t></is></c></row>' * rows + "</sheetData></worksheet>")
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([["编码"]]))) as template, \
            zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in template.infolist():
            bomb.writestr(member.filename, sheet.encode() if member.filename == "xl/worksheets/sheet1.xml"
                          else template.read(member.filename))
    return packed.getvalue()


def file_errors(page: str) -> str:
    found = re.search(r'id="file-errors"[^>]*>(.*?)</ul>', page, re.S)
    assert found, "no error at the upload field"
    return found.group(1)


def test_an_xlsx_that_unpacks_huge_is_refused_at_once_at_the_upload_field(client, login, purchaser, places, app):
    login("buyer@example.cn")
    url = new_catalog(client, places)
    bomb = xlsx_bomb(500_000)  # 26 MB of sheet in a file of a few dozen KB
    assert len(bomb) < 200_000
    started = time.monotonic()
    page = upload(client, url, "目录.xlsx", bomb).get_data(as_text=True)
    assert time.monotonic() - started < 3
    assert "20 MB" in file_errors(page)
    # Under the size limit but packed like no spreadsheet is: a megabytes-long run of one byte.
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (5 * 1024 * 1024))
    page = upload(client, url, "目录.xlsx", packed.getvalue()).get_data(as_text=True)
    assert ".xlsx" in file_errors(page)
    with command(app):
        assert db.session.scalar(db.select(db.func.count(CatalogItem.id))) == 0


def test_a_catalog_with_too_many_rows_is_refused_without_reading_them_all(client, login, purchaser, places, app):
    login("buyer@example.cn")
    url = new_catalog(client, places)
    heading = ["编码", "服务领域", "项目名称", "说明", "竞争程度"]
    rows = [heading] + [
        [f"A{n}", "养老", "居家养老上门服务", "", "充分竞争"] for n in range(10 * catalog_files.MAX_ROWS)
    ]
    page = upload(client, url, "目录.xlsx", xlsx(rows)).get_data(as_text=True)
    assert "一个目录最多 2000 项" in page
    # (Under 500 KB: the test client spools larger bodies to a file it never closes.)
    csv_data = "\n".join(",".join(row) for row in rows[:4 * catalog_files.MAX_ROWS + 1]).encode()
    assert len(csv_data) < 500_000
    assert "一个目录最多 2000 项" in upload(client, url, "目录.csv", csv_data).get_data(as_text=True)
    # Rows are read only as far as the limit: an endless sheet ends after the heading, 2,000 items and one more.
    read = []

    def endless():
        yield heading
        for n in itertools.count():
            read.append(n)
            yield [f"A{n}", "养老", "居家养老上门服务", "", "充分竞争"]

    kept = catalog_files.first_rows(endless())
    assert len(kept) == catalog_files.MAX_ROWS + 2 and len(read) == catalog_files.MAX_ROWS + 1
    # Blank rows count too: a sheet whose rows run to a million is refused after a bounded read.
    far = Workbook()
    far.active.append(heading)
    far.active.cell(row=1_000_000, column=1, value="A01")
    buffer = io.BytesIO()
    far.save(buffer)
    started = time.monotonic()
    page = upload(client, url, "目录.xlsx", buffer.getvalue()).get_data(as_text=True)
    assert time.monotonic() - started < 10
    assert f"{catalog_files.MAX_SHEET_ROWS}" in page and f"{catalog_files.MAX_ROWS}" in page
    # 2,000 items are still welcome.
    page = upload(client, url, "目录.xlsx", xlsx(rows[:catalog_files.MAX_ROWS + 1])).get_data(as_text=True)
    assert "已导入 2000 项" in page
