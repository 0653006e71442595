"""Bids: the panel and its declarations, scoring, the ranking, the award and challenges (procurement/awards.py)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from market.accounts.roles import Role
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.needs.models import TimelineEvent
from market.organizations.models import Membership
from market.procurement import awards, tenders
from market.procurement.models import Tender
from tests.factories import bid, published_tender, user

# --- the arithmetic, by hand ---------------------------------------------------------------------

def test_combined_scores_match_a_hand_computed_example():
    points = {
        1: {10: [35, 30, 32], 11: [25, 28, 27]},  # A: 32.333… + 26.666… = 59.00
        2: {10: [30, 30, 30], 11: [20, 22, 24]},  # B: 30 + 22 = 52.00
        3: {10: [38, 36, 37], 11: [29, 28, 27]},  # C: 37 + 28 = 65.00
    }
    prices = {1: 10_000_000, 2: 9_000_000, 3: 12_000_000}
    ranked = awards.combine(points, prices, 30, trim=False)
    assert [(r.bid_id, r.technical, r.price_score, r.total, r.rank) for r in ranked] == [
        (3, Decimal("65.00"), Decimal("22.50"), Decimal("87.50"), 1),  # 90,000 ÷ 120,000 × 30
        (1, Decimal("59.00"), Decimal("27.00"), Decimal("86.00"), 2),  # 90,000 ÷ 100,000 × 30
        (2, Decimal("52.00"), Decimal("30.00"), Decimal("82.00"), 3),  # the lowest price takes the full weight
    ]


def test_rounding_is_half_up_to_two_places():
    ranked = awards.combine(
        {1: {1: [10, 10, 11]}, 2: {1: [10, 10, 10]}}, {1: 3_000_000, 2: 1_000_000}, 10, trim=False
    )
    by_bid = {r.bid_id: r for r in ranked}
    assert by_bid[1].technical == Decimal("10.33")  # 31 / 3 = 10.333…
    assert by_bid[1].price_score == Decimal("3.33")  # 1 / 3 × 10 = 3.333…
    assert by_bid[2].total == Decimal("20.00")


def test_trimming_drops_the_highest_and_lowest_with_five_or_more_experts():
    points = {1: {1: [10, 20, 20, 20, 50]}}
    assert awards.combine(points, {1: 100}, None, trim=False)[0].technical == Decimal("24.00")
    assert awards.combine(points, {1: 100}, None, trim=True)[0].technical == Decimal("20.00")
    three = {1: {1: [10, 20, 60]}}  # too few to trim
    assert awards.combine(three, {1: 100}, None, trim=True)[0].technical == Decimal("30.00")


def test_ties_break_on_technical_then_price_then_recorded_lots():
    # Same total (60 + 5 = 55 + 10): the higher technical score wins.
    same_total = awards.combine({1: {1: [60]}, 2: {1: [55]}}, {1: 200, 2: 100}, 10, trim=False)
    assert [r.bid_id for r in same_total] == [1, 2] and same_total[0].total == Decimal("65.00") == same_total[1].total
    # Same total and technical (price not scored): the lower price wins, no lots needed.
    by_price = awards.combine({1: {1: [50]}, 2: {1: [50]}}, {1: 200, 2: 100}, None, trim=False)
    assert [r.bid_id for r in by_price] == [2, 1] and not by_price[0].tie_note
    # Equal on everything: lots, drawn by the system and recorded.
    drawn = awards.combine({1: {1: [50]}, 2: {1: [50]}, 3: {1: [40]}}, {1: 100, 2: 100, 3: 100}, None,
                               trim=False, draw=lambda n: n - 1)
    assert [r.bid_id for r in drawn] == [2, 1, 3] and "抽签" not in drawn[2].tie_note
    assert drawn[0].tie_note == drawn[1].tie_note != ""


# --- the process -----------------------------------------------------------------------------------

@pytest.fixture
def opened(app, tender_world, frozen, make_user):
    """A tender with three opened bids and a panel of two experts."""
    world = tender_world
    world["expert2"] = make_user("expert2@example.cn", "郑敏", roles={Role.EXPERT: None})
    world["tender"] = published_tender(app, world)
    prices = {0: 10_000_000, 1: 9_000_000, 2: 12_000_000}
    world["bids"] = {n: bid(app, world, n, price) for n, price in prices.items()}
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        for expert in ("expert", "expert2"):
            awards.add_expert(user(world["buyer"]), tender, user(world[expert]))
    frozen.advance(days=22)
    with command(app):
        assert tenders.get_tender(None, world["tender"]).status == "opened"
    return world


def _declare_and_score(app, world, expert, points_by_bid):
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        answers = {world["bids"][n]: (False, "") for n in range(3)}
        awards.declare(user(world[expert]), tender, answers)
        criteria = [c.id for c in tender.criteria]
        for n, (a, b) in points_by_bid.items():
            awards.score(user(world[expert]), tender, world["bids"][n], dict(zip(criteria, (a, b))),
                             {c: "理由充分" for c in criteria})


def test_experts_declare_before_seeing_bids_and_members_are_excluded(app, opened):
    world = opened
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        with pytest.raises(ServiceError) as refused:
            awards.bids_to_score(user(world["expert"]), tender)
        assert refused.value.code == "conflicts_undeclared"
        with pytest.raises(PermissionDenied):
            awards.bids_to_score(user(world["resident"]), tender)
        # expert2 works for the first bidder: a conflict whatever they answer.
        db.session.add(Membership(user_id=world["expert2"], organization_id=world["org0"], is_owner=False,
                                  added_at=tender.created_at))
        db.session.commit()
        awards.declare(user(world["expert2"]), tender, {world["bids"][n]: (False, "") for n in range(3)})
        readable = [b.id for b, _content in awards.bids_to_score(user(world["expert2"]), tender)]
        assert world["bids"][0] not in readable and len(readable) == 2
        criteria = [c.id for c in tender.criteria]
        with pytest.raises(PermissionDenied) as refused:
            awards.score(
                user(world["expert2"]), tender, world["bids"][0], {c: 1 for c in criteria}, {c: "x" for c in criteria}
            )
        assert refused.value.code == "conflicted_bid"
        with pytest.raises(ServiceError) as refused:
            awards.declare(user(world["expert2"]), tender, {})
        assert refused.value.code == "already_declared"


def test_scores_are_hidden_until_all_have_scored_then_ranked_and_awarded(app, opened, frozen, client, login):
    world = opened
    _declare_and_score(app, world, "expert", {0: (35, 25), 1: (30, 20), 2: (38, 29)})
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        assert {s.expert_id for s in awards.visible_scores(user(world["expert2"]), tender)} == set()
        with pytest.raises(ServiceError) as refused:
            awards.complete(user(world["buyer"]), tender)
        assert refused.value.code == "scoring_incomplete"
    _declare_and_score(app, world, "expert2", {0: (31, 29), 1: (30, 24), 2: (36, 27)})
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        assert len(awards.visible_scores(user(world["expert2"]), tender)) == 12
        ranking = awards.complete(user(world["buyer"]), tender)
        # A: (35+31)/2 + (25+29)/2 = 33 + 27 = 60; price 90/100×30 = 27 → 87
        # B: 30 + 22 = 52; price 30 → 82.  C: 37 + 28 = 65; price 22.5 → 87.5
        assert [(r.bid_id, r.total, r.rank) for r in ranking] == [
            (world["bids"][2], "87.50", 1), (world["bids"][0], "87.00", 2), (world["bids"][1], "82.00", 3)]
        with pytest.raises(ServiceError) as refused:
            awards.award(user(world["buyer"]), tender, world["bids"][0])
        assert refused.value.code == "top_ranked_passed_over_without_reason" and refused.value.field == "reason"
        record = awards.award(user(world["buyer"]), tender, world["bids"][2])
        assert record.notice_ends_at == record.awarded_at + timedelta(days=9)  # 7 working days over a weekend
        kinds = [
            e.kind
            for e in db.session.scalars(
                db.select(TimelineEvent).filter_by(request_id=world["request"]).order_by(TimelineEvent.id)
            )
        ]
        assert kinds[-1] == "tender_awarded"
    page = client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
    assert "社会组织2号" in page and "87.50" in page and "公示至" in page


def _awarded_to_organization_2(app, world):
    """Both experts score, the ranking is completed and organization 2 wins."""
    _declare_and_score(app, world, "expert", {0: (35, 25), 1: (30, 20), 2: (38, 29)})
    _declare_and_score(app, world, "expert2", {0: (31, 29), 1: (30, 24), 2: (36, 27)})
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        awards.complete(user(world["buyer"]), tender)
        awards.award(user(world["buyer"]), tender, world["bids"][2])
    return world


def test_challenges_during_notice_block_the_contract_until_answered(app, opened, frozen):
    world = _awarded_to_organization_2(app, opened)
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        with pytest.raises(PermissionDenied) as refused:
            awards.file_challenge(user(world["owner3"]), tender, world["org3"], "我们认为评分不公正，理由如下。")
        assert refused.value.code == "not_a_bidder"
        with pytest.raises(ServiceError) as refused:
            awards.file_challenge(user(world["owner1"]), tender, world["org1"], "不服")
        assert refused.value.code == "challenge_grounds_missing" and refused.value.field == "grounds"
        challenge_id = awards.file_challenge(
            user(world["owner1"]), tender, world["org1"], "第2名的团队资质与方案不符，请复核评分。"
        ).id
    frozen.advance(days=10)
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        assert awards.contract_blockers(tender) == ["1 项质疑尚未答复。"]
        with pytest.raises(ServiceError) as refused:
            awards.file_challenge(user(world["owner0"]), tender, world["org0"], "迟到的质疑，理由如下。")
        assert refused.value.code == "challenge_period_over"
        awards.answer_challenge(user(world["buyer"]), challenge_id, "经复核，评分无误。")
        assert awards.contract_blockers(tender) == []


def test_only_losing_bidders_may_challenge_and_only_they_see_the_form(app, opened, client, login):
    world = _awarded_to_organization_2(app, opened)
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        with pytest.raises(PermissionDenied):
            awards.file_challenge(
                user(world["owner2"]), tender, world["org2"], "我们对本次评审结果有异议，请复核。"
            )
        assert awards.challengers(user(world["owner2"]), tender) == []
        assert [o.id for o in awards.challengers(user(world["owner1"]), tender)] == [world["org1"]]
        assert awards.challenges(tender) == []
    action = f'action="/procurement/tenders/{world["tender"]}/challenges"'
    login("org2@example.cn")
    assert action not in client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
    client.submit("/logout", {})
    login("org1@example.cn")
    assert action in client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
    client.submit("/logout", {})
    login("org3@example.cn")  # not a bidder at all
    assert action not in client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
