"""Expert scoring (综合评分法), award and challenge.

Arithmetic is exact: Decimal with two places, rounded half up. Price score = lowest valid
price ÷ this bid's price × price weight. Ties: higher technical score, then lower price, then
lots drawn by the system and recorded with the result.
"""
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import scoring, text, unit
from market.core.errors import PermissionDenied, Problem, ServiceError, existing
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.needs import timeline
from market.notifications import services as notifications
from market.procurement import questions, sealing, signals, tenders
from market.procurement.actions import PANEL_ACTIONS, TENDER_ACTIONS
from market.procurement.models import (
    TENDER_MACHINE,
    Award,
    Bid,
    BidResult,
    Challenge,
    ConflictDeclaration,
    PanelMember,
    Score,
    Tender,
)
from market.rules import services as rules

CENT = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- the panel and conflicts ---------------------------------------------------------------------

def add_expert(actor: User, tender: Tender, expert: User) -> PanelMember:
    TENDER_ACTIONS.require(actor, tender, "form_panel")
    if not expert.has_role(Role.EXPERT):
        raise ServiceError(_("Only expert reviewers can sit on a panel."), field="expert_id")
    member = PanelMember(tender_id=tender.id, expert_id=expert.id, added_at=clock.now(), added_by_id=actor.id)
    db.session.add(member)
    refuse_if_taken(_("This expert is on the panel already."), field="expert_id")
    notifications.notify(expert, "panel_added", {"title": tender.title},
                         ("procurement.tender", {"tender_id": tender.id}))
    return member


def panel(tender: Tender) -> list[PanelMember]:
    return db.session.scalars(select(PanelMember).where(PanelMember.tender_id == tender.id)
                              .order_by(PanelMember.id)).all()


def _require_panelist(actor: User, tender: Tender) -> None:
    if not any(m.expert_id == actor.id for m in panel(tender)):
        raise PermissionDenied(_("Only experts on this tender's panel can do this."))


def valid_bids(tender: Tender) -> list[Bid]:
    return db.session.scalars(select(Bid).where(Bid.tender_id == tender.id, Bid.opened_at.is_not(None))
                              .order_by(Bid.id)).all()


def declarations(tender: Tender, expert_id: int) -> dict[int, ConflictDeclaration]:
    return {d.bid_id: d for d in db.session.scalars(select(ConflictDeclaration).filter_by(
        tender_id=tender.id, expert_id=expert_id))}


def declare(actor: User, tender: Tender, answers: dict[int, tuple[bool, str]]) -> None:
    """Declare, for every bidder at once, whether the expert has a conflict of interest.

    Membership of a bidding organization is a conflict whatever the expert says."""
    PANEL_ACTIONS.require(actor, tender, "declare")
    bids = valid_bids(tender)
    if set(answers) != {b.id for b in bids}:
        raise ServiceError(_("Answer for every bidder."))
    now = clock.now()
    for bid in bids:
        conflicted, note = answers[bid.id]
        member = bid.organization_id in actor.organization_ids()
        db.session.add(ConflictDeclaration(tender_id=tender.id, expert_id=actor.id, bid_id=bid.id,
                                           conflicted=conflicted or member, automatic=member,
                                           note=text.clean(note, 500), declared_at=now))
    unit.flush()


def bids_to_score(actor: User, tender: Tender) -> list[tuple[Bid, dict]]:
    """The bids this expert may read and score: only after declaring, never a conflicted one."""
    _require_panelist(actor, tender)
    declared = declarations(tender, actor.id)
    if not declared:
        raise ServiceError(_("Declare your conflicts of interest before you see any bid."), code="conflicts_undeclared")
    return [(bid, sealing.unseal(bid.sealed)) for bid in valid_bids(tender) if not declared[bid.id].conflicted]


def score(actor: User, tender: Tender, bid_id: int, points: dict[int, int], comments: dict[int, str]) -> None:
    """Score every criterion of one bid, each with a comment."""
    PANEL_ACTIONS.require(actor, tender, "score")
    allowed = {bid.id for bid, _content in bids_to_score(actor, tender)}
    if bid_id not in allowed:
        raise PermissionDenied(_("You may not score this bid (declared conflict)."), code="conflicted_bid")
    now = clock.now()
    for criterion in tender.criteria:
        value, comment = points.get(criterion.id), text.clean(comments.get(criterion.id, ""), 2000)
        if value is None or not 0 <= value <= criterion.points:
            raise ServiceError(
                _("Give “%(name)s” from 0 to %(max)s points.", name=criterion.name, max=criterion.points)
            )
        if not comment:
            raise ServiceError(_("Comment on “%(name)s”.", name=criterion.name))
        existing_score = db.session.scalar(select(Score).filter_by(expert_id=actor.id, bid_id=bid_id,
                                                                   criterion_id=criterion.id))
        if existing_score is None:
            db.session.add(Score(tender_id=tender.id, expert_id=actor.id, bid_id=bid_id, criterion_id=criterion.id,
                                 points=value, comment=comment, scored_at=now))
        else:
            existing_score.points, existing_score.comment, existing_score.scored_at = value, comment, now
    unit.flush()


def expert_done(tender: Tender, expert_id: int) -> bool:
    declared = declarations(tender, expert_id)
    if not declared:
        return False
    needed = {(d.bid_id, c.id) for d in declared.values() if not d.conflicted for c in tender.criteria}
    given = set(db.session.execute(select(Score.bid_id, Score.criterion_id).filter_by(
        tender_id=tender.id, expert_id=expert_id)).all())
    return needed <= given


def all_scored(tender: Tender) -> bool:
    members = panel(tender)
    return bool(members) and all(expert_done(tender, m.expert_id) for m in members)


def visible_scores(viewer: User, tender: Tender) -> list[Score]:
    """An expert sees only their own scores until every expert has scored; then all, as does the purchaser."""
    statement = (
        select(Score).where(Score.tender_id == tender.id).order_by(Score.bid_id, Score.criterion_id, Score.expert_id)
    )
    if all_scored(tender) or tender.status in ("evaluated", "awarded", "contracted"):
        return db.session.scalars(statement).all()
    return db.session.scalars(statement.where(Score.expert_id == viewer.id)).all()


# --- combining scores ----------------------------------------------------------------------------

@dataclass
class Ranked:
    bid_id: int
    price_fen: int
    technical: Decimal
    price_score: Decimal
    total: Decimal
    rank: int = 0
    tie_note: str = ""


def combine(criteria_points: dict[int, dict[int, list[int]]], prices: dict[int, int], price_weight: int | None,
            trim: bool, draw=secrets.randbelow) -> list[Ranked]:
    """Pure arithmetic: `criteria_points[bid][criterion]` lists the experts' points.

    A criterion's score is the mean of its points (dropping one highest and one lowest when
    `trim` and at least three remain after). Returned best first, with ranks."""
    lowest = min(prices.values())
    results = []
    for bid_id, by_criterion in criteria_points.items():
        technical = Decimal(0)
        for values in by_criterion.values():
            technical += scoring.panel_mean(values, trim)
        technical = _round(technical)
        price_score = (
            _round(Decimal(lowest) / Decimal(prices[bid_id]) * Decimal(price_weight)) if price_weight else Decimal(0)
        )
        results.append(Ranked(bid_id, prices[bid_id], technical, price_score, technical + price_score))
    results.sort(key=lambda r: (-r.total, -r.technical, r.price_fen))
    # Whatever is still tied on all three is settled by lots, and the draw is recorded.
    index = 0
    while index < len(results):
        group = [r for r in results[index:] if (r.total, r.technical, r.price_fen)
                 == (results[index].total, results[index].technical, results[index].price_fen)]
        if len(group) > 1:
            order = []
            pool = list(group)
            while pool:
                order.append(pool.pop(draw(len(pool))))
            note = _("Tied on total, technical score and price; order drawn by lot: %(order)s",
                     order=", ".join(str(r.bid_id) for r in order))
            for r in order:
                r.tie_note = note
            results[index:index + len(group)] = order
        index += len(group)
    for rank, result in enumerate(results, start=1):
        result.rank = rank
    return results


def complete(actor: User, tender: Tender) -> list[BidResult]:
    """Close the evaluation: every expert has scored; results and ranks are stored and public."""
    TENDER_ACTIONS.require(actor, tender, "complete_evaluation")
    if not all_scored(tender):
        raise ServiceError(_("Not every expert has declared and scored every bid."), code="scoring_incomplete")
    points: dict[int, dict[int, list[int]]] = {b.id: {c.id: [] for c in tender.criteria} for b in valid_bids(tender)}
    for s in db.session.scalars(select(Score).where(Score.tender_id == tender.id)):
        points[s.bid_id][s.criterion_id].append(s.points)
    unscored = [bid_id for bid_id, by in points.items() if any(not values for values in by.values())]
    if unscored:
        raise ServiceError(_("Every expert declared a conflict with a bid; form a new panel."))
    prices = {b.id: b.price_fen for b in valid_bids(tender)}
    results = [
        BidResult(
            tender_id=tender.id,
            bid_id=r.bid_id,
            technical=str(r.technical),
            price_score=str(r.price_score),
            total=str(r.total),
            rank=r.rank,
            tie_note=r.tie_note,
        )
        for r in combine(points, prices, tender.price_weight, tender.trim_extremes)
    ]
    db.session.add_all(results)
    TENDER_MACHINE.move(tender, "evaluated", actor, "")
    unit.flush()
    return results


def results(tender: Tender) -> list[BidResult]:
    return db.session.scalars(select(BidResult).where(BidResult.tender_id == tender.id).order_by(BidResult.rank)).all()


# --- award and challenge -------------------------------------------------------------------------

def award(actor: User, tender: Tender, bid_id: int, reason: str = "") -> Award:
    """Award a bid; anything but the top-ranked one needs a reason. Opens the notice period."""
    TENDER_ACTIONS.require(actor, tender, "award")
    ranking = results(tender)
    if not ranking:
        raise ServiceError(_("Complete the evaluation first."))
    chosen = next((r for r in ranking if r.bid_id == bid_id), None)
    if chosen is None:
        raise ServiceError(_("Choose one of the evaluated bids."))
    reason = text.clean(reason, 2000)
    if chosen.rank != 1 and not reason:
        raise ServiceError(_("Say why the top-ranked bid is not chosen."), field="reason",
                           code="top_ranked_passed_over_without_reason")
    now = clock.now()
    days = rules.in_force()["challenge_working_days"]
    record = Award(tender_id=tender.id, bid_id=bid_id, reason=reason, awarded_at=now, awarded_by_id=actor.id,
                   notice_ends_at=rules.add_working_days(now, days))
    db.session.add(record)
    db.session.flush()
    TENDER_MACHINE.move(tender, "awarded", actor, reason)
    # The award drafts the contract and commits the department's budget, in this transaction.
    try:
        signals.award_made.send(record, actor=actor)
    except ServiceError:
        db.session.rollback()
        raise
    organization = chosen.bid.organization
    tenders.notify_bidders(tender, "bidder_tender_awarded", lambda: _("“%(title)s” is awarded", title=tender.title),
                           organization=organization.name, until=record.notice_ends_at.isoformat())
    for request in tender.requests:
        timeline.record("tender_awarded", actor, request=request, tender_id=tender.id, organization=organization.name,
                        organization_id=organization.id)
    unit.flush()
    return record


def award_of(tender: Tender) -> Award | None:
    return db.session.scalar(select(Award).where(Award.tender_id == tender.id))


def file_challenge(actor: User, tender: Tender, organization_id: int, grounds: str) -> Challenge:
    record = award_of(tender)
    if record is None or tender.status != "awarded":
        raise ServiceError(_("There is no award to challenge."))
    if organization_id not in actor.organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))
    if db.session.scalar(select(Bid.id).filter_by(tender_id=tender.id, organization_id=organization_id)) is None:
        raise PermissionDenied(_("Only bidders may challenge the award."), code="not_a_bidder")
    if organization_id == record.bid.organization_id:
        raise PermissionDenied(_("The awarded bidder cannot challenge its own award."))
    now = clock.now()
    if now >= record.notice_ends_at:
        raise ServiceError(_("The notice period has ended; challenges are closed."), code="challenge_period_over")
    grounds = text.clean(grounds, 10000)
    if len(grounds) < 10:
        raise ServiceError(_("State the grounds of the challenge."), field="grounds", code="challenge_grounds_missing")
    days = rules.in_force()["challenge_answer_working_days"]
    challenge = Challenge(tender_id=tender.id, organization_id=organization_id, filed_by_id=actor.id, grounds=grounds,
                          filed_at=now, answer_due_at=rules.add_working_days(now, days))
    db.session.add(challenge)
    tenders.tell_purchasers(tender, "challenge_filed", actor, due=clock.china_date(challenge.answer_due_at).isoformat())
    unit.flush()
    return challenge


def challengers(actor, tender: Tender) -> list:
    """The actor's organizations that may challenge the award now: losing bidders only, during the notice."""
    record = award_of(tender)
    if record is None or tender.status != "awarded" or clock.now() >= record.notice_ends_at:
        return []
    if not (actor and actor.is_authenticated):
        return []
    bidders = set(db.session.scalars(select(Bid.organization_id).where(
        Bid.tender_id == tender.id, Bid.organization_id.in_(actor.organization_ids()))))
    return [m.organization for m in actor.memberships
            if m.organization_id in bidders and m.organization_id != record.bid.organization_id]


def answer_challenge(actor: User, challenge_id: int, answer_text: str) -> None:
    challenge = existing(Challenge, challenge_id, _("This challenge does not exist."))
    questions.record_answer(actor, challenge, answer_text, _("This challenge is answered already."),
                            "challenge_answered")


def challenges(tender: Tender) -> list[Challenge]:
    return db.session.scalars(select(Challenge).where(Challenge.tender_id == tender.id).order_by(Challenge.id)).all()


def contract_blockers(tender: Tender) -> list[Problem]:
    """Why no contract may be signed yet, each with its code; empty when the award may go to contract."""
    record = award_of(tender)
    if tender.status != "awarded" or record is None:
        return [Problem(_("The tender is not awarded."), code="not_awarded")]
    blockers = []
    if clock.now() < record.notice_ends_at:
        blockers.append(Problem(_("The notice period runs until %(when)s.", when=text.moment(record.notice_ends_at)),
                                code="award_notice_running"))
    open_challenges = sum(1 for c in challenges(tender) if not c.answered_at)
    if open_challenges:
        blockers.append(Problem(_("%(n)s challenges are not answered.", n=open_challenges),
                                code="challenges_unanswered"))
    return blockers
