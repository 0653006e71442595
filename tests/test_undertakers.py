from datetime import date

import pytest

from market import clock
from market.accounts.roles import Role
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.organizations.models import Membership, Organization, ServiceCategory
from market.procurement import undertakers
from market.procurement.models import UndertakerEntry
from tests.factories import approved_organization, user


@pytest.fixture
def setting(app, make_user):
    owner = make_user("owner@example.cn", "刘芳")
    admin = make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None})
    make_user("member@example.cn", "同事")
    with command(app):
        org = approved_organization(owner, "苏州市姑苏区乐龄居家养老服务中心", "MJ000001", date(2019, 5, 20),
                                    "姑苏区民政局")
        db.session.commit()
        elderly = db.session.scalar(db.select(ServiceCategory.id).filter_by(code="elderly"))
        health = db.session.scalar(db.select(ServiceCategory.id).filter_by(code="health"))
        return {"org": org.id, "owner": owner, "admin": admin, "elderly": elderly, "health": health}


def test_listed_after_inspection_application_and_approval(client, login, app, setting):
    login("owner@example.cn")
    page = client.get(f"/procurement/undertakers/apply/{setting['org']}").get_data(as_text=True)
    assert "没有 2025 年的年检记录" in page
    with command(app):
        undertakers.record_inspection(
            user(setting["admin"]), db.session.get(Organization, setting["org"]), 2025, "qualified"
        )
    client.submit(
        f"/procurement/undertakers/apply/{setting['org']}", {"category_ids": [setting["elderly"], setting["health"]]}
    )
    client.submit("/logout", {})
    login("admin@example.cn")
    queue = client.get("/procurement/undertakers/review").get_data(as_text=True)
    assert "乐龄居家养老服务中心" in queue and "所有条件均已满足" in queue
    with command(app):
        entries = db.session.scalars(db.select(UndertakerEntry).order_by(UndertakerEntry.id)).all()
        first, second = entries[0].id, entries[1].id
    client.submit(
        f"/procurement/undertakers/{first}/decide", {"approve": "1"}, form_url="/procurement/undertakers/review"
    )
    page = client.submit(f"/procurement/undertakers/{second}/decide", {"refuse": "1", "reason": ""},
                         form_url="/procurement/undertakers/review", follow_redirects=True).get_data(as_text=True)
    assert "请说明拒绝的理由" in page or "请说明退回的理由" in page
    client.submit(f"/procurement/undertakers/{second}/decide", {"refuse": "1", "reason": "缺少医疗卫生资质"},
                  form_url="/procurement/undertakers/review")
    with command(app):
        assert undertakers.is_listed(setting["org"], setting["elderly"])
        assert not undertakers.is_listed(setting["org"], setting["health"])
    client.submit("/logout", {})
    public = client.get(f"/procurement/undertakers?category={setting['elderly']}").get_data(as_text=True)
    assert "乐龄居家养老服务中心" in public


def test_every_condition_is_checked_with_its_reason(app, setting, frozen):
    with command(app):
        org = db.session.get(Organization, setting["org"])
        admin = user(setting["admin"])
        undertakers.record_inspection(admin, org, 2025, "unqualified")
        assert undertakers.eligibility_problems(org) == ["2025 年年检不合格。"]
        org.registered_on = date(2026, 3, 1)  # too young; and no inspection was due
        assert undertakers.eligibility_problems(org) == ["须登记满 1 年。"]
        org.registered_on = date(2019, 5, 20)
        org.status = "suspended"
        assert "该组织未通过民政部门审核。" in undertakers.eligibility_problems(org)
        db.session.rollback()


def test_debarment_removes_from_the_catalog_until_it_ends(app, setting, frozen):
    with command(app):
        org = db.session.get(Organization, setting["org"])
        admin, owner = user(setting["admin"]), user(setting["owner"])
        undertakers.record_inspection(admin, org, 2025, "qualified")
        (entry,) = undertakers.apply(owner, org, [setting["elderly"]])
        undertakers.decide(admin, entry.id, approve=True)
        undertakers.debar(admin, org, "虚报服务人次", date(2027, 1, 31))
        assert not undertakers.is_listed(org.id, setting["elderly"])
        with pytest.raises(ServiceError) as refused:
            undertakers.apply(owner, org, [setting["elderly"]])
        assert refused.value.code == "not_eligible" and "debarred" in refused.value.reasons
        assert "2027-01-31" in refused.value.message and "虚报服务人次" in refused.value.message  # its end and reason
    frozen.advance(days=71)  # 2027-02-01: the debarment has ended, but 2026's inspection is now due
    with command(app):
        org = db.session.get(Organization, setting["org"])
        assert undertakers.eligibility_problems(org) == ["没有 2026 年的年检记录。"]


def test_only_owners_apply_and_only_civil_affairs_decide(app, setting, make_user):
    member = make_user("m2@example.cn")
    with command(app):
        org = db.session.get(Organization, setting["org"])
        undertakers.record_inspection(user(setting["admin"]), org, 2025, "qualified")
        db.session.add(Membership(user_id=member, organization_id=org.id, is_owner=False, added_at=clock.now()))
        db.session.commit()
        with pytest.raises(PermissionDenied):
            undertakers.apply(user(member), org, [setting["elderly"]])
        (entry,) = undertakers.apply(user(setting["owner"]), org, [setting["elderly"]])
        for attempt in (lambda: undertakers.decide(user(setting["owner"]), entry.id, True),
                        lambda: undertakers.record_inspection(user(setting["owner"]), org, 2024, "qualified"),
                        lambda: undertakers.debar(user(member), org, "x", date(2027, 1, 1))):
            with pytest.raises(PermissionDenied):
                attempt()
        with pytest.raises(ServiceError) as refused:
            undertakers.apply(user(setting["owner"]), org, [setting["elderly"]])
        assert refused.value.code == "already_applied_or_listed" and refused.value.field == "category_ids"


def test_compliance_page_records_inspections_with_clear_errors(client, login, app, setting):
    login("admin@example.cn")
    url = f"/procurement/organizations/{setting['org']}/compliance"
    client.submit(url, {"inspection-year": "2025", "inspection-result": "qualified", "inspection-submit": "1"})
    page = client.submit(
        url, {"inspection-year": "2025", "inspection-result": "qualified", "inspection-submit": "1"}
    ).get_data(as_text=True)
    assert "2025 年的年检已有记录" in page
    page = client.submit(url, {"debar-reason": "x", "debar-ends_on": "2026-01-01", "debar-confirmed": "y",
                               "debar-submit": "1"}).get_data(as_text=True)
    assert "禁止期限须晚于今天" in page
    client.submit("/logout", {})
    login("owner@example.cn")
    assert client.get(url).status_code == 403


def test_a_catalog_item_asking_for_a_grade_is_checked_on_application(app, setting):
    from market.places.models import Department
    from market.procurement.models import CatalogItem, PurchaseCatalog

    with command(app):
        department = db.session.scalar(db.select(Department.id))
        catalog = PurchaseCatalog(department_id=department, year=2026, title="目录", status="published",
                                  created_at=clock.now(), created_by_id=setting["admin"], published_at=clock.now())
        catalog.items = [CatalogItem(position=0, code="A01", category_id=setting["elderly"], name="高龄老人照护服务",
                                     competition="full", min_grade=3)]
        db.session.add(catalog)
        db.session.commit()
        org = db.session.get(Organization, setting["org"])
        undertakers.record_inspection(user(setting["admin"]), org, 2025, "qualified")
        with pytest.raises(ServiceError) as refused:
            undertakers.apply(user(setting["owner"]), org, [setting["elderly"]])
        assert refused.value.code == "catalog_grade_too_low" and refused.value.field == "category_ids"
        assert "高龄老人照护服务" in refused.value.message and "3A" in refused.value.message  # the item and its grade
        undertakers.record_grade(user(setting["admin"]), org, 3, date(2025, 6, 1))
        assert len(undertakers.apply(user(setting["owner"]), org, [setting["elderly"]])) == 1


def test_catalog_import_reads_the_optional_grade_column(app):
    from market.procurement import catalog_files

    with app.test_request_context():
        parsed = catalog_files._parse(
            [
                ["编码", "服务领域", "项目名称", "竞争程度", "最低等级"],
                ["A01", "养老", "照护", "充分竞争", "3A"],
                ["A02", "养老", "助餐", "充分竞争", ""],
                ["A03", "养老", "助浴", "充分竞争", "6A"],
            ],
            {"养老": 1},
        )
    assert [i["min_grade"] for i in parsed.items[:2]] == [3, 0]
    assert [(e.row, e.column) for e in parsed.errors] == [(4, "最低等级")]
