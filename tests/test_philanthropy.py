"""Venture-philanthropy rounds: the quadratic match worked by hand, and a whole round from call to
paid tranches with money in equal to money out in the ledger."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import START
from market.accounts.roles import Role
from market.contracts import delivery, payment, signing
from market.contracts.models import Contract
from market.core.errors import Invalid, NotFound, PermissionDenied, ServiceError
from market.core.unit import command
from market.evaluation import rubrics
from market.extensions import db
from market.money import ledger
from market.money.models import IncomingPayment
from market.philanthropy import closing, giving, matching, proposals, review, rounds
from tests.factories import (
    PROPOSAL_SHEET,
    YUAN,
    event,
    give,
    open_round,
    post_webhook,
    proposal,
    proposal_data,
    review_and_select,
    round_data,
    signature,
    the_round,
    user,
)

# --- the arithmetic, by hand --------------------------------------------------------------------------

def test_raw_match_is_the_square_of_summed_roots_minus_the_sum():
    assert matching.raw_match([10000, 10000, 10000, 10000]) == 120000  # (4 × 100)² − 40000
    assert matching.raw_match([10000, 40000]) == 40000  # (100 + 200)² − 50000
    assert matching.raw_match([250000]) == 0  # one donor: no match, however large the gift
    assert matching.raw_match([]) == 0
    assert matching.raw_match([2, 3]).quantize(Decimal("0.0001")) == Decimal("4.8990")  # 2√6


def test_donor_cap_counts_one_person_once_and_up_to_the_cap():
    assert matching.counted({1: 50_000, 2: 3_000, 3: 0}, 10_000) == {1: 10_000, 2: 3_000}
    assert matching.counted({1: 50_000}, None) == {1: 50_000}


def test_matches_fill_the_pool_in_proportion():
    result = matching.compute({1: {1: 10000, 2: 10000, 3: 10000, 4: 10000}, 2: {5: 10000, 6: 40000}}, 100_000,
                              None, None)
    assert (result[1].match_fen, result[2].match_fen) == (75_000, 25_000)  # 120000 : 40000
    assert result[1].donors == 4 and result[1].counted_fen == 40000 and not result[1].capped


def test_a_capped_project_gives_its_surplus_to_the_others():
    # Raw 1200 : 400 : 400 of 10000 is 6000 / 2000 / 2000; the cap of 5000 moves 1000 to the other two.
    matches, capped = matching.distribute({1: Decimal(1200), 2: Decimal(400), 3: Decimal(400)}, 10_000, 5_000)
    assert matches == {1: 5_000, 2: 2_500, 3: 2_500} and capped == {1}


def test_redistribution_can_cap_a_second_project():
    # 1200 : 600 : 200 of 10000 → 6000 / 3000 / 1000; A capped at 4000, the 6000 left → 4500 / 1500,
    # B capped at 4000, the 2000 left goes to C.
    matches, capped = matching.distribute({1: Decimal(1200), 2: Decimal(600), 3: Decimal(200)}, 10_000, 4_000)
    assert matches == {1: 4_000, 2: 4_000, 3: 2_000} and capped == {1, 2}


def test_when_every_project_is_capped_the_rest_stays_in_the_pool():
    matches, capped = matching.distribute({1: Decimal(1200), 2: Decimal(400)}, 10_000, 3_000)
    assert matches == {1: 3_000, 2: 3_000} and sum(matches.values()) == 6_000


def test_whole_fen_by_largest_remainder_add_up_exactly():
    matches, _capped = matching.distribute({1: Decimal(1), 2: Decimal(1), 3: Decimal(1)}, 100, None)
    assert matches == {1: 34, 2: 33, 3: 33}
    matches, _capped = matching.distribute({1: Decimal(2), 2: Decimal(1)}, 1_000, None)
    assert matches == {1: 667, 2: 333}  # 666.67 and 333.33


def test_no_raw_match_distributes_nothing():
    matches, capped = matching.distribute({1: Decimal(0), 2: Decimal(0)}, 10_000, None)
    assert matches == {1: 0, 2: 0} and not capped


# --- a whole round ---------------------------------------------------------------------------------------

def test_a_round_from_call_to_paid_tranches_balances_money_in_and_out(app, round_world, frozen):
    world = open_round(app, round_world, frozen)
    review_and_select(app, world, frozen)
    with command(app):
        scored = proposal(world, 0)
        # Review 86.00 from both experts; pitch 90 → final 86 × 0.6 + 90 × 0.4 = 87.60.
        assert (scored.review_cp, scored.pitch_cp, scored.final_cp) == (8600, 9000, 8760)
        assert proposal(world, 2).status == "declined" and proposal(world, 1).final_cp == 8360
    # Project 0: four residents give ¥100 each → raw (4 × 100)² − 40000 = 120000 fen.
    for giver in ("giver0", "giver1", "giver2", "giver3"):
        give(app, world, giver, 0, 100 * YUAN)
    # Project 1: ¥100 and ¥400 → raw (100 + 200)² − 50000 = 40000; a stranger's ¥1000 counts for nothing,
    # and giver5's second gift to the same project adds to one voice.
    give(app, world, "giver4", 1, 100 * YUAN)
    give(app, world, "giver5", 1, 300 * YUAN)
    give(app, world, "giver5", 1, 100 * YUAN)
    give(app, world, "stranger", 1, 1_000 * YUAN, anonymous=True)
    with command(app):
        live = giving.estimate(the_round(world))
        # The pool of ¥1,000 splits 75000 : 25000; the cap of ¥600 moves ¥150 to project 1.
        assert (live[world["proposals"][0]].match_fen, live[world["proposals"][1]].match_fen) == (60_000, 40_000)
        assert live[world["proposals"][0]].capped
        donors = giving.donors(proposal(world, 1))
        assert [d.anonymous for d in donors].count(True) == 1 and len(donors) == 4
        with pytest.raises(ServiceError):
            closing.close_giving(user(world["buyer"]), the_round(world))  # giving is still open
    frozen.advance(days=20)
    with command(app):
        with pytest.raises(ServiceError):
            giving.donate(user(world["giver0"]), proposal(world, 0), 100 * YUAN, False, "", "late")
        frozen_matches = closing.close_giving(user(world["buyer"]), the_round(world))
        assert {m.proposal_id: m.match_fen for m in frozen_matches} == {world["proposals"][0]: 60_000,
                                                                        world["proposals"][1]: 40_000}
        grants = closing.agreements(the_round(world))
        # ¥50,000 grant + ¥400 gifts + ¥600 match; ¥40,000 + ¥1,500 gifts + ¥400 match.
        assert [c.price_fen for c in grants] == [5_100_000, 4_190_000]
        assert [m.share_bp for m in grants[0].milestones] == [5000, 3000, 2000]
        assert [m.amount_fen for m in grants[0].milestones] == [2_550_000, 1_530_000, 1_020_000]
        assert all(ledger.balance("proposal", p, "pool") == 0 for p in world["proposals"].values())
        assert grants[0].department_id == world["department"] and grants[0].number.startswith("ZZ")
    # The grant agreements run on the contracts machinery: signed, reported, accepted, paid.
    pay_all(app, world, frozen, 0)
    with command(app):
        grants = closing.agreements(the_round(world))
        assert grants[0].status == "completed"
        assert ledger.balance("contract", grants[0].id, "paid") == 5_100_000
        payment.terminate(user(world["buyer"]), db.session.get(Contract, grants[1].id), "项目负责人离职，无法继续")
    with command(app):
        buyer = user(world["buyer"])
        for target in ("midterm", "final", "closed"):
            closing.advance(buyer, the_round(world), target)
        summary = closing.money_summary(the_round(world))
        # In: ¥100,000 grants + ¥1,000 matching + ¥1,900 gifts. Out: ¥51,000 paid, the rest returned.
        assert summary["in"] == 10_000_000 + 100_000 + 190_000
        assert summary["paid"] == 5_100_000 and summary["held"] == 0
        assert summary["in"] == summary["out"]
        assert ledger.unbalanced_transactions() == [] and ledger.drifted_accounts() == []
        assert rounds.pots(the_round(world)) == {"grants": 0, "matching": 0}
        # The department got back what it put in and did not spend; the company's pledge is fully used.
        assert ledger.balance("round", world["round"], "pledged") == -100_000


def pay_all(app, world, frozen, n):
    """Sign the grant agreement of project n and pay its three tranches."""
    owner = f"owner{n}"
    owners = {world[f"org{k}"]: world[f"owner{k}"] for k in range(4)}
    with command(app):
        with pytest.raises(ServiceError):  # delivery starts once every agreement is signed
            closing.advance(user(world["buyer"]), the_round(world), "delivery")
        for grant in closing.agreements(the_round(world)):
            grant_id, organization_id = grant.id, grant.organization_id
            signing.sign(user(world["buyer"]), grant, "purchaser")
            signing.sign(user(owners[organization_id]), db.session.get(Contract, grant_id), "organization")
        grant_id = next(c.id for c in closing.agreements(the_round(world)) if c.proposal_id == world["proposals"][n])
        closing.advance(user(world["buyer"]), the_round(world), "delivery")
    for position in range(3):
        with command(app):
            grant = db.session.get(Contract, grant_id)
            milestone = grant.milestones[position]
            delivery.submit_report(user(world[owner]), grant, milestone.id,
                                    delivery.ReportData("开展助餐服务", 45))
            payment.decide(user(world["buyer"]), db.session.get(Contract, grant_id), milestone.id, "accepted")
            payment.pay(user(world["buyer"]), db.session.get(Contract, grant_id), milestone.id)


def test_only_verified_residents_count_and_a_cancelled_project_refunds_every_gift(app, round_world, frozen):
    world = open_round(app, round_world, frozen)
    review_and_select(app, world, frozen)
    give(app, world, "stranger", 0, 5_000 * YUAN)
    give(app, world, "giver0", 0, 200 * YUAN)
    with command(app):
        live = giving.estimate(the_round(world))
        assert live[world["proposals"][0]].donors == 1 and live[world["proposals"][0]].match_fen == 0
        with pytest.raises(PermissionDenied):
            giving.cancel_project(user(world["owner1"]), proposal(world, 0), "不是我们的项目")
        assert giving.cancel_project(user(world["owner0"]), proposal(world, 0), "场地无法落实") == 2
        assert ledger.balance("proposal", world["proposals"][0], "pool") == 0
        refunded = db.session.scalars(db.select(IncomingPayment).filter_by(status="refunded")).all()
        assert sorted(p.amount_fen for p in refunded) == [20_000, 500_000]
        with pytest.raises(ServiceError):
            giving.donate(user(world["giver1"]), proposal(world, 0), 100 * YUAN, False, "", "after-cancel")


def test_the_same_gift_form_sent_twice_gives_once(app, round_world, frozen):
    world = open_round(app, round_world, frozen)
    review_and_select(app, world, frozen)
    first = give(app, world, "giver0", 0, 100 * YUAN, token="same")
    again = give(app, world, "giver0", 0, 100 * YUAN, token="same")
    with command(app):
        assert first == again and ledger.balance("proposal", world["proposals"][0], "pool") == 10_000


def test_cancelling_a_round_returns_the_pots_and_refunds_gifts(app, round_world, frozen):
    world = open_round(app, round_world, frozen)
    review_and_select(app, world, frozen)
    give(app, world, "giver0", 0, 100 * YUAN)
    with command(app):
        with pytest.raises(PermissionDenied):
            closing.cancel_round(user(world["owner0"]), the_round(world), "试图取消")
        assert closing.cancel_round(user(world["buyer"]), the_round(world), "资金未到位") == 1
        summary = closing.money_summary(the_round(world))
        assert summary["held"] == 0 and summary["in"] == summary["out"] == 10_000_000 + 100_000 + 10_000
        assert ledger.balance("round", world["round"], "pledged") == 0  # the company's pledge went back


def test_rules_of_the_call_eligibility_and_review(app, round_world, frozen, places):
    world = round_world
    with command(app):
        buyer = user(world["buyer"])
        with pytest.raises(PermissionDenied):  # only for a department one buys for
            rounds.create_round(user(world["owner0"]), round_data(world))
        with pytest.raises(ServiceError):
            rounds.create_round(buyer, round_data(world, giving_ends_at=START + timedelta(days=5)))
        round_ = rounds.create_round(buyer, round_data(world, max_age_years=3))
        with pytest.raises(ServiceError):
            rounds.open_call(buyer, round_)  # no money yet
        rounds.fund(buyer, round_, "grants", 6_000_000, "姑苏区民政局", "government", "福彩公益金", "g")
        rounds.open_call(buyer, round_)
        # The organizations were registered in 2018: more than 3 years ago.
        with pytest.raises(ServiceError) as refused:
            proposals.submit_proposal(user(world["owner0"]), round_, proposal_data(world, 0))
        assert refused.value.code == "not_eligible" and refused.value.field == "organization_id"
        assert "registered_too_long_ago" in refused.value.reasons and "3" in refused.value.message
        with pytest.raises(PermissionDenied):
            proposals.submit_proposal(user(world["owner1"]), round_, proposal_data(world, 0))
    with command(app):
        round_ = rounds.create_round(user(world["buyer"]), round_data(world))
        rounds.fund(user(world["buyer"]), round_, "grants", 6_000_000, "姑苏区民政局", "government", "福彩", "h")
        rounds.open_call(user(world["buyer"]), round_)
        too_much = proposal_data(world, 0, budget=[proposals.BudgetLineData("人员", 7_000_000)])
        with pytest.raises(ServiceError) as refused:
            proposals.submit_proposal(user(world["owner0"]), round_, too_much)
        assert refused.value.code == "budget_above_largest_grant" and refused.value.field == "budget"
        assert "60,000" in refused.value.message  # the round's largest grant
        two_bad = proposal_data(world, 0, budget=[proposals.BudgetLineData("", 100_000),
                                                  proposals.BudgetLineData("物资", 0)])
        with pytest.raises(ServiceError) as refused:  # one message for both lines, not one a line
            proposals.submit_proposal(user(world["owner0"]), round_, two_bad)
        assert refused.value.field == "budget" and not isinstance(refused.value, Invalid)
        mine = proposals.submit_proposal(user(world["owner0"]), round_, proposal_data(world, 0))
        with pytest.raises(ServiceError):  # one live proposal per organization
            proposals.submit_proposal(user(world["owner0"]), round_, proposal_data(world, 0))
        # Not public before the results; the applicant and the sponsor see it.
        from flask_login import AnonymousUserMixin

        with pytest.raises(NotFound):
            proposals.get_proposal(AnonymousUserMixin(), mine.id)
        assert proposals.get_proposal(user(world["buyer"]), mine.id) is mine


def test_a_member_of_the_applicant_is_conflicted_and_cannot_score(app, round_world, frozen, make_user):
    world = open_round(app, round_world, frozen)
    frozen.advance(days=21)
    with command(app):
        from market import clock
        from market.organizations.models import Membership

        db.session.add(Membership(user_id=world["expert"], organization_id=world["org0"], added_at=clock.now()))
        db.session.commit()
        buyer = user(world["buyer"])
        proposals.start_screening(buyer, the_round(world))
        for n in range(3):
            proposals.screen(buyer, proposal(world, n), True, "")
        review.start_review(buyer, the_round(world))
        sheet = review.declare(user(world["expert"]), proposal(world, 0), False, "")
        assert sheet.conflict
        with pytest.raises(PermissionDenied):
            review.score_review(user(world["expert"]), proposal(world, 0), {}, "", submit=False)
        with pytest.raises(PermissionDenied):  # not on the panel
            review.declare(user(world["owner3"]), proposal(world, 1), False, "")
        with pytest.raises(ServiceError):  # sheets missing
            review.start_pitch(buyer, the_round(world), [world["proposals"][1]])


# --- the pages -------------------------------------------------------------------------------------------

def test_giving_through_the_page_gives_a_receipt_and_shows_on_the_public_pages(app, round_world, frozen, client, login):
    world = open_round(app, round_world, frozen)
    project = world["proposals"][0]
    assert client.get(f"/rounds/proposals/{project}").status_code == 404  # not public before the results
    review_and_select(app, world, frozen)
    for giver in ("giver1", "giver2"):
        give(app, world, giver, 0, 100 * YUAN)
    login("giver0@example.cn")
    page = f"/rounds/proposals/{project}"
    assert "捐赠" in client.get(page).get_data(as_text=True)
    response = client.submit(f"{page}/give", {"amount": "100", "display_name": "", "anonymous": "y",
                                              "once": "a1" * 16}, form_url=page)
    assert response.status_code == 302 and "/rounds/gifts/" in response.location
    receipt = client.get(response.location).get_data(as_text=True)
    assert "¥100.00" in receipt and "JZ2026-" in receipt and "是，认证居民" in receipt
    again = client.submit(f"{page}/give", {"amount": "100", "once": "a1" * 16}, form_url=page)
    assert again.location == response.location  # the same form twice: one gift
    bad = client.submit(f"{page}/give", {"amount": "0.5", "once": "a2" * 16}, form_url=page, follow_redirects=True)
    assert "捐赠金额为¥1至¥10,000,000" in bad.get_data(as_text=True)
    client.submit("/logout", {}, form_url="/")
    public = client.get(page).get_data(as_text=True)
    assert "匿名" in public and "giver1" in public and "实时估算" in public
    assert "居民0" not in public and "居民1" not in public  # never the accounts' names
    round_page = client.get(f"/rounds/{world['round']}").get_data(as_text=True)
    # Three residents at ¥100: raw (3 × 100)² − 30000 = 60000, the only raw match: the cap of ¥600 holds.
    assert "¥600.00" in round_page and "87.60" in round_page
    with command(app):
        assert giving.estimate(the_round(world))[project].match_fen == 60_000
    assert client.get(response.location).status_code in (302, 401)  # a receipt is its giver's only


def test_only_the_sponsor_runs_the_round_from_its_page(app, round_world, frozen, client, login):
    world = open_round(app, round_world, frozen)
    login("org0@example.cn")
    assert client.submit(f"/rounds/{world['round']}/step/screening", {}, form_url="/").status_code == 403
    client.submit("/logout", {}, form_url="/")
    login("buyer@example.cn")
    frozen.advance(days=21)
    page = f"/rounds/{world['round']}"
    response = client.submit(f"{page}/step/screening", {}, form_url=page, follow_redirects=True)
    assert "项目征集已结束" in response.get_data(as_text=True)
    with command(app):
        assert the_round(world).status == "screening"


@pytest.mark.parametrize("projects", [2, 3])
def test_round_and_proposal_pages_run_a_fixed_number_of_queries(app, round_world, frozen, client, count_queries,
                                                                 projects):
    world = open_round(app, round_world, frozen)
    review_and_select(app, world, frozen)
    for n in range(projects):
        give(app, world, f"giver{n}", 0, 100 * YUAN)
        give(app, world, f"giver{n}", 1, 200 * YUAN)
    client.get(f"/rounds/{world['round']}")  # warm caches of reference data
    with count_queries() as round_page:
        assert client.get(f"/rounds/{world['round']}").status_code == 200
    with count_queries() as proposal_page:
        assert client.get(f"/rounds/proposals/{world['proposals'][0]}").status_code == 200
    # The same with more gifts and donors: nothing is loaded per gift or per donor.
    assert (round_page.count, proposal_page.count) == (ROUND_PAGE_QUERIES, PROPOSAL_PAGE_QUERIES)


ROUND_PAGE_QUERIES = 29  # 28 of its own and its public audit events
PROPOSAL_PAGE_QUERIES = 21


def test_card_gifts_by_stripe_count_once_the_signed_webhook_confirms(app, round_world, frozen, client, standin):
    world = open_round(app, round_world, frozen)
    review_and_select(app, world, frozen)
    project = world["proposals"][0]
    standin.fail_intents = True
    with command(app):
        with pytest.raises(ServiceError) as refused:  # the provider is down: a clear refusal, nothing saved
            giving.donate(user(world["giver0"]), proposal(world, 0), 100 * YUAN, False, "", "down")
        assert refused.value.code == "card_payment_failed" and refused.value.field == "amount"
        assert db.session.scalar(db.select(db.func.count(IncomingPayment.id))) == 0
    standin.fail_intents = False
    for giver in ("giver0", "giver1"):
        give(app, world, giver, 0, 100 * YUAN)
    with command(app):
        gifts = db.session.scalars(db.select(IncomingPayment)).all()
        assert {g.status for g in gifts} == {"pending"} and all(g.provider == "stripe" for g in gifts)
        assert giving.estimate(the_round(world))[project].donors == 0  # nothing counts until Stripe confirms
        intents = [standin.customer_pays(g.reference) for g in gifts]
    frozen.advance(days=20)
    with command(app):
        with pytest.raises(ServiceError) as refused:  # giving does not close over unconfirmed payments
            closing.close_giving(user(world["buyer"]), the_round(world))
        assert refused.value.code == "card_payments_pending"
    for number, intent in enumerate(intents):
        payload = event(f"evt_gift_{number}", "payment_intent.succeeded", intent)
        assert post_webhook(client, payload, signature(payload)).status_code == 200
    with command(app):
        live = giving.estimate(the_round(world))[project]
        assert (live.raw, live.match_fen, live.capped) == (20_000, 60_000, True)  # raw (2 × 100)² − 20000; the cap
        closing.close_giving(user(world["buyer"]), the_round(world))
        assert ledger.balance("proposal", project, "pool") == 0
        assert ledger.unbalanced_transactions() == [] and ledger.drifted_accounts() == []


def test_an_expert_declares_and_scores_through_the_pages(app, round_world, frozen, client, login):
    world = open_round(app, round_world, frozen)
    frozen.advance(days=21)
    with command(app):
        buyer = user(world["buyer"])
        proposals.start_screening(buyer, the_round(world))
        for n in range(3):
            proposals.screen(buyer, proposal(world, n), True, "")
        review.start_review(buyer, the_round(world))
        leaves = {leaf.code: leaf.id for leaf in rubrics.leaves(the_round(world).rubric)}
    login("expert@example.cn")
    assert "2026年姑苏区社区公益创投大赛" in client.get("/rounds/mine").get_data(as_text=True)
    page = f"/rounds/proposals/{world['proposals'][0]}"
    assert 'data-test="review-form"' not in client.get(page).get_data(as_text=True)  # declare first
    client.submit(f"{page}/declare", {"conflict": "no", "note": ""}, form_url=page)
    sheet = {f"points_{leaves[code]}": value for code, value in PROPOSAL_SHEET.items()}
    half = client.submit(page, {**sheet, f"points_{leaves['5']}": "", "comment": "", "finish": "1"})
    assert "请先为每项指标打分" in half.get_data(as_text=True)
    wrong = client.submit(page, {**sheet, f"points_{leaves['1']}": "21", "save": "1"})
    assert "“需求与问题”请打0至20分" in wrong.get_data(as_text=True)
    done = client.submit(page, {**sheet, "comment": "逻辑清楚", "finish": "1"}, follow_redirects=True)
    assert "您的评分表已提交：86.00分" in done.get_data(as_text=True)


def test_an_incubators_staff_run_its_operators_round_and_sign_the_grants(app, round_world, frozen, make_user):
    """A round sponsored by an organization: its incubator staff manage it and sign as funder (甲方)."""
    from market.incubation import services as incubation

    world = round_world
    world["staff"] = make_user("staff@example.cn", "赵敏", roles={Role.INCUBATOR_STAFF: world["org3"]})
    with command(app):
        incubation.create_incubator(user(world["staff"]), world["org3"], "姑苏区公益孵化园", "", "")
    open_round(app, world, frozen, manager="staff", sponsor=f"organization:{world['org3']}")
    review_and_select(app, world, frozen, manager="staff")
    frozen.advance(days=20)
    with command(app):
        with pytest.raises(PermissionDenied):  # the department has nothing to do with this round
            closing.close_giving(user(world["buyer"]), the_round(world))
        closing.close_giving(user(world["staff"]), the_round(world))
        grant = closing.agreements(the_round(world))[0]
        assert grant.department_id is None and grant.purchaser_name == "社会组织3号"
        signing.sign(user(world["staff"]), grant, "purchaser")
        signing.sign(user(world["owner0"]), db.session.get(Contract, grant.id), "organization")
        assert db.session.get(Contract, grant.id).status == "active"
        # Its money came from the round's pledge account and is committed from the grants pool.
        assert ledger.balance("round", world["round"], "pledged") == -10_100_000


def test_a_gift_without_a_display_name_is_listed_as_anonymous_never_under_the_account_name(app, round_world, frozen,
                                                                                          client, login):
    world = open_round(app, round_world, frozen)
    review_and_select(app, world, frozen)
    project = world["proposals"][0]
    give(app, world, "giver1", 0, 100 * YUAN, name="")  # no name typed, anonymity not ticked
    give(app, world, "giver2", 0, 100 * YUAN, name="  ")  # only blanks
    give(app, world, "giver3", 0, 100 * YUAN, name="陈阿姨一家")  # a name chosen for the list
    with command(app):
        listed = giving.donors(proposal(world, 0))
        assert sorted((d.anonymous, d.display_name) for d in listed) == [(False, "陈阿姨一家"), (True, ""), (True, "")]
    public = client.get(f"/rounds/proposals/{project}").get_data(as_text=True)
    donors = re.search(r'<ul data-test="donors">(.*?)</ul>', public, re.S).group(1)
    assert donors.count("匿名") == 2 and "陈阿姨一家" in donors
    assert "居民1" not in public and "居民2" not in public and "居民3" not in public
    login("giver1@example.cn")  # the receipt tells the giver how the list shows the gift
    page = f"/rounds/proposals/{project}"
    response = client.submit(f"{page}/give", {"amount": "50", "display_name": "", "once": "b3" * 16}, form_url=page)
    receipt = client.get(response.location).get_data(as_text=True)
    assert "<dt>捐赠名单显示为</dt><dd>匿名</dd>" in receipt
