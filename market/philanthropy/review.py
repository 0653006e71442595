"""The expert review of a round's proposals and the pitch: conflict declarations, score sheets on the
round's rubric, the panel's mean and the shortlist, pitch scores, and the selection within the grants
pool, published with the scores."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from market import clock
from market.accounts.models import User
from market.core import scoring, text, unit
from market.core.errors import PermissionDenied, ServiceError
from market.core.money import format_fen
from market.core.unit import refuse_if_taken
from market.evaluation import rubrics
from market.evaluation.services import parse_points
from market.extensions import db
from market.needs import timeline
from market.philanthropy.actions import ROUND_ACTIONS
from market.philanthropy.models import PROPOSAL_MACHINE, ROUND_MACHINE, PitchScore, Proposal, ProposalReview, Round
from market.philanthropy.rounds import is_reviewer, pot_balance, proposals_of, require_manager, reviewers


def start_review(actor: User, round_: Round) -> None:
    ROUND_ACTIONS.require(actor, round_, "start_review")
    if proposals_of(round_, ("submitted",)):
        raise ServiceError(_("Check every proposal's eligibility first."))
    if not reviewers(round_):
        raise ServiceError(_("Add at least one expert to the review panel."))
    ROUND_MACHINE.move(round_, "review", actor, "")
    unit.flush()


def _require_reviewer(actor, proposal: Proposal) -> None:
    if not is_reviewer(actor, proposal.round):
        raise PermissionDenied(_("Only an expert on this round's panel can do this."))


def review_of(proposal: Proposal, reviewer_id: int) -> ProposalReview | None:
    return db.session.scalar(select(ProposalReview).filter_by(proposal_id=proposal.id, reviewer_id=reviewer_id))


def declare(actor: User, proposal: Proposal, conflict: bool, note: str) -> ProposalReview:
    """Declare before seeing anything to score; a member of the applicant is conflicted whatever they say."""
    _require_reviewer(actor, proposal)
    if proposal.round.status != "review" or proposal.status != "eligible":
        raise ServiceError(_("Proposals are reviewed during the expert review."))
    if review_of(proposal, actor.id) is not None:
        raise ServiceError(_("You have declared for this proposal already."))
    note = text.clean(note, 2000)
    if proposal.organization_id in actor.organization_ids():
        conflict, note = True, note or _("A member of the applicant organization.")
    if conflict and not note:
        raise ServiceError(_("Describe the conflict of interest."), field="note", code="conflict_not_described")
    review = ProposalReview(proposal_id=proposal.id, reviewer_id=actor.id, conflict=conflict, conflict_note=note,
                            points={}, declared_at=clock.now())
    db.session.add(review)
    refuse_if_taken(_("You have declared for this proposal already."))
    return review


def score_review(actor: User, proposal: Proposal, values: dict[int, str], comment: str, submit: bool
                 ) -> ProposalReview:
    """Save an expert's points per indicator of the round's rubric; submitting totals the sheet."""
    _require_reviewer(actor, proposal)
    review = review_of(proposal, actor.id)
    if review is None:
        raise ServiceError(_("Declare any conflict of interest first."))
    if review.conflict:
        raise PermissionDenied(_("You declared a conflict of interest and do not score this proposal."))
    if review.submitted_at is not None or proposal.round.status != "review":
        raise ServiceError(_("This sheet is closed."))
    points = dict(review.points or {})
    for indicator in rubrics.leaves(proposal.round.rubric):
        value = (values.get(indicator.id) or "").strip()
        if not value:
            continue
        parsed = parse_points(value, indicator.points, indicator.allow_na, indicator.name)
        points[str(indicator.id)] = None if parsed is scoring.NA else scoring.to_centipoints(parsed)
    review.points = points
    review.comment = text.clean(comment, 4000)
    if submit:
        missing = [i.name for i in rubrics.leaves(proposal.round.rubric) if str(i.id) not in points]
        if missing:
            raise ServiceError(_("Score every indicator first: %(names)s.", names="、".join(missing)))
        review.total_cp = scoring.to_centipoints(review_total(proposal, review))
        review.submitted_at = clock.now()
    unit.flush()
    return review


def review_total(proposal: Proposal, review: ProposalReview) -> Decimal:
    leaf_scores = {int(k): scoring.from_centipoints(v) for k, v in (review.points or {}).items()}
    return scoring.score_tree(rubrics.tree(proposal.round.rubric), leaf_scores, proposal.round.rubric.cap).total


def reviews(proposal: Proposal) -> list[ProposalReview]:
    return db.session.scalars(select(ProposalReview).filter_by(proposal_id=proposal.id)
                              .order_by(ProposalReview.id)).all()


def review_progress(round_: Round) -> dict[int, tuple[int, int]]:
    """{proposal id: (sheets submitted, reviewers without a conflict)} for the eligible proposals."""
    panel = len(reviewers(round_))
    rows = db.session.execute(select(ProposalReview.proposal_id, func.count(ProposalReview.submitted_at),
                                     func.sum(func.cast(ProposalReview.conflict, db.Integer)))
                              .join(Proposal).where(Proposal.round_id == round_.id)
                              .group_by(ProposalReview.proposal_id)).all()
    found = {pid: (int(done), panel - int(conflicted or 0)) for pid, done, conflicted in rows}
    return {p.id: found.get(p.id, (0, panel)) for p in proposals_of(round_, ("eligible",))}


def start_pitch(actor: User, round_: Round, shortlisted_ids: list[int]) -> None:
    """Close the review: every proposal's review score is the panel's mean; the shortlisted pitch."""
    require_manager(actor, round_)
    eligible = proposals_of(round_, ("eligible",))
    progress = review_progress(round_)
    for proposal in eligible:
        done, needed = progress[proposal.id]
        if needed == 0 or done < needed:
            raise ServiceError(_("“%(title)s” still waits for its reviewers' sheets.", title=proposal.title))
    chosen = set(shortlisted_ids)
    if not chosen or not chosen <= {p.id for p in eligible}:
        raise ServiceError(_("Shortlist at least one eligible proposal for the pitch."), field="shortlisted")
    for proposal in eligible:
        totals = [scoring.from_centipoints(r.total_cp) for r in reviews(proposal) if r.submitted_at is not None]
        proposal.review_cp = scoring.to_centipoints(scoring.rounded(scoring.panel_mean(totals)))
        PROPOSAL_MACHINE.move(proposal, "shortlisted" if proposal.id in chosen else "declined", actor,
                              "" if proposal.id in chosen else _("Not shortlisted for the pitch."))
    ROUND_MACHINE.move(round_, "pitch", actor, "")
    unit.flush()


def record_pitch(actor: User, proposal: Proposal, value: str) -> PitchScore:
    _require_reviewer(actor, proposal)
    if proposal.round.status != "pitch" or proposal.status != "shortlisted":
        raise ServiceError(_("Pitches are scored during the pitch."))
    review = review_of(proposal, actor.id)
    if review is not None and review.conflict:
        raise PermissionDenied(_("You declared a conflict of interest and do not score this proposal."))
    points = parse_points(value, 100, False, _("Pitch"))
    score = PitchScore(proposal_id=proposal.id, reviewer_id=actor.id, points_cp=scoring.to_centipoints(points),
                       recorded_at=clock.now())
    db.session.add(score)
    refuse_if_taken(_("You have scored this pitch already."))
    return score


def pitch_scores(proposal: Proposal) -> list[PitchScore]:
    return db.session.scalars(select(PitchScore).filter_by(proposal_id=proposal.id).order_by(PitchScore.id)).all()


def final_score(review: Decimal, pitch: Decimal, pitch_weight: int) -> Decimal:
    """The review's and the pitch's scores weighted by the round's pitch weight (percent)."""
    return scoring.rounded((review * (100 - pitch_weight) + pitch * pitch_weight) / 100)


def select_projects(actor: User, round_: Round, selected_ids: list[int], reason: str) -> list[Proposal]:
    """Score the pitches and fund the chosen projects within the grants pool; published with scores."""
    require_manager(actor, round_)
    shortlisted = proposals_of(round_, ("shortlisted",))
    for proposal in shortlisted:
        scores = pitch_scores(proposal)
        if not scores and round_.pitch_weight:
            raise ServiceError(_("“%(title)s” has no pitch score yet.", title=proposal.title))
        pitch = scoring.rounded(scoring.panel_mean([scoring.from_centipoints(s.points_cp) for s in scores])) \
            if scores else Decimal(0)
        proposal.pitch_cp = scoring.to_centipoints(pitch) if scores else None
        proposal.final_cp = scoring.to_centipoints(final_score(scoring.from_centipoints(proposal.review_cp), pitch,
                                                               round_.pitch_weight))
    chosen = [p for p in shortlisted if p.id in set(selected_ids)]
    if not chosen or len(chosen) != len(set(selected_ids)):
        raise ServiceError(_("Select at least one shortlisted project."), field="selected")
    total = sum(p.requested_fen for p in chosen)
    available = pot_balance(round_, "grants")
    if total > available:
        raise ServiceError(_("The selected projects ask for %(total)s; the grants pool holds %(pool)s.",
                             total=format_fen(total), pool=format_fen(available)), field="selected")
    ranked = sorted(shortlisted, key=lambda p: (-p.final_cp, p.id))
    skipped = [p for p in ranked if p not in chosen and any(c.final_cp < p.final_cp for c in chosen)]
    reason = text.clean(reason, 2000)
    if skipped and not reason:
        raise ServiceError(_("A project with a higher score is left out; give the reason, it is published."),
                           field="reason")
    for proposal in shortlisted:
        if proposal in chosen:
            PROPOSAL_MACHINE.move(proposal, "selected", actor, reason)
            for request in proposal.requests:
                timeline.record("project_selected", actor, request=request, round_id=round_.id,
                                proposal_id=proposal.id, title=proposal.title,
                                organization=proposal.organization.name, amount_fen=proposal.requested_fen)
        else:
            PROPOSAL_MACHINE.move(proposal, "declined", actor, reason)
    ROUND_MACHINE.move(round_, "selection", actor, reason)
    unit.flush()
    return chosen
