"""The rules of venture-philanthropy rounds: who runs them, the phases, proposals and their review,
selection within the pool, gifts with a quadratic match, grant agreements and closing the books.

Money moves only through the ledger:
- round:N:grants and round:N:matching hold what sponsors and co-funders put in (RoundFunding);
- proposal:N:pool holds a selected project's gifts (card payments) and, once giving closes, its match;
- a grant agreement commits the grant from round:N:grants and the gifts and match from proposal:N:pool;
- closing or cancelling the round returns what is left to where it came from, in proportion.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from market import clock
from market.accounts.models import User
from market.accounts.roles import Role
from market.contracts import services as contracts
from market.contracts.models import Contract
from market.core import scoring, text, unit
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.core.money import format_fen
from market.core.unit import done_once, refuse_if_taken
from market.evaluation import rubrics
from market.evaluation.services import parse_points
from market.extensions import db
from market.incubation.models import Incubator
from market.incubation.services import ever_incubated
from market.money import ledger, payments
from market.money.models import Account, Entry, IncomingPayment, LedgerTransaction
from market.needs import timeline
from market.needs.models import CommunityRequest
from market.organizations.models import Organization
from market.philanthropy import matching, steps  # noqa: F401  (steps: how round steps read on timelines)
from market.philanthropy.models import (
    FUNDER_KINDS,
    POTS,
    PROPOSAL_MACHINE,
    ROUND_MACHINE,
    Donation,
    MatchResult,
    PitchScore,
    Proposal,
    ProposalBudgetLine,
    ProposalReview,
    Round,
    RoundFunding,
    RoundReviewer,
)
from market.places.models import Department
from market.procurement.undertakers import current_grade

GRANT_SHARES_BP = (5000, 3000, 2000)  # 50/30/20: on starting, after the mid-term review, after the final review
MAX_FEN = 10**12
OPEN_PHASES = ("draft", "call", "screening", "review", "pitch", "selection")  # a round may still be cancelled
LIVE_PROPOSALS = ("submitted", "eligible", "shortlisted", "selected")


# --- who may do what ------------------------------------------------------------------------------

def sponsor_choices(user) -> list[tuple[str, str]]:
    """What a person may open a round for: their departments, and the foundations and incubator
    operators they act for. Values are "department:N" or "organization:N"."""
    if not (user and user.is_authenticated):
        return []
    choices = [(f"department:{d.id}", d.name) for d in db.session.scalars(
        select(Department).where(Department.id.in_(user.department_ids())).order_by(Department.id))]
    operators = set(db.session.scalars(select(Incubator.operator_id)))
    choices += [(f"organization:{o.id}", o.name) for o in db.session.scalars(
        select(Organization).where(Organization.id.in_(user.acting_organization_ids()),
                                   Organization.status == "approved").order_by(Organization.id))
        if o.org_type == "foundation" or o.id in operators]
    return choices


def may_manage(user, round_: Round) -> bool:
    """The sponsor's people: purchasers of the department, or members of the sponsoring organization."""
    if not (user and user.is_authenticated):
        return False
    if round_.department_id is not None:
        return round_.department_id in user.department_ids()
    return round_.organization_id in user.acting_organization_ids()


def _require_manager(actor, round_: Round) -> None:
    if not may_manage(actor, round_):
        raise PermissionDenied(_("Only the round's sponsor can do this."))


def is_reviewer(user, round_: Round) -> bool:
    return bool(user and user.is_authenticated and db.session.scalar(
        select(RoundReviewer.id).filter_by(round_id=round_.id, user_id=user.id)) is not None)


def get_round(viewer, round_id: int) -> Round:
    """Rounds are public once the call opens; a draft is seen by its sponsor."""
    found = db.session.get(Round, round_id)
    if found is None or (found.status == "draft" and not may_manage(viewer, found)):
        raise NotFound(_("This round does not exist."))
    return found


def rounds_select(status: str | None = None):
    statement = select(Round).where(Round.status != "draft")
    if status:
        statement = statement.where(Round.status == status)
    return statement.order_by(Round.id.desc())


def results_public(round_: Round) -> bool:
    """Scores and the selection are public from the selection on (no reviewer's sheet before)."""
    return round_.status not in ("draft", "call", "screening", "review", "pitch", "cancelled") \
        or (round_.status == "cancelled" and any(p.final_cp is not None for p in proposals_of(round_)))


def may_read_proposal(user, proposal: Proposal) -> bool:
    if results_public(proposal.round) and proposal.status not in ("submitted", "withdrawn"):
        return True
    return bool(user and user.is_authenticated) and (
        proposal.organization_id in user.organization_ids() or may_manage(user, proposal.round)
        or is_reviewer(user, proposal.round))


def get_proposal(viewer, proposal_id: int) -> Proposal:
    found = db.session.get(Proposal, proposal_id)
    if found is None or not may_read_proposal(viewer, found):
        raise NotFound(_("This proposal does not exist or is not public yet."))
    return found


# --- rounds ----------------------------------------------------------------------------------------

@dataclass
class RoundData:
    sponsor: str  # "department:N" or "organization:N"
    title: str
    themes: str
    description: str
    rubric_id: int
    max_grant_fen: int
    match_cap_fen: int | None
    donor_cap_fen: int
    max_age_years: int | None
    incubated_only: bool
    max_grade: int | None
    pitch_weight: int
    proposals_due_at: datetime
    giving_ends_at: datetime
    request_ids: list[int] = field(default_factory=list)


def create_round(actor: User, data: RoundData) -> Round:
    if data.sponsor not in dict(sponsor_choices(actor)):
        raise PermissionDenied(_("Open a round for a department you buy for, or a foundation or incubator you act "
                                 "for."))
    kind, _sep, sponsor_id = data.sponsor.partition(":")
    round_ = Round(number="", department_id=int(sponsor_id) if kind == "department" else None,
                   organization_id=int(sponsor_id) if kind == "organization" else None, status="draft",
                   created_at=clock.now(), created_by_id=actor.id)
    _apply(round_, data)
    db.session.add(round_)
    db.session.flush()
    round_.number = f"CT{round_.created_at.year}-{round_.id:04d}"
    ROUND_MACHINE.start(round_, actor, "")
    unit.flush()
    return round_


def update_round(actor: User, round_: Round, data: RoundData) -> Round:
    _require_manager(actor, round_)
    if round_.status != "draft":
        raise ServiceError(_("A round's rules are fixed once the call opens."))
    _apply(round_, data)
    unit.flush()
    return round_


def _apply(round_: Round, data: RoundData) -> None:
    round_.title = text.required(data.title, 120, _("Give the round a title."), "title")
    round_.themes = text.required(data.themes, 2000, _("Name the round's themes."), "themes")
    round_.description = text.clean(data.description, 10000)
    rubric = db.session.get(rubrics.Rubric, data.rubric_id) if data.rubric_id else None
    if rubric is None or rubric.purpose != "proposal" or rubric.status != "published":
        raise ServiceError(_("Choose a published proposal rubric."), field="rubric_id")
    round_.rubric_id = rubric.id
    if not 0 < data.max_grant_fen <= MAX_FEN:
        raise ServiceError(_("Enter an amount above zero."), field="max_grant")
    if not 0 < data.donor_cap_fen <= MAX_FEN:
        raise ServiceError(_("Enter an amount above zero."), field="donor_cap")
    if data.match_cap_fen is not None and not 0 < data.match_cap_fen <= MAX_FEN:
        raise ServiceError(_("Enter an amount above zero, or leave it empty for no cap."), field="match_cap")
    if data.max_age_years is not None and not 0 < data.max_age_years <= 50:
        raise ServiceError(_("Give the years since registration from 1 to 50, or leave it empty."),
                           field="max_age_years")
    if data.max_grade is not None and data.max_grade not in range(0, 6):
        raise ServiceError(_("Choose a grade."), field="max_grade")
    if not 0 <= data.pitch_weight <= 100:
        raise ServiceError(_("The pitch's weight is a percentage from 0 to 100."), field="pitch_weight")
    if data.proposals_due_at is None or data.giving_ends_at is None:
        raise ServiceError(_("Give both dates."), field="proposals_due_at")
    if data.proposals_due_at <= clock.now():
        raise ServiceError(_("The deadline for proposals must be in the future."), field="proposals_due_at")
    if data.giving_ends_at <= data.proposals_due_at:
        raise ServiceError(_("Giving ends after the deadline for proposals."), field="giving_ends_at")
    round_.max_grant_fen, round_.donor_cap_fen, round_.match_cap_fen = \
        data.max_grant_fen, data.donor_cap_fen, data.match_cap_fen
    round_.max_age_years, round_.incubated_only, round_.max_grade = \
        data.max_age_years, bool(data.incubated_only), data.max_grade
    round_.pitch_weight, round_.proposals_due_at, round_.giving_ends_at = \
        data.pitch_weight, data.proposals_due_at, data.giving_ends_at
    round_.requests = list(db.session.scalars(select(CommunityRequest).where(
        CommunityRequest.id.in_(data.request_ids or [])))) if data.request_ids else []


def pot_balance(round_: Round, pot: str) -> int:
    return ledger.balance("round", round_.id, pot)


def pots(round_: Round) -> dict[str, int]:
    found = ledger.balances("round", [round_.id], list(POTS))
    return {pot: found.get((round_.id, pot), 0) for pot in POTS}


def _funding_source(round_: Round, funder_kind: str):
    """The sponsoring department's own money comes from its budget; anyone else's is a pledge
    recorded against the round (a source account that goes negative by what was pledged)."""
    if round_.department_id is not None and funder_kind == "government":
        return ledger.account("department", round_.department_id, "budget")
    return ledger.account("round", round_.id, "pledged")


def fund(actor: User, round_: Round, pot: str, amount_fen: int, funder_name: str, funder_kind: str,
         reference: str, token: str) -> RoundFunding:
    """Put money into a pot: the sponsor's own, or a co-funder's (a company's matching pledge)."""
    _require_manager(actor, round_)
    if round_.status not in ("draft", "call", "screening", "review", "pitch", "selection"):
        raise ServiceError(_("Money is added to a round until its projects are selected."))
    if pot not in POTS:
        raise ServiceError(_("Choose the grants pool or the matching pool."), field="pot")
    if funder_kind not in FUNDER_KINDS:
        raise ServiceError(_("Choose who the money comes from."), field="funder_kind")
    if not 0 < amount_fen <= MAX_FEN:
        raise ServiceError(_("Enter an amount above zero."), field="amount")
    funder_name = text.required(funder_name, 100, _("Name the funder."), "funder_name")
    reference = text.required(reference, 200, _("Give the document's number or a description."), "reference")
    if not token or len(token) > 40:
        raise ServiceError(_("The form expired; open it again."))
    key = f"round-fund:{round_.id}:{token}"
    round_id, actor_id = round_.id, actor.id

    def record_funding() -> RoundFunding:
        source = _funding_source(round_, funder_kind)
        try:
            ledger.transfer("round_funding", key, source, ledger.account("round", round_id, pot), amount_fen,
                            memo=f"{funder_name} {reference}", actor=actor)
        except ledger.InsufficientFunds:
            db.session.rollback()
            raise ServiceError(_("The department's uncommitted budget cannot carry %(amount)s; record the budget "
                                 "first.", amount=format_fen(amount_fen)), field="amount") from None
        existing_record = db.session.scalar(select(RoundFunding).filter_by(ledger_key=key))
        if existing_record is not None:  # the same form sent twice
            return existing_record
        record = RoundFunding(round_id=round_id, pot=pot, funder_name=funder_name, funder_kind=funder_kind,
                              amount_fen=amount_fen, reference=reference, ledger_key=key, recorded_by_id=actor_id,
                              recorded_at=clock.now())
        db.session.add(record)
        unit.flush()
        return record

    # The same form sent twice at once: the second waits on the key, then answers with the first's record.
    return done_once(record_funding, lambda: db.session.scalar(select(RoundFunding).filter_by(ledger_key=key)))


def fundings(round_: Round) -> list[RoundFunding]:
    return db.session.scalars(select(RoundFunding).filter_by(round_id=round_.id).order_by(RoundFunding.id)).all()


def add_reviewer(actor: User, round_: Round, email: str) -> RoundReviewer:
    _require_manager(actor, round_)
    if round_.status not in ("draft", "call", "screening", "review"):
        raise ServiceError(_("Reviewers are added before the expert review ends."))
    expert = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if expert is None or not expert.has_role(Role.EXPERT):
        raise ServiceError(_("No expert reviewer has this e-mail address."), field="email")
    reviewer = RoundReviewer(round_id=round_.id, user_id=expert.id, added_at=clock.now())
    db.session.add(reviewer)
    refuse_if_taken(_("This expert is on the panel already."), field="email")
    return reviewer


def reviewers(round_: Round) -> list[RoundReviewer]:
    return db.session.scalars(select(RoundReviewer).filter_by(round_id=round_.id).order_by(RoundReviewer.id)).all()


def open_call(actor: User, round_: Round) -> None:
    _require_manager(actor, round_)
    if round_.proposals_due_at <= clock.now():
        raise ServiceError(_("The deadline for proposals has passed; change it first."))
    if pot_balance(round_, "grants") <= 0:
        raise ServiceError(_("Put money into the grants pool before opening the call."))
    ROUND_MACHINE.move(round_, "call", actor, "")
    for request in round_.requests:
        timeline.record("round_opened", actor, request=request, round_id=round_.id, number=round_.number,
                        title=round_.title)
    unit.flush()


# --- proposals --------------------------------------------------------------------------------------

def eligibility_problems(round_: Round, organization: Organization) -> list[str]:
    """Why an organization may not apply to this round; empty when it may."""
    problems = []
    if organization.status != "approved":
        problems.append(_("The organization is not approved by civil affairs."))
    if round_.max_age_years is not None:
        registered_years = (clock.today() - organization.registered_on).days // 365
        if registered_years >= round_.max_age_years:
            problems.append(_("The round is for organizations registered less than %(years)s years ago.",
                              years=round_.max_age_years))
    if round_.incubated_only:
        if not ever_incubated(organization.id):
            problems.append(_("The round is for organizations that are or were in an incubator."))
    if round_.max_grade is not None:
        grade = current_grade(organization.id) or 0
        if grade > round_.max_grade:
            problems.append(_("The round is for organizations graded %(grade)sA or lower, or not graded.",
                              grade=round_.max_grade) if round_.max_grade else
                            _("The round is for organizations without a grade."))
    if round_.organization_id == organization.id:
        problems.append(_("The sponsor cannot apply to its own round."))
    return problems


@dataclass
class BudgetLineData:
    item: str
    amount_fen: int


@dataclass
class ProposalData:
    organization_id: int
    category_id: int
    title: str
    problem: str
    target_group: str
    inputs: str
    activities: str
    outputs: str
    outcomes: str
    months: int
    budget: list[BudgetLineData] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)


def submit_proposal(actor: User, round_: Round, data: ProposalData) -> Proposal:
    if data.organization_id not in actor.organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))
    if round_.status != "call" or clock.now() >= round_.proposals_due_at:
        raise ServiceError(_("The round is not taking proposals."))
    organization = db.session.get(Organization, data.organization_id)
    problems = eligibility_problems(round_, organization)
    if problems:
        raise ServiceError(" ".join(problems), field="organization_id")
    if db.session.scalar(select(Proposal.id).where(Proposal.round_id == round_.id,
                                                   Proposal.organization_id == organization.id,
                                                   Proposal.status.in_(LIVE_PROPOSALS))) is not None:
        raise ServiceError(_("The organization has a proposal in this round already."), field="organization_id")
    lines = []
    for position, line in enumerate(data.budget):
        item = text.clean(line.item, 120)
        if not item and not line.amount_fen:
            continue
        if not item or not 0 < line.amount_fen <= MAX_FEN:
            raise ServiceError(_("Every budget line has an item and an amount above zero."), field="budget")
        lines.append(ProposalBudgetLine(position=position, item=item, amount_fen=line.amount_fen))
    if not lines:
        raise ServiceError(_("Give at least one budget line."), field="budget")
    requested = sum(line.amount_fen for line in lines)
    if requested > round_.max_grant_fen:
        raise ServiceError(_("The budget (%(total)s) is more than the round's largest grant (%(max)s).",
                             total=format_fen(requested), max=format_fen(round_.max_grant_fen)), field="budget")
    if not 1 <= (data.months or 0) <= 36:
        raise ServiceError(_("A project runs from 1 to 36 months."), field="months")
    proposal = Proposal(
        round_id=round_.id, organization_id=organization.id, category_id=data.category_id,
        title=text.required(data.title, 120, _("Give the project a title."), "title"),
        problem=text.required(data.problem, 10000, _("Describe the problem."), "problem"),
        target_group=text.required(data.target_group, 4000, _("Say who the project serves."), "target_group"),
        inputs=text.required(data.inputs, 4000, _("List the inputs."), "inputs"),
        activities=text.required(data.activities, 10000, _("List the activities."), "activities"),
        outputs=text.required(data.outputs, 4000, _("List the outputs."), "outputs"),
        outcomes=text.required(data.outcomes, 4000, _("Describe the outcomes."), "outcomes"),
        months=data.months, requested_fen=requested, submitted_by_id=actor.id, submitted_at=clock.now(),
        status="submitted")
    proposal.budget_lines = lines
    proposal.requests = list(db.session.scalars(select(CommunityRequest).where(
        CommunityRequest.id.in_(data.request_ids)))) if data.request_ids else []
    db.session.add(proposal)
    db.session.flush()
    PROPOSAL_MACHINE.start(proposal, actor, "")
    unit.flush()
    return proposal


def withdraw(actor: User, proposal: Proposal, reason: str) -> None:
    if proposal.organization_id not in actor.organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))
    if proposal.status == "selected":
        cancel_project(actor, proposal, reason)
        return
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    PROPOSAL_MACHINE.move(proposal, "withdrawn", actor, reason)
    unit.flush()


def proposals_of(round_: Round, statuses=None) -> list[Proposal]:
    statement = select(Proposal).where(Proposal.round_id == round_.id)
    if statuses:
        statement = statement.where(Proposal.status.in_(statuses))
    return db.session.scalars(statement.order_by(Proposal.final_cp.desc().nulls_last(),
                                                 Proposal.review_cp.desc().nulls_last(), Proposal.id)).all()


def reviewing(user) -> list[Round]:
    """Rounds whose panel the person sits on, while there is reviewing or pitch scoring to do."""
    if not (user and user.is_authenticated):
        return []
    return db.session.scalars(select(Round).join(RoundReviewer).where(
        RoundReviewer.user_id == user.id, Round.status.in_(("review", "pitch"))).order_by(Round.id)).all()


def proposals_for(user) -> list[Proposal]:
    if not (user and user.is_authenticated):
        return []
    return db.session.scalars(select(Proposal).where(Proposal.organization_id.in_(user.organization_ids()))
                              .order_by(Proposal.id.desc())).all()


# --- screening, review, pitch, selection ------------------------------------------------------------

def start_screening(actor: User, round_: Round) -> None:
    _require_manager(actor, round_)
    if clock.now() < round_.proposals_due_at:
        raise ServiceError(_("The call is open until %(when)s.", when=text.moment(round_.proposals_due_at)))
    ROUND_MACHINE.move(round_, "screening", actor, "")
    unit.flush()


def screen(actor: User, proposal: Proposal, eligible: bool, note: str) -> None:
    _require_manager(actor, proposal.round)
    if proposal.round.status != "screening":
        raise ServiceError(_("Proposals are checked during the eligibility check."))
    note = text.clean(note, 2000)
    if not eligible and not note:
        raise ServiceError(_("Give the reasons; the organization will read them."), field="reason")
    proposal.screening_note = note
    PROPOSAL_MACHINE.move(proposal, "eligible" if eligible else "ineligible", actor, note)
    unit.flush()


def start_review(actor: User, round_: Round) -> None:
    _require_manager(actor, round_)
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
        raise ServiceError(_("Describe the conflict of interest."), field="note")
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
    _require_manager(actor, round_)
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
    _require_manager(actor, round_)
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


# --- gifts and the match ----------------------------------------------------------------------------

def giving_open(round_: Round) -> bool:
    return round_.status == "selection" and clock.now() < round_.giving_ends_at


def donate(actor: User, proposal: Proposal, amount_fen: int, anonymous: bool, display_name: str,
           token: str) -> Donation:
    """Give to a selected project by card. The ledger provider settles at once; Stripe when its
    webhook confirms. Only a verified resident's gift counts toward the match."""
    if not (actor and actor.is_authenticated):
        raise PermissionDenied(_("Sign in to give."))
    if proposal.status != "selected" or not giving_open(proposal.round):
        raise ServiceError(_("This project is not taking gifts."))
    if not 100 <= amount_fen <= 10**9:
        raise ServiceError(_("Give from ¥1 to ¥10,000,000."), field="amount")
    if proposal.organization_id in actor.organization_ids():
        raise ServiceError(_("Members of the organization cannot give to its own project here."), field="amount")
    if not token or len(token) > 40:
        raise ServiceError(_("The form expired; open it again."))
    # The donor list shows only the name the donor typed here: never the account's (real) name.
    display_name = text.clean(display_name, 100)
    anonymous = bool(anonymous) or not display_name
    key = f"gift-{proposal.id}-{actor.id}-{token}"
    try:
        incoming = payments.collect(actor, "proposal", proposal.id, amount_fen, key,
                                    f"{proposal.round.number} {proposal.title}")
    except payments.ProviderError as error:
        db.session.rollback()
        raise ServiceError(_("The card payment could not start: %(error)s. Nothing was charged; try again.",
                             error=str(error)), field="amount") from error
    incoming_id = incoming.id

    def record_gift() -> Donation:
        found = db.session.scalar(select(Donation).filter_by(incoming_id=incoming_id))
        if found is not None:
            return found  # the same form sent twice: one gift
        donation = Donation(proposal_id=proposal.id, donor_id=actor.id, incoming_id=incoming_id,
                            amount_fen=amount_fen, display_name=display_name, anonymous=bool(anonymous),
                            counts_for_match=actor.is_verified_resident, receipt_number="", created_at=clock.now())
        db.session.add(donation)
        db.session.flush()
        donation.receipt_number = f"JZ{donation.created_at.year}-{donation.id:07d}"
        unit.flush()
        return donation

    # The same form sent twice at once: both find the one card payment; the second's gift waits on
    # the payment's key, then answers with the first's gift (the same receipt).
    return done_once(record_gift, lambda: db.session.scalar(select(Donation).filter_by(incoming_id=incoming_id)))


def get_donation(viewer, donation_id: int) -> Donation:
    found = db.session.get(Donation, donation_id)
    if found is None or not (viewer and viewer.is_authenticated and found.donor_id == viewer.id):
        raise NotFound(_("This receipt does not exist."))
    return found


def donors(proposal: Proposal) -> list[Donation]:
    """The public donor list: completed gifts, newest first (anonymous ones without a name; a gift
    given without a display name is anonymous, never listed under the account's name)."""
    return db.session.scalars(select(Donation).join(IncomingPayment).where(
        Donation.proposal_id == proposal.id, IncomingPayment.status == "succeeded")
        .order_by(Donation.id.desc())).all()


def gifts_by_project(round_: Round) -> dict[int, dict[int, int]]:
    """Completed gifts that count toward the match: {project: {donor: fen}}, selected projects only."""
    gifts: dict[int, dict[int, int]] = {p.id: {} for p in proposals_of(round_, ("selected", "funded"))}
    rows = db.session.execute(select(Donation.proposal_id, Donation.donor_id, func.sum(Donation.amount_fen))
                              .join(IncomingPayment).join(Proposal, Proposal.id == Donation.proposal_id)
                              .where(Proposal.round_id == round_.id, IncomingPayment.status == "succeeded",
                                     Donation.counts_for_match.is_(True))
                              .group_by(Donation.proposal_id, Donation.donor_id)).all()
    for proposal_id, donor_id, total in rows:
        if proposal_id in gifts:
            gifts[proposal_id][donor_id] = int(total)
    return gifts


def gift_totals(round_: Round) -> dict[int, int]:
    """All completed gifts per project, counted for the match or not."""
    rows = db.session.execute(select(Donation.proposal_id, func.sum(Donation.amount_fen))
                              .join(IncomingPayment).join(Proposal, Proposal.id == Donation.proposal_id)
                              .where(Proposal.round_id == round_.id, IncomingPayment.status == "succeeded")
                              .group_by(Donation.proposal_id)).all()
    return {proposal_id: int(total) for proposal_id, total in rows}  # PostgreSQL sums bigints as numeric


def estimate(round_: Round) -> dict[int, matching.Match]:
    """The live match: what each selected project would get if giving closed now."""
    frozen = frozen_matches(round_)
    if frozen:
        return {m.proposal_id: matching.Match(m.donors, m.counted_fen, Decimal(m.raw_match), m.match_fen, m.capped)
                for m in frozen}
    return matching.compute(gifts_by_project(round_), pot_balance(round_, "matching"), round_.match_cap_fen,
                            round_.donor_cap_fen)


def frozen_matches(round_: Round) -> list[MatchResult]:
    return db.session.scalars(select(MatchResult).filter_by(round_id=round_.id).order_by(MatchResult.id)).all()


def cancel_project(actor: User, proposal: Proposal, reason: str) -> int:
    """A selected project is cancelled before its agreement: every gift is refunded. Returns how many."""
    if not (may_manage(actor, proposal.round) or proposal.organization_id in actor.organization_ids()):
        raise PermissionDenied(_("Only the round's sponsor or the organization can do this."))
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    if proposal.status != "selected" or proposal.round.status != "selection":
        raise ServiceError(_("Only a selected project is cancelled, before its grant agreement."))
    if not PROPOSAL_MACHINE.claim(proposal, "selected", "cancelled", actor, reason):  # one of two at once
        db.session.rollback()
        raise _changed_meanwhile(PROPOSAL_MACHINE, proposal.status, "cancelled",
                                 _("The project was cancelled a moment ago."))
    unit.commit(unit.AROUND_PROVIDER_CALL)  # claimed before the gifts are refunded
    return _refund_gifts(actor, proposal, reason)


def _changed_meanwhile(machine, status: str, target: str, done: str) -> ServiceError:
    """The refusal for a step another request took a moment ago: `done` if it was this very step
    (a double click), else why it is no longer possible."""
    if status == target:
        return ServiceError(done)
    return ServiceError(_("This action is not possible while the status is “%(status)s”.",
                          status=machine.label(status)))


def _refund_gifts(actor, proposal: Proposal, reason: str) -> int:
    refunded = 0
    for donation in db.session.scalars(select(Donation).filter_by(proposal_id=proposal.id).order_by(Donation.id)):
        if donation.incoming.status == "succeeded":
            try:
                payments.refund(actor, donation.incoming, reason)  # commits each refund on its own
            except ServiceError:
                continue  # refunded a moment ago by another request
            refunded += 1
    return refunded


def close_giving(actor: User, round_: Round) -> list[MatchResult]:
    """Close giving: freeze each project's match in the ledger and draft its grant agreement."""
    _require_manager(actor, round_)
    if clock.now() < round_.giving_ends_at:
        raise ServiceError(_("Giving is open until %(when)s.", when=text.moment(round_.giving_ends_at)))
    if db.session.scalar(select(func.count(Donation.id)).join(IncomingPayment).join(Proposal).where(
            Proposal.round_id == round_.id, IncomingPayment.status == "pending")):
        raise ServiceError(_("Some card payments are still being confirmed; try again in a few minutes."))
    if not ROUND_MACHINE.claim(round_, "selection", "agreement", actor, ""):
        db.session.rollback()
        raise ServiceError(_("Giving was closed a moment ago by someone else."))
    results = matching.compute(gifts_by_project(round_), pot_balance(round_, "matching"), round_.match_cap_fen,
                               round_.donor_cap_fen)
    totals = gift_totals(round_)
    frozen = []
    for proposal in proposals_of(round_, ("selected",)):
        match = results[proposal.id]
        record = MatchResult(round_id=round_.id, proposal_id=proposal.id, donors=match.donors,
                             counted_fen=match.counted_fen, raw_match=str(scoring.rounded(match.raw)),
                             match_fen=match.match_fen, capped=match.capped)
        db.session.add(record)
        frozen.append(record)
        if match.match_fen:
            ledger.transfer("match", f"match:round:{round_.id}:proposal:{proposal.id}",
                            ledger.account("round", round_.id, "matching"),
                            ledger.account("proposal", proposal.id, "pool"), match.match_fen,
                            memo=proposal.title, actor=actor)
        _draft_agreement(actor, round_, proposal, totals.get(proposal.id, 0) + match.match_fen)
    unit.flush()
    return frozen


def _draft_agreement(actor: User, round_: Round, proposal: Proposal, gifts_fen: int) -> None:
    starts_on = clock.today() + timedelta(days=1)
    terms = contracts.default_terms(proposal.requested_fen + gifts_fen, starts_on, proposal.months,
                                    _("As in proposal “%(title)s”: %(outputs)s", title=proposal.title,
                                      outputs=proposal.outputs))
    titles = [_("Start-up (half the grant on signing the agreement)"), _("Mid-term review"), _("Final review")]
    for milestone, title, share in zip(terms.milestones, titles, GRANT_SHARES_BP):
        milestone.title, milestone.share_bp = title, share
    contract = contracts.draft_grant(actor, round_, proposal, terms)
    pool = ledger.account("proposal", proposal.id, "pool")
    if gifts_fen:
        ledger.transfer("commitment", f"commit:gifts:contract:{contract.id}", pool,
                        ledger.account("contract", contract.id, "committed"), gifts_fen, actor=actor,
                        contract_id=contract.id)
    PROPOSAL_MACHINE.move(proposal, "funded", actor, contract.number)
    for request in proposal.requests:
        timeline.record("grant_agreed", actor, request=request, contract_id=contract.id, number=contract.number,
                        title=proposal.title, amount_fen=contract.price_fen)


def agreements(round_: Round) -> list:
    return db.session.scalars(select(Contract).where(Contract.round_id == round_.id).order_by(Contract.id)).all()


def advance(actor: User, round_: Round, target: str) -> None:
    """Agreement → delivery → mid-term → final review → closed; each with its condition."""
    _require_manager(actor, round_)
    grants = agreements(round_)
    if target == "delivery" and any(c.status == "draft" for c in grants):
        raise ServiceError(_("Every grant agreement must be signed first."))
    if target == "closed":
        if any(c.status in ("draft", "active") for c in grants):
            raise ServiceError(_("Every grant agreement must be completed or ended first."))
    if not ROUND_MACHINE.claim(round_, round_.status, target, actor, ""):  # the same step sent twice at once
        db.session.rollback()
        raise _changed_meanwhile(ROUND_MACHINE, round_.status, target, _("The round moved on a moment ago."))
    if target == "closed":
        _return_leftovers(actor, round_)
    unit.flush()


def cancel_round(actor: User, round_: Round, reason: str) -> int:
    """Cancel before any agreement: every gift is refunded and the pots go back. Returns gifts refunded."""
    _require_manager(actor, round_)
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    if round_.status not in OPEN_PHASES:
        raise ServiceError(_("A round with grant agreements is not cancelled; end the agreements instead."))
    if not ROUND_MACHINE.claim(round_, round_.status, "cancelled", actor, reason):  # one of two at once
        db.session.rollback()
        raise _changed_meanwhile(ROUND_MACHINE, round_.status, "cancelled", _("The round was cancelled a moment ago."))
    selected = proposals_of(round_, ("selected",))
    for proposal in proposals_of(round_, LIVE_PROPOSALS):
        PROPOSAL_MACHINE.move(proposal, "cancelled" if proposal.status == "selected" else "withdrawn", actor, reason)
    _return_leftovers(actor, round_)
    unit.flush()
    return sum(_refund_gifts(actor, proposal, reason) for proposal in selected)


def _return_leftovers(actor, round_: Round) -> None:
    """What is left in each pot goes back to where it came from, in proportion to what each source put in."""
    for pot in POTS:
        left = pot_balance(round_, pot)
        if left <= 0:
            continue
        sources, put_in = {}, {}  # account code → the account, and what it put into this pot
        for record in fundings(round_):
            if record.pot == pot:
                source = _funding_source(round_, record.funder_kind)
                sources[source.code] = source
                put_in[source.code] = put_in.get(source.code, 0) + record.amount_fen
        total = sum(put_in.values())
        shares = matching.whole_fen({code: Decimal(left) * amount / total for code, amount in put_in.items()}, left)
        legs = [ledger.Leg(ledger.account("round", round_.id, pot), -left)]
        legs += [ledger.Leg(sources[code], amount) for code, amount in sorted(shares.items()) if amount]
        ledger.post("round_return", f"round-return:{round_.id}:{pot}", legs, memo=str(POTS[pot]), actor=actor)


def money_summary(round_: Round) -> dict[str, int]:
    """Money in and out across the round, from the ledger: what came in (funding and gifts) equals
    what went out (grants paid, refunds, returns) plus what is still held."""
    funded = sum(r.amount_fen for r in fundings(round_))
    project_ids = [p.id for p in proposals_of(round_)]
    by_status = dict(db.session.execute(select(IncomingPayment.status, func.sum(IncomingPayment.amount_fen)).join(
        Account, Account.id == IncomingPayment.account_id).where(
        Account.owner_type == "proposal", Account.owner_id.in_(project_ids))
        .group_by(IncomingPayment.status)).all()) if project_ids else {}
    refunded = int(by_status.get("refunded") or 0)
    gifts = int(by_status.get("succeeded") or 0) + refunded  # every gift received, refunded or not
    contract_ids = list(db.session.scalars(select(Contract.id).where(Contract.round_id == round_.id)))
    held = ledger.balances("contract", contract_ids, ("committed", "payable", "paid")) if contract_ids else {}
    paid = sum(v for (cid, kind), v in held.items() if kind == "paid")
    in_contracts = sum(v for (cid, kind), v in held.items() if kind != "paid")
    in_projects = sum(ledger.balances("proposal", project_ids, ("pool",)).values()) if project_ids else 0
    pot_money = sum(pots(round_).values())
    returned = int(db.session.scalar(select(func.coalesce(func.sum(Entry.amount_fen), 0)).join(LedgerTransaction)
                                     .where(LedgerTransaction.key.like(f"round-return:{round_.id}:%"),
                                            Entry.amount_fen > 0)))
    return {"funded": funded, "gifts": gifts, "paid": paid, "refunded": refunded, "returned": returned,
            "held": in_contracts + in_projects + pot_money, "in": funded + gifts, "out": paid + refunded + returned}
