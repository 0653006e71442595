"""Third-party evaluation of a contract: commissioning, conflicts, scoring with evidence, the
satisfaction indicator from residents' ratings, publishing, and a last tranche that follows the score."""

import pytest

from market.contracts import delivery, payment
from market.contracts.actions import CONTRACT_ACTIONS
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.core.unit import command
from market.evaluation import ratings, rubrics
from market.evaluation import services as evaluations
from market.evaluation.models import Evaluation
from market.extensions import db
from market.money import ledger
from market.needs.models import TimelineEvent
from tests.factories import (
    BUDGET_FEN,
    PERFORMANCE_SHEET,
    commission,
    contract,
    deliver,
    ledger_is_sound,
    rate_three,
    score_all,
    user,
)


def test_only_the_commissioning_side_commissions_and_never_the_provider_itself(app, tied):
    world = tied
    with command(app):
        c = contract(world)
        with pytest.raises(PermissionDenied):
            evaluations.commission(user(world["owner2"]), c, "final", world["org3"], world["rubric"], c.ends_on)
        with pytest.raises(ServiceError) as refused:
            evaluations.commission(user(world["buyer"]), c, "final", world["org1"], world["rubric"], c.ends_on)
        assert refused.value.code == "not_an_evaluator_organization" and refused.value.field == "evaluator_org_id"
    commission(app, world, "mid_term")
    with command(app), pytest.raises(ServiceError) as refused:
        c = contract(world)
        evaluations.commission(user(world["buyer"]), c, "mid_term", world["org3"], world["rubric"], c.ends_on)
    assert refused.value.code == "evaluation_already_commissioned" and refused.value.field == "kind"


def test_the_evaluator_declares_before_it_sees_and_a_conflict_declines(app, tied, make_user):
    world = tied
    evaluation_id = commission(app, world)
    with command(app):
        evaluation = db.session.get(Evaluation, evaluation_id)
        with pytest.raises(ServiceError) as refused:
            evaluations.save_scores(user(world["evaluator"]), evaluation, {})
        assert refused.value.code == "evaluation_not_scoring"
        with pytest.raises(PermissionDenied):
            evaluations.declare(user(world["owner1"]), evaluation, False, "")
        with pytest.raises(ServiceError) as refused:
            evaluations.declare(user(world["evaluator"]), evaluation, True, "")
        assert refused.value.code == "conflict_not_described" and refused.value.field == "note"
        evaluations.declare(user(world["evaluator"]), evaluation, True, "评估机构负责人曾在该组织任职")
        assert evaluation.status == "declined"
    # A new commission is possible after a decline.
    assert commission(app, world) != evaluation_id


def test_a_tied_last_tranche_waits_for_the_final_score_and_follows_it_through_the_ledger(app, tied):
    world = tied
    deliver(app, world, [0, 1])
    mid = commission(app, world, "mid_term")
    rate_three(app, world)
    assert score_all(app, world, mid) == (8130, "good")
    with command(app):
        evaluation = db.session.get(Evaluation, mid)
        points = {s.indicator_id: s for s in evaluation.scores}
        satisfaction = next(i for i in evaluation.rubric.indicators if i.source == "satisfaction")
        assert points[satisfaction.id].points_cp == 750 and points[satisfaction.id].automatic
        with pytest.raises(PermissionDenied):
            evaluations.publish(user(world["owner2"]), evaluation)
        evaluations.publish(user(world["buyer"]), evaluation)
        assert contract(world).final_score_cp is None  # a mid-term score decides no money
    # The last tranche is accepted but held: nothing becomes payable before the final score.
    deliver(app, world, [2])
    with command(app):
        c = contract(world)
        last = c.milestones[2]
        assert last.status == "held" and last.amount_fen == 3_600_000
        with pytest.raises(ServiceError):
            payment.pay(user(world["buyer"]), c, last.id)
        with pytest.raises(ServiceError) as refused:
            payment.terminate(user(world["buyer"]), c, "测试终止")
        assert refused.value.code == "final_score_awaited"
        for m in c.milestones[:2]:
            payment.pay(user(world["buyer"]), c, m.id)
    final = commission(app, world)
    # Final: outputs lower (2.1 14, 2.2 14, 2.3 6) → 9 + 34 + 22.8 + 7.5 = 73.3 → 3,600,000 × 73.3 / 80.
    score_all(app, world, final, {**PERFORMANCE_SHEET, "2.1": "14", "2.2": "14", "2.3": "6"})
    with command(app):
        evaluations.publish(user(world["buyer"]), db.session.get(Evaluation, final))
        c = contract(world)
        last = c.milestones[2]
        assert c.final_score_cp == 7330
        assert last.status == "accepted" and last.payable_fen == 3_298_500
        payment.pay(user(world["buyer"]), c, last.id)
        assert c.status == "completed"
        # Paid the two tranches and the cut last one; the withheld 301,500 fen went back to the budget.
        assert ledger.balance("contract", c.id, "paid") == 3_600_000 + 4_800_000 + 3_298_500
        assert ledger.balance("contract", c.id, "committed") == 0
        assert ledger.balance("department", c.department_id, "budget") == BUDGET_FEN - 11_698_500
        ledger_is_sound()
        kinds = [e.kind for e in db.session.scalars(db.select(TimelineEvent).order_by(TimelineEvent.id))]
        assert kinds.count("evaluation_published") == 2 and "tranche_scored" in kinds


def test_a_score_below_the_threshold_withholds_the_whole_tranche(app, tied):
    world = tied
    deliver(app, world, [0, 1])
    with command(app):
        c = contract(world)
        for m in c.milestones[:2]:
            payment.pay(user(world["buyer"]), c, m.id)
    final = commission(app, world)
    # No ratings, so satisfaction is not applicable and leaves the total: budget 4, outputs 22,
    # outcomes 11 of 25 → 13.2; total (4 + 22 + 13.2) × 100 / 90 = 43.555… → 43.56.
    score_all(app, world, final, {"1.1": "2", "1.2": "2", "2.1": "10", "2.2": "8", "2.3": "4", "3.1": "6",
                                  "3.2": "5", "3.3": "na"})
    with command(app):
        evaluation = db.session.get(Evaluation, final)
        assert evaluation.total_cp == 4356 and evaluation.band == "poor"
        evaluations.publish(user(world["buyer"]), evaluation)  # published before the last report
    deliver(app, world, [2])
    with command(app):
        c = contract(world)
        assert c.milestones[2].status == "withheld" and c.milestones[2].payable_fen == 0
        assert c.status == "completed"
        assert ledger.balance("contract", c.id, "paid") == 8_400_000
        assert ledger.balance("department", c.department_id, "budget") == BUDGET_FEN - 8_400_000
        ledger_is_sound()


def test_submitting_needs_every_indicator_and_evidence(app, tied):
    world = tied
    evaluation_id = commission(app, world)
    with command(app):
        evaluation = db.session.get(Evaluation, evaluation_id)
        evaluations.declare(user(world["evaluator"]), evaluation, False, "")
        codes = {i.code: i.id for i in evaluation.rubric.indicators}
        with pytest.raises(ServiceError) as refused:
            evaluations.save_scores(user(world["evaluator"]), evaluation, {codes["1.1"]: evaluations.Entry("4", "")})
        assert refused.value.code == "evidence_missing"
        with pytest.raises(ServiceError) as refused:
            evaluations.save_scores(user(world["evaluator"]), evaluation,
                                    {codes["1.1"]: evaluations.Entry("6", "凭证")})
        assert refused.value.code == "points_out_of_range"
        with pytest.raises(ServiceError) as refused:
            evaluations.save_scores(user(world["evaluator"]), evaluation,
                                    {codes["1.1"]: evaluations.Entry("na", "凭证")})
        assert refused.value.code == "not_applicable_not_allowed"
        evaluations.save_scores(user(world["evaluator"]), evaluation, {codes["1.1"]: evaluations.Entry("4.5", "凭证")})
        db.session.commit()  # the declaration and the score are saved; the refused submission is a request of its own
        with pytest.raises(ServiceError) as refused:
            evaluations.submit(user(world["evaluator"]), evaluation, "结论")
        assert refused.value.code == "indicators_unscored" and "1.2" in refused.value.message  # the one missing
        assert evaluation.status == "scoring"
        # Before publication the sheet is not public.
        with pytest.raises(NotFound):
            evaluations.get_evaluation(user(world["owner1"]), evaluation_id)
        assert rubrics.get_rubric(world["rubric"]).status == "published"


def test_evaluation_pages_run_a_fixed_number_of_queries(app, tied, client, count_queries, make_user, places):
    world = tied
    deliver(app, world, [0, 1])
    evaluation_id = commission(app, world, "mid_term")
    rate_three(app, world)
    score_all(app, world, evaluation_id)
    with command(app):
        evaluations.publish(user(world["buyer"]), db.session.get(Evaluation, evaluation_id))
        c = contract(world)
        ratings.rate_department(user(world["owner2"]), c, f"milestone:{c.milestones[0].id}",
                                {"paid_on_time": 5, "clear_requirements": 4, "no_interference": 4}, "")
    urls = [f"/evaluation/contracts/{world['contract']}", f"/evaluation/{evaluation_id}",
            f"/evaluation/organizations/{world['org2']}", f"/evaluation/departments/{places['department']}",
            "/evaluation/grading", "/evaluation/rubrics", f"/evaluation/rubrics/{world['rubric']}"]

    def counts():
        result = {}
        for url in urls:
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            result[url] = counter.count
        return result

    small = counts()
    more = [make_user(f"more{n}@example.cn", f"更多居民{n}", community=places["community2"]) for n in range(5)]
    with command(app):
        c = contract(world)
        for person, code in zip(more, ratings.issue_codes(user(world["owner2"]), c, 5)):
            ratings.rate(user(person), c, 4, "不错", code)
        ratings.rate_department(user(world["owner2"]), c, f"milestone:{c.milestones[1].id}",
                                {"paid_on_time": 4, "clear_requirements": 4, "no_interference": 5}, "")
    with command(app):
        from market.evaluation import rubrics
        rubrics.copy(user(world["admin"]), rubrics.get_rubric(world["rubric"]))  # one more rubric in the list
    assert counts() == small
    # Anonymous: no signed-in person to load. The contract page: contract, evaluations and their scores,
    # satisfaction, stars, ratings page and total, two-way ratings, milestones, grades. The
    # organization's scorecard adds its late reports (one query, and two for the rules in force), the
    # department's its tranches overdue now, and partnership's section its burden figures (one query) and
    # the year-end evaluations both ways (one).
    assert small == {f"/evaluation/contracts/{world['contract']}": 10, f"/evaluation/{evaluation_id}": 8,
                     f"/evaluation/organizations/{world['org2']}": 14,
                     f"/evaluation/departments/{places['department']}": 10, "/evaluation/grading": 2,
                     "/evaluation/rubrics": 2, f"/evaluation/rubrics/{world['rubric']}": 3}, small


def test_the_commissioning_side_returns_or_cancels_and_the_evaluator_revises(app, tied):
    world = tied
    evaluation_id = commission(app, world)
    score_all(app, world, evaluation_id)
    with command(app):
        evaluation = db.session.get(Evaluation, evaluation_id)
        with pytest.raises(PermissionDenied):
            evaluations.return_for_revision(user(world["evaluator"]), evaluation, "再核实")
        with pytest.raises(ServiceError) as refused:
            evaluations.return_for_revision(user(world["buyer"]), evaluation, "")
        assert refused.value.code == "revision_reason_missing" and refused.value.field == "reason"
        evaluations.return_for_revision(user(world["buyer"]), evaluation, "请补充走访记录后再提交。")
        assert evaluation.status == "scoring"
        evaluations.cancel(user(world["buyer"]), evaluation, "评估机构更换")
        assert evaluation.status == "cancelled"
        with pytest.raises(ServiceError):
            evaluations.submit(user(world["evaluator"]), evaluation, "结论")
    assert commission(app, world) != evaluation_id  # a cancelled evaluation makes room for a new one


def test_only_a_commissioned_evaluator_records_site_visits_and_only_it_sees_the_form(app, tied, frozen, client, login):
    world = tied
    form_action = f'action="/contracts/{world["contract"]}/inspections"'
    with command(app):
        c, today = contract(world), frozen.now().date()
        with pytest.raises(PermissionDenied):  # the purchaser accepts the deliveries; it does not check them
            delivery.record_inspection(user(world["buyer"]), c, "site_visit", today, "走访6户老人，记录相符。")
        assert not CONTRACT_ACTIONS.of(user(world["buyer"]), c).can("inspect")
    login("buyer@example.cn")
    assert form_action not in client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    client.submit(f"/contracts/{world['contract']}/inspections",
                  {"kind": "site_visit", "milestone_id": "0", "held_on": str(today), "findings": "走访6户。"},
                  form_url=f"/contracts/{world['contract']}")
    client.submit("/logout", {})
    with command(app):
        assert delivery.inspections(contract(world)) == []
    evaluation_id = commission(app, world, "mid_term")
    with command(app):  # commissioned but not past its conflict declaration: not yet
        assert not CONTRACT_ACTIONS.of(user(world["evaluator"]), contract(world)).can("inspect")
        evaluations.declare(user(world["evaluator"]), db.session.get(Evaluation, evaluation_id), False, "")
        assert CONTRACT_ACTIONS.of(user(world["evaluator"]), contract(world)).can("inspect")
        assert not CONTRACT_ACTIONS.of(user(world["buyer"]), contract(world)).can("inspect")
    login("evaluator@example.cn")
    assert form_action in client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    response = client.submit(
        f"/contracts/{world['contract']}/inspections",
        {
            "kind": "site_visit",
            "milestone_id": "0",
            "held_on": str(today),
            "findings": "随机走访6户老人，服务记录与实际相符。",
        },
        form_url=f"/contracts/{world['contract']}",
    )
    assert response.status_code == 302
    with command(app):
        (visit,) = delivery.inspections(contract(world))
        assert visit.recorded_by_id == world["evaluator"] and visit.kind == "site_visit"
