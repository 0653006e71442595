"""Contracts from award to payment, with the ledger, the public pages and the request timeline agreeing."""
import io
from datetime import date, timedelta

import pytest

from market.accounts.roles import Role
from market.contracts import amendments, delivery, payment, signing, terms
from market.contracts.models import Contract
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.money import ledger
from market.money import services as money
from market.money.models import LedgerTransaction, Payment
from market.needs.models import TimelineEvent
from market.procurement import awards
from market.procurement.models import Tender
from tests.factories import BUDGET_FEN, PRICE, award_tender, contract, ledger_is_sound, report, signed, user


def test_the_award_drafts_a_contract_and_commits_the_budget(app, awarded, places):
    world = awarded
    with command(app):
        c = contract(world)
        assert c.status == "draft" and c.price_fen == PRICE == c.ceiling_fen
        assert [m.share_bp for m in c.milestones] == [3000, 4000, 3000]
        assert [m.amount_fen for m in c.milestones] == [3_600_000, 4_800_000, 3_600_000]
        assert ledger.balance("contract", c.id, "committed") == PRICE
        assert ledger.balance("department", c.department_id, "budget") == BUDGET_FEN - PRICE
        assert {x.id for x in c.communities} == {places["community"], places["community2"]}
        ledger_is_sound()


def test_an_award_the_budget_cannot_carry_is_refused_and_nothing_changes(app, tender_world, frozen, make_user, places):
    with command(app):
        # Spend the allotment elsewhere first: only ¥50,000 remains.
        from market.money import services as money
        money.commit(money.budget(places["department"]), 999, BUDGET_FEN - 5_000_000)
        db.session.commit()
    with pytest.raises(ServiceError) as refused:
        award_tender(app, tender_world, frozen, make_user, places)
    assert refused.value.code == "budget_cannot_carry_price"
    with command(app):
        tender = db.session.get(Tender, tender_world["tender"])
        assert tender.status == "evaluated" and awards.award_of(tender) is None
        assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0
        assert ledger.balance("department", places["department"], "budget") == 5_000_000


def test_signing_waits_for_the_notice_period_and_needs_both_sides(app, awarded, frozen):
    world = awarded
    with command(app):
        with pytest.raises(ServiceError) as refused:
            signing.sign(user(world["buyer"]), contract(world), "purchaser")
        assert refused.value.code == "not_ready_to_sign" and "award_notice_running" in refused.value.reasons
    frozen.advance(days=10)
    with command(app):
        with pytest.raises(PermissionDenied):
            signing.sign(user(world["owner2"]), contract(world), "purchaser")
        with pytest.raises(PermissionDenied):
            signing.sign(user(world["owner1"]), contract(world), "organization")
        signing.sign(user(world["buyer"]), contract(world), "purchaser")
        assert contract(world).status == "draft"
        db.session.commit()  # signed; signing again is another request, refused on its own
        with pytest.raises(ServiceError) as refused:
            signing.sign(user(world["buyer"]), contract(world), "purchaser")
        assert refused.value.code == "already_signed"
        signing.sign(user(world["owner2"]), contract(world), "organization")
        c = contract(world)
        assert c.status == "active" and c.tender.status == "contracted" and c.signed_at is not None
        digests = {s.terms_digest for s in signing.signatures(c)}
        assert digests == {terms.terms_digest(c)}
        kinds = [e.kind for e in db.session.scalars(db.select(TimelineEvent).filter_by(request_id=world["request"])
                                                    .order_by(TimelineEvent.id))]
        assert kinds[-1] == "contract_signed"


def test_terms_are_checked_and_new_terms_set_aside_old_signatures(app, awarded, frozen):
    world = awarded
    frozen.advance(days=10)
    with command(app):
        c = contract(world)
        signing.sign(user(world["owner2"]), c, "organization")
        new_terms = terms.Terms(
            PRICE,
            c.starts_on,
            c.ends_on,
            "标准",
            [
                terms.MilestoneTerms(m.title, m.deliverables, m.due_on, bp)
                for m, bp in zip(c.milestones, (3000, 4000, 2000))
            ],
        )
        with pytest.raises(ServiceError) as refused:
            signing.update_terms(user(world["buyer"]), c, new_terms)
        assert refused.value.code == "shares_not_100"
        new_terms.milestones[2].share_bp = 3000
        new_terms.price_fen = PRICE + 1
        with pytest.raises(ServiceError) as refused:
            signing.update_terms(user(world["buyer"]), c, new_terms)
        assert refused.value.code == "price_above_award" and refused.value.field == "price"
        with pytest.raises(PermissionDenied):
            signing.update_terms(user(world["owner2"]), c, new_terms)
        # A lower price, split 50/50: the difference goes back to the budget at once.
        new_terms = terms.Terms(10_000_001, c.starts_on, c.ends_on, "标准", [
            terms.MilestoneTerms("首期", "启动", c.starts_on + timedelta(days=30), 5000),
            terms.MilestoneTerms("尾期", "结项", c.ends_on, 5000)])
        signing.update_terms(user(world["buyer"]), c, new_terms)
        c = contract(world)
        assert [m.amount_fen for m in c.milestones] == [5_000_000, 5_000_001]  # the odd fen goes to the last tranche
        assert ledger.balance("contract", c.id, "committed") == 10_000_001
        assert ledger.balance("department", c.department_id, "budget") == BUDGET_FEN - 10_000_001
        assert signing.signatures(c) == []  # the organization signed the old new_terms, not these
        ledger_is_sound()


def test_report_return_revise_accept_and_pay_each_step_once(app, awarded, frozen):
    world = signed(app, world=awarded, frozen=frozen)
    report(app, world)
    with command(app):
        c = contract(world)
        first = c.milestones[0]
        with pytest.raises(PermissionDenied):
            payment.decide(user(world["owner2"]), c, first.id, "accepted")
        with pytest.raises(ServiceError) as refused:
            payment.decide(user(world["buyer"]), c, first.id, "returned")
        assert refused.value.code == "decision_reasons_missing" and refused.value.field == "reasons"
        payment.decide(user(world["buyer"]), c, first.id, "returned", "缺少签到表")
        assert contract(world).milestones[0].status == "returned"
    report(app, world)
    with command(app):
        c = contract(world)
        first = c.milestones[0]
        assert [r.version for r in first.reports] == [1, 2]
        payment.decide(user(world["buyer"]), c, first.id, "accepted")
        first = contract(world).milestones[0]
        assert first.status == "accepted" and first.pay_by == date(2026, 12, 24) + timedelta(days=30)
        assert ledger.balance("contract", c.id, "payable") == 3_600_000
        with pytest.raises(ServiceError):
            payment.decide(user(world["buyer"]), c, first.id, "accepted")
        payout = payment.pay(user(world["buyer"]), contract(world), first.id)
        assert payout.status == "settled" and payout.reference.startswith("ledger-")
        with pytest.raises(ServiceError) as refused:
            payment.pay(user(world["buyer"]), contract(world), first.id)
        assert refused.value.code in {"tranche_already_paid", "tranche_not_payable"}
        assert money.contract_position(c.id) == {"committed": 8_400_000, "payable": 0, "paid": 3_600_000}
        assert db.session.scalar(db.select(db.func.count(LedgerTransaction.id)).filter_by(milestone_id=first.id)) == 2
        kinds = [e.kind for e in db.session.scalars(db.select(TimelineEvent).filter_by(request_id=world["request"])
                                                    .order_by(TimelineEvent.id))]
        assert kinds[-5:] == ["milestone_reported", "milestone_returned", "milestone_reported", "milestone_accepted",
                              "tranche_paid"]
        ledger_is_sound()


def test_paying_every_tranche_completes_the_contract(app, awarded, frozen):
    world = signed(app, world=awarded, frozen=frozen)
    for position in range(3):
        report(app, world, position)
        with command(app):
            c = contract(world)
            payment.decide(user(world["buyer"]), c, c.milestones[position].id, "accepted")
            payment.pay(user(world["buyer"]), contract(world), c.milestones[position].id)
    with command(app):
        c = contract(world)
        assert c.status == "completed"
        assert money.contract_position(c.id) == {"committed": 0, "payable": 0, "paid": PRICE}
        assert sum(p.amount_fen for p in db.session.scalars(db.select(Payment))) == PRICE
        ledger_is_sound()


def test_termination_keeps_accepted_tranches_payable_and_returns_the_rest(app, awarded, frozen):
    world = signed(app, world=awarded, frozen=frozen)
    report(app, world, 0)
    with command(app):
        c = contract(world)
        with pytest.raises(ServiceError) as refused:
            payment.terminate(user(world["buyer"]), c, "机构负责人离职，无法继续服务")
        assert refused.value.code == "reported_milestones_undecided"
        payment.decide(user(world["buyer"]), c, c.milestones[0].id, "accepted")
        released = payment.terminate(user(world["buyer"]), contract(world), "机构负责人离职，无法继续服务")
        assert released == PRICE - 3_600_000
        c = contract(world)
        assert c.status == "terminated" and [m.status for m in c.milestones] == ["accepted", "cancelled", "cancelled"]
        payment.pay(user(world["buyer"]), c, c.milestones[0].id)  # what was accepted is still paid
        assert money.contract_position(c.id) == {"committed": 0, "payable": 0, "paid": 3_600_000}
        assert ledger.balance("department", c.department_id, "budget") == BUDGET_FEN - 3_600_000
        ledger_is_sound()


def test_amendments_need_the_other_side_and_move_the_commitment(app, awarded, frozen):
    world = signed(app, world=awarded, frozen=frozen)
    with command(app):
        c = contract(world)
        rows = {m.id: (m.due_on, m.amount_fen) for m in c.milestones}
        last = c.milestones[-1]
        rows[last.id] = (last.due_on, last.amount_fen - 1_000_000)  # less work in the last stage
        proposal = amendments.propose_amendment(user(world["owner2"]), c, "organization",
                                              amendments.AmendmentData(c.ends_on, "服务对象减少10人", rows))
        with pytest.raises(ServiceError) as refused:
            amendments.propose_amendment(user(world["buyer"]), c, "purchaser",
                                       amendments.AmendmentData(c.ends_on, "另一项修改", rows))
        assert refused.value.code == "amendment_open"
        with pytest.raises(PermissionDenied):
            amendments.answer_amendment(user(world["owner2"]), c, True)
        amendments.answer_amendment(user(world["buyer"]), contract(world), True)
        c = contract(world)
        assert c.price_fen == PRICE - 1_000_000 and c.terms_version == 2
        assert sum(m.share_bp for m in c.milestones) == 10000
        assert {s.side for s in signing.signatures(c)} == {"purchaser", "organization"}
        assert ledger.balance("contract", c.id, "committed") == PRICE - 1_000_000
        assert proposal.previous_terms["price_fen"] == PRICE
        too_much = {m.id: (m.due_on, m.amount_fen + 1) for m in c.milestones}
        with pytest.raises(ServiceError) as refused:
            amendments.propose_amendment(
                user(world["buyer"]),
                c,
                "purchaser",
                amendments.AmendmentData(
                    c.ends_on,
                    "加价",
                    {**too_much, **{m.id: (m.due_on, m.amount_fen + 2_000_000) for m in c.milestones[:1]}},
                ),
            )
        assert refused.value.code == "price_above_award" and refused.value.field == "price"
        ledger_is_sound()


def test_report_files_are_checked_and_drafts_are_private(app, awarded, frozen, client, login):
    world = awarded
    assert client.get(f"/contracts/{world['contract']}").status_code == 404  # a draft is not public yet
    signed(app, world, frozen)
    assert client.get(f"/contracts/{world['contract']}").status_code == 200
    login("org2@example.cn")
    with command(app):
        milestone_id = contract(world).milestones[0].id
    url = f"/contracts/{world['contract']}/milestones/{milestone_id}/report"
    fake = (io.BytesIO(b"MZ\x90\x00 not a picture"), "photo.jpg")
    response = client.submit(url, {"activities": "送餐服务", "beneficiaries": "45", "files": fake},
                             content_type="multipart/form-data")
    assert response.status_code == 200 and "文件内容与扩展名" in response.get_data(as_text=True)
    photo = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "送餐现场.png")
    response = client.submit(
        url,
        {
            "activities": "送餐服务",
            "beneficiaries": "45",
            "files": photo,
            "spending-0-item": "人员",
            "spending-0-budget": "20000",
            "spending-0-spent": "19500",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    assert "送餐现场.png" in page and "¥19,500.00" in page


def test_a_spending_line_larger_than_the_contract_is_refused_and_overspending_is_flagged(app, awarded, frozen,
                                                                                         client, login):
    """¥99,999,999,999 typed on a ¥36,000 tranche was accepted, accepted again and paid without a word."""
    world = signed(app, world=awarded, frozen=frozen)
    with command(app):
        c = contract(world)
        huge = delivery.ReportData("送餐服务", 45, [delivery.SpendingData("人员", 2_000_000, 9_999_999_999_900)])
        with pytest.raises(ServiceError) as refused:
            delivery.submit_report(user(world["owner2"]), c, c.milestones[0].id, huge)
        assert refused.value.code == "line_above_contract" and refused.value.field == "spending"
        assert contract(world).milestones[0].status == "pending"
        over = delivery.ReportData("送餐服务", 45, [delivery.SpendingData("人员", 5_000_000, 4_000_000)])
        delivery.submit_report(user(world["owner2"]), contract(world), c.milestones[0].id, over)
        buyer_email = db.session.get(__import__("market.accounts.models", fromlist=["User"]).User, world["buyer"]).email
    login(buyer_email)
    page = client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    assert 'data-test="overspend"' in page and "¥40,000.00" in page  # more than the ¥36,000 tranche


def test_an_amendment_that_changes_nothing_is_refused(app, awarded, frozen):
    world = signed(app, world=awarded, frozen=frozen)
    with command(app):
        c = contract(world)
        same = {m.id: (m.due_on, m.amount_fen) for m in c.milestones}
        with pytest.raises(ServiceError) as refused:
            amendments.propose_amendment(user(world["owner2"]), c, "organization",
                                       amendments.AmendmentData(c.ends_on, "重新确认", same))
        assert refused.value.code == "amendment_changes_nothing"
        assert amendments.open_amendment(contract(world)) is None


def test_a_step_someone_else_took_a_moment_ago_says_who_took_it(app, awarded, frozen, make_user, places):
    """Two purchasers of one department open the same report; the second to accept learns who accepted
    it and when (已由…受理), not a bare "not possible"; the first, clicking twice, is not told about himself."""
    world = signed(app, world=awarded, frozen=frozen)
    colleague = make_user("buyer2@example.cn", "李敏", roles={Role.PURCHASER: places["department"]})
    report(app, world)
    with command(app):
        c = contract(world)
        payment.decide(user(world["buyer"]), c, c.milestones[0].id, "accepted")
    with command(app):
        c = contract(world)
        with pytest.raises(ServiceError) as late:
            payment.decide(user(colleague), c, c.milestones[0].id, "accepted")
        assert late.value.code == "wrong_status"
        assert "陈志强" in late.value.message and "已验收" in late.value.message
        with pytest.raises(ServiceError) as twice:
            payment.decide(user(world["buyer"]), c, c.milestones[0].id, "accepted")
        assert "陈志强" not in twice.value.message
