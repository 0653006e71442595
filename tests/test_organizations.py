import io
import re
import time
import zipfile

import pytest

from market.accounts.models import User
from market.accounts.roles import Role
from market.core.unit import command
from market.core.workflow import StatusChange
from market.extensions import db
from market.organizations import credit_code
from market.organizations.models import Membership, Organization, OrganizationDocument, ServiceCategory

VALID = credit_code.make("5", "2", "320508", "MJ562091")


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", VALID])
def test_valid_credit_codes(code):
    assert credit_code.problem(code) is None


@pytest.mark.parametrize("code,key", [
    ("91350100M000100Y4", "length"),
    ("91350100M000100Y4I", "character"),
    ("Z1350100M000100Y43", "character"),
    ("X1350100M000100Y43", "authority"),
    ("9135A100M000100Y43", "division"),
    ("91350100M000100X43", "org_check"),
    ("91350100M000100Y44", "check"),
])
def test_invalid_credit_codes_say_what_is_wrong(code, key):
    assert credit_code.problem(code).key == key


def test_every_single_character_typo_is_caught():
    for position in range(18):
        for replacement in credit_code.CHARSET:
            if replacement == VALID[position]:
                continue
            typo = VALID[:position] + replacement + VALID[position + 1:]
            assert credit_code.problem(typo) is not None, typo


def org_form(app, **overrides):
    with command(app):
        categories = db.session.scalars(db.select(ServiceCategory.id).order_by(ServiceCategory.id)).all()[:2]
    data = {"name": "苏州市姑苏区邻里守望服务中心", "credit_code": VALID, "org_type": "social_service",
            "registered_on": "2019-05-20", "registration_authority": "姑苏区民政局", "district_id": "0",
            "category_ids": [str(c) for c in categories], "staff_count": "6", "volunteer_count": "40",
            "contact_phone": "0512-65123456", "description": "为老人提供上门探访。"}
    data.update(overrides)
    return data


def test_register_organization_waits_for_approval_and_is_hidden(client, make_user, login, app, places):
    make_user("owner@example.cn")
    login("owner@example.cn")
    response = client.submit("/organizations/new", org_form(app, community_ids=[str(places["community"])]))
    assert response.status_code == 302
    with command(app):
        org = db.session.scalar(db.select(Organization))
        assert org.status == "pending" and org.credit_code == VALID
        assert [m.is_owner for m in org.members] == [True]
        org_id = org.id
    assert "等待民政部门审核" in client.get(f"/organizations/{org_id}").get_data(as_text=True)
    client.submit("/logout", {})
    assert client.get(f"/organizations/{org_id}").status_code == 404
    assert "邻里守望" not in client.get("/organizations/").get_data(as_text=True)


def test_bad_credit_code_gets_a_clear_message_and_nothing_is_saved(client, make_user, login, app):
    make_user("owner@example.cn")
    login("owner@example.cn")
    typo = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    page = client.submit("/organizations/new", org_form(app, credit_code=typo)).get_data(as_text=True)
    assert "第 18 位校验码不正确" in page
    short = client.submit("/organizations/new", org_form(app, credit_code="5132")).get_data(as_text=True)
    assert "应为 18 位（当前为 4 位）" in short
    wrong_type = client.submit("/organizations/new", org_form(app, org_type="foundation")).get_data(as_text=True)
    assert "代码第 2 位表明该组织是社会服务机构" in wrong_type
    future = client.submit("/organizations/new", org_form(app, registered_on="2030-01-01")).get_data(as_text=True)
    assert "登记日期不能晚于今天" in future
    no_category = client.submit("/organizations/new", org_form(app, category_ids=[])).get_data(as_text=True)
    assert "请至少选择一个服务领域" in no_category
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Organization.id))) == 0
        assert db.session.scalar(db.select(db.func.count(StatusChange.id))) == 0


def test_duplicate_credit_code_is_refused(client, make_user, login, app):
    make_user("owner@example.cn")
    login("owner@example.cn")
    client.submit("/organizations/new", org_form(app))
    page = client.submit("/organizations/new", org_form(app, name="另一家")).get_data(as_text=True)
    assert "使用该统一社会信用代码的组织已经注册" in page


def _register(app, client, login, make_user):
    make_user("owner@example.cn", "刘芳")
    login("owner@example.cn")
    client.submit("/organizations/new", org_form(app))
    client.submit("/logout", {})
    with command(app):
        return db.session.scalar(db.select(Organization.id))


def test_civil_affairs_approves_and_owner_is_told(client, make_user, login, app):
    org_id = _register(app, client, login, make_user)
    make_user("admin@example.cn", roles={Role.CIVIL_AFFAIRS: None})
    login("admin@example.cn")
    assert "邻里守望" in client.get("/organizations/review").get_data(as_text=True)
    with command(app):  # the owner chose a mail for each notification
        db.session.scalar(db.select(User).filter_by(email="owner@example.cn")).mail_frequency = "each"
    client.submit(f"/organizations/{org_id}/review", {"approve": "1", "reason": ""}, form_url="/organizations/review")
    with command(app):
        org = db.session.get(Organization, org_id)
        assert org.status == "approved"
        history = db.session.scalars(db.select(StatusChange).filter_by(subject_type="organization", subject_id=org_id)
                                     .order_by(StatusChange.id)).all()
        assert [(h.from_status, h.to_status) for h in history] == [(None, "pending"), ("pending", "approved")]
        assert history[1].actor.email == "admin@example.cn"
        from market.core import mail

        with app.test_request_context():
            (message,) = mail.outbox_messages()
        assert message["to"] == "owner@example.cn" and "已通过" in message["subject"]
    client.submit("/logout", {})
    assert "邻里守望" in client.get("/organizations/").get_data(as_text=True)


def test_refusal_needs_reason_and_owner_can_resubmit(client, make_user, login, app):
    org_id = _register(app, client, login, make_user)
    make_user("admin@example.cn", roles={Role.CIVIL_AFFAIRS: None})
    login("admin@example.cn")
    page = client.submit(f"/organizations/{org_id}/review", {"refuse": "1", "reason": ""},
                         form_url="/organizations/review", follow_redirects=True).get_data(as_text=True)
    assert "请说明退回的理由" in page
    client.submit(f"/organizations/{org_id}/review", {"refuse": "1", "reason": "登记证书扫描件不清晰"},
                  form_url="/organizations/review")
    client.submit("/logout", {})
    login("owner@example.cn")
    assert "已退回修改" in client.get(f"/organizations/{org_id}").get_data(as_text=True)
    client.submit(f"/organizations/{org_id}/edit", org_form(app, description="已补充材料"))
    with command(app):
        assert db.session.get(Organization, org_id).status == "pending"


def test_non_admin_cannot_review_even_by_posting(client, make_user, login, app):
    org_id = _register(app, client, login, make_user)
    make_user("someone@example.cn")
    login("someone@example.cn")
    client.submit(f"/organizations/{org_id}/review", {"approve": "1"}, form_url="/")
    with command(app):
        assert db.session.get(Organization, org_id).status == "pending"


def test_members_added_by_owner_only(client, make_user, login, app):
    org_id = _register(app, client, login, make_user)
    make_user("colleague@example.cn", "同事")
    make_user("stranger@example.cn")
    login("owner@example.cn")
    page = client.submit(f"/organizations/{org_id}/members", {"email": "nobody@example.cn"}).get_data(as_text=True)
    assert "没有使用该邮箱的账号" in page
    client.submit(f"/organizations/{org_id}/members", {"email": "colleague@example.cn"})
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Membership.id))) == 2
        owner_membership = db.session.scalar(db.select(Membership.id).filter_by(is_owner=True))
    # The last owner cannot be removed.
    page = client.submit(f"/organizations/{org_id}/members/{owner_membership}/remove", {"confirmed": "y"},
                         form_url=f"/organizations/{org_id}/members", follow_redirects=True).get_data(as_text=True)
    assert "至少要保留一名负责人" in page
    client.submit("/logout", {})
    login("colleague@example.cn")
    assert client.get(f"/organizations/{org_id}/members").status_code == 403
    assert client.get(f"/organizations/{org_id}/edit").status_code == 403


def _upload(client, org_id, name, content, confidential=False):
    data = {"doc_type": "registration_certificate", "title": "登记证书",
            "file": (io.BytesIO(content), name)}
    if confidential:
        data["confidential"] = "y"
    return client.submit(f"/organizations/{org_id}/documents", data, content_type="multipart/form-data")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_uploads_checked_by_type_content_and_size(client, make_user, login, app):
    org_id = _register(app, client, login, make_user)
    login("owner@example.cn")
    assert "不接受这种类型的文件" in _upload(client, org_id, "virus.exe", b"MZ...").get_data(as_text=True)
    assert "文件内容与扩展名 .pdf 不符" in _upload(client, org_id, "fake.pdf", b"<html>").get_data(as_text=True)
    app.config["MAX_UPLOAD_BYTES"] = 1024
    try:
        assert "文件超过" in _upload(client, org_id, "big.pdf", PDF + b"0" * 2048).get_data(as_text=True)
    finally:
        app.config["MAX_UPLOAD_BYTES"] = 10 * 1024 * 1024
    assert _upload(client, org_id, "证书.pdf", PDF).status_code == 302
    with command(app):
        (document,) = db.session.scalars(db.select(OrganizationDocument)).all()
        import hashlib

        assert document.sha256 == hashlib.sha256(PDF).hexdigest() and document.size_bytes == len(PDF)
        doc_id = document.id
    with client.get(f"/organizations/documents/{doc_id}") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Type"] == "application/pdf"


def zipped(members: dict[str, bytes]) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return packed.getvalue()


def test_office_uploads_are_checked_for_what_they_unpack_to(client, make_user, login, app):
    """A .docx or .xlsx is a zip: one that unpacks huge (a zip bomb) is refused at the field, quickly."""
    org_id = _register(app, client, login, make_user)
    login("owner@example.cn")
    bomb = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<" * (64 * 1024 * 1024)})
    assert len(bomb) < 200_000
    started = time.monotonic()
    page = _upload(client, org_id, "章程.docx", bomb).get_data(as_text=True)
    assert time.monotonic() - started < 3
    errors = re.search(r'id="file-errors"[^>]*>(.*?)</ul>', page, re.S).group(1)
    assert "20 MB" in errors
    tight = zipped({"word/document.xml": b"<" * (4 * 1024 * 1024)})  # under 20 MB, packed a thousand to one
    errors = re.search(r'id="file-errors"[^>]*>(.*?)</ul>', _upload(client, org_id, "表.xlsx", tight)
                       .get_data(as_text=True), re.S).group(1)
    assert ".xlsx" in errors
    fake = _upload(client, org_id, "章程.docx", b"PK\x03\x04 not an archive").get_data(as_text=True)
    assert "DOCX" in re.search(r'id="file-errors"[^>]*>(.*?)</ul>', fake, re.S).group(1)
    ordinary = zipped({"[Content_Types].xml": b"<Types/>",
                       "word/document.xml": "<w:document>章程全文</w:document>".encode() * 2000})
    assert _upload(client, org_id, "章程.docx", ordinary).status_code == 302
    with command(app):
        assert [d.original_filename for d in db.session.scalars(db.select(OrganizationDocument))] == ["章程.docx"]


def test_confidential_documents_and_pending_organizations_stay_private(client, make_user, login, app):
    org_id = _register(app, client, login, make_user)
    login("owner@example.cn")
    _upload(client, org_id, "public.pdf", PDF)
    _upload(client, org_id, "secret.pdf", PDF, confidential=True)
    with command(app):
        public_id, secret_id = db.session.scalars(db.select(OrganizationDocument.id).order_by(OrganizationDocument.id))
        org = db.session.get(Organization, org_id)
        org.status = "approved"
        db.session.commit()
    client.submit("/logout", {})
    with client.get(f"/organizations/documents/{public_id}") as response:
        assert response.status_code == 200
    assert client.get(f"/organizations/documents/{secret_id}").status_code == 404
    assert "secret.pdf" not in client.get(f"/organizations/{org_id}").get_data(as_text=True)


def test_public_list_filters_and_paginates(client, app, make_user, demo_seeded):
    with command(app):
        elderly = db.session.scalar(db.select(ServiceCategory.id).filter_by(code="elderly"))
    page = client.get(f"/organizations/?category={elderly}").get_data(as_text=True)
    assert "乐龄居家养老服务中心" in page and "心桥青少年" not in page
    app.config["PER_PAGE"] = 5
    try:
        first = client.get("/organizations/").get_data(as_text=True)
        # the demo's 12 approved social organizations, the grid ledger's property-management company and
        # 平江街道's three residents' committees (demo/partnership.py)
        assert "第 1 页，共 4 页" in first and "共 16 条" in first
        last = client.get("/organizations/?page=4").get_data(as_text=True)
        assert last.count('class="card"') == 1
    finally:
        app.config["PER_PAGE"] = 20


def test_field_messages_follow_the_language(client, make_user, login, app):
    make_user("owner@example.cn")
    login("owner@example.cn")
    bad = org_form(app, registered_on="not-a-date", staff_count="many", name="")
    page = client.submit("/organizations/new", bad).get_data(as_text=True)
    assert "不是有效的日期" in page or "请输入日期" in page
    assert "不是有效的整数" in page
    assert "该字段是必填字段" in page
    client.submit("/language", {"lang": "en", "next": "/"}, form_url="/")
    page = client.submit("/organizations/new", bad).get_data(as_text=True)
    assert "Not a valid date value." in page or "Enter a date." in page
    assert "Not a valid integer value." in page and "This field is required." in page
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Organization.id))) == 0
