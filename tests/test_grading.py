"""Grading (等级评估): application, third-party scoring of the grading rubric, committee decision,
public notice, appeal, issue; the grade unlocks a tender and lapses on the injected clock."""
import re
from datetime import date
from decimal import Decimal as D

import pytest

from market.accounts.roles import Role
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import command
from market.evaluation import grading
from market.evaluation import services as evaluations
from market.evaluation.models import Evaluation, GradeApplication, Rubric
from market.extensions import db
from market.organizations.models import Organization
from market.procurement import bids, undertakers
from market.procurement.models import Tender
from tests.factories import bid, published_tender, user

NATIONAL = "社会组织等级评估指标（全国通用，1000分）"


@pytest.fixture
def applicant(app, tender_world, make_user, rubric_defaults):
    world = tender_world
    world["evaluator"] = make_user("evaluator@example.cn", "钱评估", roles={Role.EVALUATOR: world["org3"]})
    world["grading_rubric"] = rubric_defaults[NATIONAL]
    return world


def org(world, n=0) -> Organization:
    return db.session.get(Organization, world[f"org{n}"])


def application(world) -> GradeApplication:
    return db.session.get(GradeApplication, world["application"])


def apply_and_score(app, world, fraction=D("0.9")):
    """Organization 0 applies; organization 3 evaluates, giving every scored leaf `fraction` of its points."""
    with command(app):
        world["application"] = grading.apply(user(world["owner0"]), org(world), world["grading_rubric"],
                                             "我们有规范的理事会和财务制度，近三年服务老人3200人次。").id
        evaluation = grading.assign(user(world["admin"]), application(world), world["org3"],
                                    date(2026, 12, 31))
        evaluations.declare(user(world["evaluator"]), evaluation, False, "")
        entries = {i.id: evaluations.Entry(str(i.points * fraction), "查阅章程、会议纪要与审计报告")
                   for i in evaluation.rubric.indicators if i.source == "manual"}
        evaluations.save_scores(user(world["evaluator"]), evaluation, entries)
        evaluations.submit(user(world["evaluator"]), evaluation, "内部治理规范，服务成效明显。")
        world["evaluation"] = evaluation.id
        return evaluation.total_cp, evaluation.band


def test_who_may_apply(app, applicant, frozen):
    world = applicant
    with command(app):
        with pytest.raises(PermissionDenied):
            grading.apply(user(world["owner1"]), org(world), world["grading_rubric"], "自评")
        young = org(world, 3)
        young.registered_on = date(2025, 6, 1)
        db.session.commit()
        problems = grading.application_problems(young)
        assert any("登记满2年" in p for p in problems) and any("2025年度检查" in p for p in problems)
        with pytest.raises(ServiceError) as refused:
            grading.apply(user(world["owner3"]), young, world["grading_rubric"], "自评")
        assert refused.value.code == "not_eligible"
        assert "registered_too_recently_for_grading" in refused.value.reasons
        performance = db.session.scalar(db.select(Rubric.id).where(Rubric.purpose == "performance"))
        with pytest.raises(ServiceError) as refused:
            grading.apply(user(world["owner0"]), org(world), performance, "自评")
        assert refused.value.code == "not_a_grading_rubric" and refused.value.field == "rubric_id"
        assert grading.application_problems(org(world)) == []


def test_a_graded_organization_unlocks_a_tender_and_the_grade_lapses_with_the_clock(app, applicant, frozen):
    world = applicant
    world["tender"] = published_tender(app, world, min_grade=3)
    with pytest.raises(ServiceError) as refused:
        bid(app, world, 0)
    assert refused.value.code == "not_eligible" and "grade_too_low" in refused.value.reasons
    assert "3A" in refused.value.message
    # 90% of every scored leaf: 0.9 × 960 = 864 points; the satisfaction leaf (40) has no ratings and
    # leaves the average: 864 × 1000 / 960 = 900.00 → 3A (851–900).
    assert apply_and_score(app, world) == (90000, "3A")
    with command(app):
        with pytest.raises(ServiceError) as refused:
            grading.answer_appeal(user(world["admin"]), application(world), "无", 4)
        assert refused.value.code == "no_appeal_to_answer"
        grading.decide(user(world["admin"]), application(world), "同意评估机构意见。")
        a = application(world)
        assert a.status == "noticed" and a.proposed_grade == 3 and a.notice_ends_on == date(2026, 11, 29)
        assert db.session.get(Evaluation, world["evaluation"]).status == "published"
        with pytest.raises(ServiceError) as refused:
            grading.issue(user(world["admin"]), a)
        assert refused.value.code == "grade_notice_running"
        with pytest.raises(PermissionDenied):
            grading.appeal(user(world["owner1"]), a, "不服")
        grading.appeal(user(world["owner0"]), a, "财务管理项得分偏低，已补充审计报告。")
        assert grading.appeal_answer_due(a) == date(2026, 12, 7)
        with pytest.raises(ServiceError) as refused:
            grading.issue(user(world["admin"]), a)
        assert refused.value.code == "not_on_notice"
        grading.answer_appeal(user(world["admin"]), a, "经复核，维持原评定。", 3)
        with pytest.raises(ServiceError) as refused:
            grading.appeal(user(world["owner0"]), a, "再次申请")
        assert refused.value.code == "already_appealed"
    frozen.advance(days=7)  # 2026-11-29 10:00 in Suzhou: still the last day of the notice
    with command(app), pytest.raises(ServiceError) as refused:
        grading.issue(user(world["admin"]), application(world))
    assert refused.value.code == "grade_notice_running"
    frozen.advance(days=1)
    with command(app):
        grade = grading.issue(user(world["admin"]), application(world))
        assert (grade.grade, grade.valid_from, grade.valid_until) == (3, date(2026, 11, 30), date(2031, 11, 29))
        assert application(world).grade_id == grade.id
        assert undertakers.current_grade(world["org0"]) == 3
        # A grade just obtained: no new application for two years.
        assert any("持有满2年" in p for p in grading.application_problems(org(world)))
    bid(app, world, 0)  # the grade unlocks the tender
    frozen.advance(days=5 * 365 + 2)  # 2031-12-01: past the validity
    with command(app):
        assert undertakers.current_grade(world["org0"]) is None
        tender = db.session.get(Tender, world["tender"])
        assert "本项目要求 3A 及以上等级。" in bids.eligibility_problems(org(world), tender)


def test_an_upheld_appeal_changes_the_grade_and_restarts_the_notice(app, applicant, frozen):
    world = applicant
    # 95% of every leaf: 0.95 × 960 = 912 → 950.00 → 4A.
    assert apply_and_score(app, world, D("0.95")) == (95000, "4A")
    with command(app):
        grading.decide(user(world["admin"]), application(world), "")
        grading.appeal(user(world["owner0"]), application(world), "创新做法未计分。")
    frozen.advance(days=3)
    with command(app):
        grading.answer_appeal(user(world["admin"]), application(world), "补充材料属实，改评5A。", 5)
        a = application(world)
        assert a.proposed_grade == 5 and a.notice_ends_on == date(2026, 12, 2)
        history = [h.to_status for h in grading.GRADING_MACHINE.history(a)]
        assert history == ["applied", "evaluating", "noticed", "appealed", "noticed"]


def test_a_conflicted_evaluator_sends_the_application_back_for_another(app, applicant, frozen, make_user):
    world = applicant
    member = make_user("member@example.cn", "兼职评估员", roles={Role.EVALUATOR: world["org3"]})
    with command(app):
        from market.organizations.models import Membership
        db.session.add(Membership(user_id=member, organization_id=world["org0"], is_owner=False,
                                  added_at=frozen.now()))
        db.session.commit()
        world["application"] = grading.apply(user(world["owner0"]), org(world), world["grading_rubric"], "自评").id
        with pytest.raises(ServiceError) as refused:
            grading.assign(user(world["admin"]), application(world), world["org1"], date(2026, 12, 31))
        assert refused.value.code == "not_an_evaluator_organization" and refused.value.field == "evaluator_org_id"
        with pytest.raises(PermissionDenied):
            grading.assign(user(world["owner0"]), application(world), world["org3"], date(2026, 12, 31))
        evaluation = grading.assign(user(world["admin"]), application(world), world["org3"], date(2026, 12, 31))
        # Declaring "no conflict" does not help a member of the evaluated organization.
        evaluations.declare(user(member), evaluation, False, "")
        assert evaluation.status == "declined" and evaluation.conflict
        assert application(world).status == "applied"
        with pytest.raises(ServiceError) as refused:
            grading.decide(user(world["admin"]), application(world), "")
        assert refused.value.code == "not_awaiting_decision"


def test_grading_pages_and_the_badge(app, applicant, frozen, client, login):
    world = applicant
    apply_and_score(app, world)
    with command(app):
        grading.decide(user(world["admin"]), application(world), "同意。")
    page = client.get("/evaluation/grading").get_data(as_text=True)
    assert "社会组织0号" in page and "公示中" in page
    page = client.get(f"/evaluation/grading/{world['application']}").get_data(as_text=True)
    assert 'data-test="proposed-grade"' in page and "3A" in page and "申请复核" not in page
    login("org0@example.cn")
    page = client.get(f"/evaluation/grading/{world['application']}").get_data(as_text=True)
    assert "复核申请理由" in page
    frozen.advance(days=8)
    with command(app):
        grading.issue(user(world["admin"]), application(world))
    for url in (f"/organizations/{world['org0']}", "/organizations/", f"/evaluation/organizations/{world['org0']}"):
        page = client.get(url).get_data(as_text=True)
        assert 'data-test="grade-badge">3A<' in page and "<!--grade-badge:" not in page, url
    # Every organization listed leaves a mark; only the graded one becomes a badge
    page = client.get("/organizations/").get_data(as_text=True)
    assert page.count('data-test="grade-badge"') == 1 and "<!--grade-badge:" not in page


JIANGSU = "社会组织等级评估指标（江苏，含党建与加分）"


def test_ninety_percent_on_every_jiangsu_indicator_is_not_5a(app, applicant, rubric_defaults, frozen):
    """The Jiangsu rubric carries 1,100 regular points (1,000 national + 100 party building) and 30
    bonus points under a cap of 1,000. Read on the cap's scale, 90% of the regular points is 900, and
    90% of the bonus adds 27: 927.00 → 4A. Before, 990 + 27 = 1,017 was cut to 1,000 by the cap: 5A."""
    from market.core import scoring
    from market.evaluation import rubrics

    with command(app):
        jiangsu = db.session.get(Rubric, rubric_defaults[JIANGSU])
        every_leaf = {i.id: D(i.points) * D("0.9") for i in rubrics.leaves(jiangsu)}
        result = scoring.score_tree(rubrics.tree(jiangsu), every_leaf, jiangsu.cap)
        assert result.total == D("927.00") and scoring.band(result.total, jiangsu.bands) == "4A"
        full = {i.id: D(i.points) for i in rubrics.leaves(jiangsu)}
        assert scoring.score_tree(rubrics.tree(jiangsu), full, jiangsu.cap).total == D("1000.00")  # the cap cuts bonus
        no_bonus = {i.id: (D(0) if i.bonus else D(i.points)) for i in rubrics.leaves(jiangsu)}
        assert scoring.score_tree(rubrics.tree(jiangsu), no_bonus, jiangsu.cap).total == D("1000.00")
    # Through a real evaluation: 90% of every scored leaf; the satisfaction leaf (40) has no ratings and
    # leaves the average: 954 of 1,060 regular points → 900.00, plus 27 bonus → 927.00.
    applicant["grading_rubric"] = rubric_defaults[JIANGSU]
    assert apply_and_score(app, applicant) == (92700, "4A")


def test_a_grade_cannot_take_effect_years_ahead_or_before_registration(app, applicant, frozen, client, login):
    world = applicant
    with command(app):
        admin, org0 = user(world["admin"]), org(world)
        for day in (date(2099, 1, 1), date(2027, 2, 21)):  # today is 2026-11-22: 90 days ahead is 2027-02-20
            with pytest.raises(ServiceError) as refused:
                undertakers.record_grade(admin, org0, 5, day)
            assert refused.value.field == "valid_from"
        with pytest.raises(ServiceError) as refused:
            undertakers.record_grade(admin, org0, 3, date(2017, 12, 31))  # registered on 2018-01-01
        assert refused.value.field == "valid_from"
        assert undertakers.grades_of(org0) == []
        undertakers.record_grade(admin, org0, 3, date(2027, 2, 20))
        undertakers.record_grade(admin, org0, 3, date(2018, 1, 1))
    login("admin@example.cn")
    page_url = f"/procurement/organizations/{world['org0']}/compliance"
    page = client.get(page_url).get_data(as_text=True)
    assert 'min="2018-01-01"' in page and 'max="2027-02-20"' in page
    response = client.submit(page_url, {"grade-grade": "4", "grade-valid_from": "2099-01-01",
                                        "grade-submit": "y"}, form_url=page_url)
    assert response.status_code == 200 and 'id="grade-valid_from-errors"' in response.get_data(as_text=True)
    with command(app):
        assert len(undertakers.grades_of(org(world))) == 2


def test_a_grade_lowered_on_appeal_shows_as_decided_not_proposed(app, applicant, frozen, client):
    world = applicant
    assert apply_and_score(app, world) == (90000, "3A")
    with command(app):
        grading.decide(user(world["admin"]), application(world), "")
        grading.appeal(user(world["owner0"]), application(world), "财务管理项得分偏低。")
        grading.answer_appeal(user(world["admin"]), application(world), "复核发现财务审计报告缺失，改评2A。", 2)

    def score_line():
        page = client.get(f"/evaluation/grading/{world['application']}").get_data(as_text=True)
        return re.search(r'<p class="score"[^>]*>(.*?)</p>', page, re.S).group(0)

    line = score_line()
    assert "2A" in line and "拟评等级" not in line and 'data-test="proposed-grade"' not in line
    assert 'data-test="appeal-grade"' in line and "3A" in line  # first proposed 3A
    frozen.advance(days=8)
    with command(app):
        grading.issue(user(world["admin"]), application(world))
    line = score_line()
    assert 'data-test="issued-grade"' in line and "2A" in line and "拟评等级" not in line
