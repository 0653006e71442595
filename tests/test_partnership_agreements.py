"""Government and community as partners (issue 23), second step: admitted work entrusted to residents'
committees by agreement on the contracts machinery, the money following it from the department's
budget through the ledger after delivery is accepted; the year-end evaluation both ways; and the
burden figures per community and department, on their pages and in open data."""
import json
from datetime import date
from decimal import Decimal

import pytest

from market.accounts.roles import Role
from market.contracts import amendments, delivery, payment, signing
from market.contracts.terms import default_terms
from market.core.errors import InvalidTransition, NotFound, PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.money import services as money
from market.organizations import credit_code
from market.organizations import services as organizations
from market.organizations.models import Organization, ServiceCategory
from market.partnership import admissions, agreements, burden, pushed, reviews
from market.places.models import Community, Department
from market.procurement import bids
from market.transparency import ocds
from tests.factories import approved_organization, ledger_is_sound, run_at_once, user
from tests.test_ocds import RECORDS, errors

BUDGET_FEN = 10_000_000  # ¥100,000


@pytest.fixture
def world(app, make_user, places, frozen):
    with command(app):
        departments = {d.name: d.id for d in db.session.scalars(db.select(Department).where(
            Department.district_id == places["district"]))}
    people = {
        "admin": make_user("admin@example.cn", "吴建华", roles={Role.CIVIL_AFFAIRS: None}),
        "city": make_user("city@example.cn", "黄志明", roles={Role.PURCHASER: departments["姑苏区城市管理局"]}),
        "director": make_user("director@example.cn", "王丽华"),
        "director2": make_user("director2@example.cn", "陈静"),
        "owner": make_user("owner@example.cn", "李强"),
        "stranger": make_user("stranger@example.cn", "周杰"),
        "city2": make_user("city2@example.cn", "刘洋", roles={Role.PURCHASER: departments["姑苏区城市管理局"]}),
        "worker": make_user("worker@example.cn", "张敏", roles={Role.COMMUNITY_WORKER: places["community"]}),
        "city_management": departments["姑苏区城市管理局"], **places,
    }
    with command(app):
        admin = user(people["admin"])
        category = db.session.scalar(db.select(ServiceCategory.id).order_by(ServiceCategory.id))
        for key, director, community, serial in (("committee", "director", "community", "JW000001"),
                                                 ("committee2", "director2", "community2", "JW000002")):
            name = db.session.get(Community, places[community]).name + "居民委员会"
            body = organizations.register_organization(user(people[director]), organizations.OrganizationData(
                name=name, credit_code=credit_code.make("5", "9", "320508", serial), org_type="residents_committee",
                registered_on=date(2001, 3, 1), registration_authority="姑苏区民政局", district_id=places["district"],
                description="", staff_count=9, volunteer_count=40, contact_phone="", category_ids=[category],
                community_ids=[places[community]]))
            organizations.review_organization(admin, body, True)
            people[key] = body.id
        people["social"] = approved_organization(people["owner"], "姑苏区乐龄社工服务社", "LL000001").id
        people["category"] = category
        money.appropriate(user(people["city"]), people["city_management"], BUDGET_FEN, "姑财〔2026〕12号", "t1")
        request = admissions.submit(user(people["city"]), admissions.AdmissionData(
            department_id=people["city_management"], street_id=places["street"], community_id=None,
            title="生活垃圾分类桶边督导排班", reason="撤桶并点后投放点需要早晚督导。", frequency="weekly",
            staff_hours=4, money_offered=2_400_000))
        people["request"] = request.id
    return people


def _terms(world, body="committee", price_fen=2_400_000, months=12, starts_on=date(2026, 12, 1)):
    return agreements.AgreementData(organization_id=world[body], category_id=world["category"], price_fen=price_fen,
                                    starts_on=starts_on, months=months, standards="每周排班，每月汇总一次记录。")


def _draft(world, **changes):
    return agreements.draft(user(world["city"]), admissions.get(world["request"]), _terms(world, **changes))


def test_a_committee_is_a_community_body_that_never_bids(app, world):
    with command(app):
        with pytest.raises(ServiceError) as refused:  # a committee serves one community
            organizations.register_organization(user(world["stranger"]), organizations.OrganizationData(
                name="两个社区的居委会", credit_code=credit_code.make("5", "9", "320508", "JW000003"),
                org_type="residents_committee", registered_on=date(2001, 3, 1), registration_authority="民政局",
                district_id=None, description="", staff_count=1, volunteer_count=0, contact_phone="",
                category_ids=[world["category"]], community_ids=[world["community"], world["community2"]]))
        assert refused.value.field == "community_ids"
        committee = db.session.get(Organization, world["committee"])
        assert committee.is_community_body and committee.status == "approved"
        assert organizations.community_body_problem(committee).code == "community_body"
        tender = db.session.scalar(db.select(bids.Tender).limit(1))
        if tender is not None:
            assert "community_body" in [p.code for p in bids.eligibility_problems(committee, tender)]


def test_only_admitted_work_is_entrusted_within_the_money_offered_and_the_budget(app, world):
    with command(app):
        with pytest.raises(InvalidTransition) as refused:  # submitted, not admitted
            _draft(world)
        assert refused.value.code == "not_admitted"
        admissions.decide(user(world["admin"]), admissions.get(world["request"]), True, "督导员由街道统一招募")
        with pytest.raises(PermissionDenied):  # not the department's staff
            agreements.draft(user(world["director"]), admissions.get(world["request"]), _terms(world))
        for changes, field, code in (
                ({"body": "social"}, "organization_id", "not_a_body_of_the_scope"),
                ({"price_fen": 2_400_001}, "price", "above_money_offered"),
                ({"months": 13}, "months", None),
                ({"starts_on": date(2026, 11, 1)}, "starts_on", None)):
            with pytest.raises(ServiceError) as refused:
                _draft(world, **changes)
            assert refused.value.field == field and (code is None or refused.value.code == code)
        assert agreements.ceiling(admissions.get(world["request"]), 6) == 2_400_000
    with command(app):  # within the offer, beyond the budget: refused, nothing committed
        money_left = money.available_budget(world["city_management"])
        db.session.execute(db.update(money.ledger.Account).where(
            money.ledger.Account.code == f"department:{world['city_management']}:budget").values(balance_fen=1_000_000))
        with pytest.raises(ServiceError) as refused:
            _draft(world)
        assert refused.value.code == "budget_cannot_carry_price"
        db.session.rollback()
        assert money.available_budget(world["city_management"]) == money_left
    with command(app):
        refused_request = admissions.submit(user(world["city"]), admissions.AdmissionData(
            department_id=world["city_management"], street_id=world["street"], community_id=None,
            title="违法建设巡查上报", reason="每月巡查一次。", frequency="monthly", staff_hours=8, money_offered=0))
        admissions.decide(user(world["admin"]), refused_request, False, "城市管理部门的法定职责")
        with pytest.raises(InvalidTransition) as refused:
            agreements.draft(user(world["city"]), refused_request, _terms(world))
        assert "not admitted" in refused.value.message or "准入" in refused.value.message


def test_an_agreement_keeps_to_its_year_whatever_its_terms_become(app, world):
    """The contract's own term changes (a draft's new terms, an amendment) cannot stretch an agreement
    past the twelve months the admitted money is counted in, nor start a draft in the past."""
    with command(app):
        admissions.decide(user(world["admin"]), admissions.get(world["request"]), True, "")
        contract = _draft(world)
        for terms, code in ((default_terms(2_400_000, date(2026, 11, 22), 24, "两年。"), "agreement_too_long"),
                            (default_terms(2_400_000, date(2026, 11, 1), 12, "已过。"), "starts_in_the_past")):
            with pytest.raises(ServiceError) as refused:
                signing.update_terms(user(world["city"]), contract, terms)
            assert refused.value.code == code
        signing.update_terms(user(world["city"]), contract, default_terms(1_200_000, date(2026, 12, 1), 6, "半年。"))
        assert contract.ends_on == date(2027, 5, 31)
        signing.sign(user(world["city"]), contract, "purchaser")
        signing.sign(user(world["director"]), contract, "organization")
        last = contract.milestones[-1]
        with pytest.raises(ServiceError) as refused:
            amendments.propose_amendment(user(world["city"]), contract, "purchaser", amendments.AmendmentData(
                ends_on=date(2027, 12, 31), reason="延长到年底。",
                open_milestones={m.id: (m.due_on if m is not last else date(2027, 12, 31), m.amount_fen)
                                 for m in contract.milestones}))
        assert refused.value.code == "agreement_too_long"


def test_two_agreements_for_one_community_at_once_make_one(app, world):
    with command(app):
        admissions.decide(user(world["admin"]), admissions.get(world["request"]), True, "")
    results = run_at_once(app, [lambda: _draft(world), lambda: _draft(world)])
    assert sum(not isinstance(r, ServiceError) for r in results) == 1
    assert next(r for r in results if isinstance(r, ServiceError)).code == "entrusted_already"
    with command(app):
        assert len(agreements.agreements_of(admissions.get(world["request"]))) == 1
        assert money.available_budget(world["city_management"]) == BUDGET_FEN - 2_400_000
        ledger_is_sound()
        (first,) = agreements.agreements_of(admissions.get(world["request"]))
        request_ = admissions.get(world["request"])  # a draft is the department's until both sides sign
        assert agreements.agreements_seen_by(user(world["city"]), request_) == [first]
        assert agreements.agreements_seen_by(user(world["director"]), request_) == []
        signing.sign(user(world["city"]), first.contract, "purchaser")
        signing.sign(user(world["director"]), first.contract, "organization")
        assert agreements.agreements_seen_by(user(world["director"]), request_) == [first]
        payment.terminate(user(world["city"]), first.contract, "社区换届，重新签订")
        renewed = _draft(world)  # an ended agreement leaves the community free for the next one
        assert renewed.status == "draft" and money.available_budget(world["city_management"]) == BUDGET_FEN - 2_400_000
    with command(app):  # admitted without money: nothing to entrust, and the page does not offer it
        unpaid = admissions.submit(user(world["city"]), admissions.AdmissionData(
            department_id=world["city_management"], street_id=world["street"], community_id=world["community"],
            title="门前三包责任书签订", reason="与沿街商户签订责任书。", frequency="yearly", staff_hours=10,
            money_offered=0))
        admissions.decide(user(world["admin"]), unpaid, True, "")
        assert not agreements.ADMISSION_ACTIONS.of(user(world["city"]), unpaid).can("entrust")
        with pytest.raises(ServiceError) as refused:
            agreements.draft(user(world["city"]), unpaid, _terms(world))
        assert refused.value.code == "no_money_offered"


def test_entrusted_work_is_delivered_accepted_and_paid_through_the_ledger(app, world, frozen, client):
    frozen.advance(days=9)  # 2026-12-01
    with command(app):
        admissions.decide(user(world["admin"]), admissions.get(world["request"]), True, "")
        contract = _draft(world)
        second = _draft(world, body="committee2", price_fen=1_200_000, months=6)
        assert contract.number.startswith("WT") and contract.ceiling_fen == 2_400_000
        assert [m.amount_fen for m in contract.milestones] == [720_000, 960_000, 720_000]
        signing.sign(user(world["city"]), contract, "purchaser")
        signing.sign(user(world["director"]), contract, "organization")
        signing.sign(user(world["city"]), second, "purchaser")
        signing.sign(user(world["director2"]), second, "organization")
        assert contract.status == "active"
        contract_id, first = contract.id, contract.milestones[0].id
    page = client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "生活垃圾分类桶边督导排班" in page and f"/partnership/admissions/{world['request']}" in page
    frozen.advance(days=30)
    with command(app):
        contract = db.session.get(signing.Contract, contract_id)
        delivery.submit_report(user(world["director"]), contract, first, delivery.ReportData(
            "十二月每周排班督导，记录投放点早晚高峰情况。", 320))
        with pytest.raises(PermissionDenied):  # the committee never accepts its own delivery
            payment.decide(user(world["director"]), contract, first, "accepted")
        payment.decide(user(world["city"]), contract, first, "accepted")
        payment.pay(user(world["city"]), contract, first)
        assert money.contract_position(contract_id) == {"committed": 1_680_000, "payable": 0, "paid": 720_000}
        assert money.available_budget(world["city_management"]) == BUDGET_FEN - 2_400_000 - 1_200_000
        ledger_is_sound()
        # an upheld report of pushed work, and a refused admission: both count in the burden
        report = pushed.report(user(world["worker"]), pushed.PushedData(
            community_id=world["community"], department_id=world["city_management"], title="创文迎检台账每日填报",
            details="每天填报三张表。", staff_hours=42))
        pushed.decide(user(world["admin"]), report, True, "未经准入下派")
        refused = admissions.submit(user(world["city"]), admissions.AdmissionData(
            department_id=world["city_management"], street_id=world["street"], community_id=world["community"],
            title="违法建设巡查上报", reason="每月巡查。", frequency="monthly", staff_hours=8, money_offered=0))
        admissions.decide(user(world["admin"]), refused, False, "法定职责")
        communities = db.session.scalar(db.select(db.func.count(Community.id)).where(
            Community.street_id == world["street"]))
        here = db.session.execute(burden.community_select(world["community"])).one()
        assert (here.admitted_tasks, here.agreements, here.entrusted_fen, here.paid_fen, here.pushed_upheld,
                here.refused_admissions, here.share_with_money) == (1, 1, 2_400_000, 720_000, 1, 1, 50)
        department = db.session.execute(burden.department_select(world["city_management"])).one()
        assert (department.admitted_tasks, department.agreements, department.entrusted_fen, department.paid_fen,
                department.pushed_upheld, department.refused_admissions) == (communities, 2, 3_600_000, 720_000, 1, 1)
        assert department.share_with_money == 2 * 100 // (communities + 1)
    page = client.get(f"/places/community/{world['community']}").get_data(as_text=True)
    assert 'data-test="community-burden"' in page and "¥7,200.00" in page
    scorecard = client.get(f"/evaluation/departments/{world['city_management']}").get_data(as_text=True)
    assert 'data-test="department-partnership"' in scorecard and "¥36,000.00" in scorecard
    rows = {r["community_id"]: r for r in client.get("/api/v1/datasets/community-burden").get_json()["items"]}
    assert rows[world["community"]]["share_with_money"] == 50 and rows[world["community"]]["paid_fen"] == 720_000
    assert rows[world["community2"]]["agreements"] == 1 and rows[world["community2"]]["share_with_money"] == 100
    departments = client.get("/api/v1/datasets/department-burden").get_json()["items"]
    assert [(d["department_id"], d["entrusted_fen"]) for d in departments] == [(world["city_management"], 3_600_000)]
    agreements_out = client.get("/api/v1/datasets/entrusted-agreements").get_json()["items"]
    assert sorted(a["price_fen"] for a in agreements_out) == [1_200_000, 2_400_000]
    with command(app):  # in OCDS: a direct process, the committee its supplier and payee, the tranche paid
        ocid = ocds.ocid_of_agreement(agreements.agreement_of_contract(contract_id).id)
    package = json.loads(client.get(f"/api/ocds/records/{ocid}.json").get_data(as_text=True), parse_float=Decimal)
    assert errors(RECORDS, package) == []
    (record,) = package["records"]
    deal = record["compiledRelease"]
    assert deal["tender"]["procurementMethod"] == "direct" and deal["contracts"][0]["value"]["amount"] == 24000
    (paid,) = deal["contracts"][0]["implementation"]["transactions"]
    assert paid["value"]["amount"] == Decimal("7200.00") and paid["payee"]["name"].endswith("居民委员会")
    listed = client.get("/api/ocds/releases.json?per_page=100").get_json()["releases"]
    assert {r["ocid"] for r in listed} >= {ocid}


def test_the_year_end_evaluation_goes_both_ways_once(app, world, frozen, client):
    frozen.advance(days=9)  # 2026-12-01: the evaluations of 2026 are given until 31 March 2027
    today = date(2026, 12, 1)
    with command(app):
        admissions.decide(user(world["admin"]), admissions.get(world["request"]), True, "")
        contract = _draft(world)
        unsigned = _draft(world, body="committee2")  # a draft: no evaluation between them
        signing.sign(user(world["city"]), contract, "purchaser")
        signing.sign(user(world["director"]), contract, "organization")
        signed_id = agreements.agreement_of_contract(contract.id).id
        unsigned_id = agreements.agreement_of_contract(unsigned.id).id
        assert [(p.direction, p.organization.id, p.agreement_id) for p in reviews.waiting(user(world["city"]), today)] \
            == [("of_community", world["committee"], signed_id)]
        assert [p.direction for p in reviews.waiting(user(world["director"]), today)] == ["of_department"]
        assert reviews.waiting(user(world["director2"]), today) == []
        with pytest.raises(PermissionDenied):  # the wrong side
            reviews.pair(user(world["director"]), "of_community", signed_id, today)
        with pytest.raises(NotFound):  # no signed agreement between them
            reviews.pair(user(world["city"]), "of_community", unsigned_id, today)
        with pytest.raises(PermissionDenied):  # the wrong side is refused before anything is looked up
            reviews.pair(user(world["director"]), "of_community", unsigned_id, today)
        with pytest.raises(NotFound):  # outside the season (15 November to 31 March)
            reviews.pair(user(world["city"]), "of_community", signed_id, date(2026, 6, 1))
        of_community = reviews.pair(user(world["city"]), "of_community", signed_id, today)
        with pytest.raises(ServiceError) as refused:
            reviews.give(user(world["city"]), of_community, {"to_standard": 5, "on_time": 6, "residents": 4}, "")
        assert refused.value.field == "on_time"
        reviews.give(user(world["city"]), of_community, {"to_standard": 5, "on_time": 4, "residents": 4}, "记录完整")
        of_department = reviews.pair(user(world["director"]), "of_department", signed_id, today)
        reviews.give(user(world["director"]), of_department,
                     {"guidance": 4, "paid_on_time": 5, "respects_lists": 3, "no_pushed_work": 2}, "迎检台账仍有下派")
        assert reviews.waiting(user(world["city"]), today) == []
    results = run_at_once(app, [lambda: reviews.give(
        user(world["director"]), reviews.pair(user(world["director"]), "of_department", signed_id, today),
        {"guidance": 1, "paid_on_time": 1, "respects_lists": 1, "no_pushed_work": 1}, "")])
    assert isinstance(results[0], ServiceError) and results[0].code == "given"  # given once
    with command(app):
        averages = reviews.averages(world["city_management"])
        assert averages["of_department"] == ({"guidance": 4, "paid_on_time": 5, "respects_lists": 3,
                                              "no_pushed_work": 2}, 1)
        assert averages["of_community"] == ({"to_standard": 5, "on_time": 4, "residents": 4}, 1)
    with command(app):
        found = reviews.pair(user(world["city2"]), "of_community", signed_id, today)
        frozen.advance(days=130)  # 2027-04-10: the season closed between the page and the sending
        with pytest.raises(ServiceError) as refused:
            reviews.give(user(world["city2"]), found, {"to_standard": 5, "on_time": 4, "residents": 4}, "")
        assert refused.value.code == "outside_window"
    scorecard = client.get(f"/evaluation/departments/{world['city_management']}").get_data(as_text=True)
    assert 'data-test="reviews-of_department"' in scorecard and 'data-test="reviews-of_community"' in scorecard
    assert "迎检台账仍有下派" in client.get("/partnership/reviews").get_data(as_text=True)


def test_the_demo_burden_matches_the_figures_worked_by_hand(app, demo_seeded, client):
    """demo/partnership.py's specification, worked by hand (its docstring): 平江街道's seven communities;
    城市管理局's waste-sorting rota admitted for all of them, its patrol refused for all of them, its daily
    forms pushed on 桐芳 and upheld; 民政局's check admitted for 桐芳 alone; agreements of ¥24,000 with 桐芳
    (three tranches paid) and 金坊 (two of ¥7,200 and ¥9,600 paid, the last waiting) and of ¥18,000 with
    新城 (the first ¥5,400 paid); 民政局's agreement with 桐芳 a draft."""
    with command(app):
        communities = {r.community: r for r in db.session.execute(burden.community_select())}
        departments = {r.department: r for r in db.session.execute(burden.department_select())}

    def figures(row):
        return (row.admitted_tasks, row.refused_admissions, row.pushed_upheld, row.agreements, row.entrusted_fen,
                row.paid_fen, row.share_with_money)

    assert len(communities) == 7
    assert figures(communities["桐芳社区"]) == (2, 1, 1, 1, 2_400_000, 2_400_000, 33)  # 1 of 3 tasks with money
    assert figures(communities["金坊社区"]) == (1, 1, 0, 1, 2_400_000, 720_000 + 960_000, 100)
    assert figures(communities["新城社区"]) == (1, 1, 0, 1, 1_800_000, 540_000, 100)
    for name in ("东亭社区", "南泾社区", "北景社区", "青坞社区"):
        assert figures(communities[name]) == (1, 1, 0, 0, 0, 0, 0)
    assert figures(departments["姑苏区城市管理局"]) == (7, 1, 1, 3, 6_600_000, 4_620_000, 300 // 8)
    assert figures(departments["姑苏区民政局"]) == (1, 0, 0, 0, 0, 0, 0)
    assert set(departments) == {"姑苏区城市管理局", "姑苏区民政局"}  # 卫健委's report dismissed, 司法局's waiting
    rows = client.get("/api/v1/datasets/department-burden").get_json()["items"]
    assert {(r["department"], r["share_with_money"], r["paid_fen"]) for r in rows} == {
        ("姑苏区城市管理局", 37, 4_620_000), ("姑苏区民政局", 0, 0)}
