"""Proposals to a venture-philanthropy round: who may read one and when the scores are public, who
may apply, submitting and withdrawing, the lists an applicant and a reviewer see, and the sponsor's
eligibility check (screening)."""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.core import text, unit
from market.core.errors import Checks, Ineligible, NotFound, PermissionDenied, Problem, ServiceError
from market.core.money import format_fen
from market.extensions import db
from market.incubation.services import ever_incubated
from market.needs.models import CommunityRequest
from market.organizations import services as organizations
from market.organizations.models import Organization
from market.philanthropy.actions import PROPOSAL_ACTIONS, ROUND_ACTIONS
from market.philanthropy.giving import cancel_project
from market.philanthropy.models import (
    PROPOSAL_MACHINE,
    ROUND_MACHINE,
    Proposal,
    ProposalBudgetLine,
    Round,
    RoundReviewer,
)
from market.philanthropy.rounds import LIVE_PROPOSALS, MAX_FEN, is_reviewer, may_manage, proposals_of, require_manager
from market.procurement.undertakers import current_grade

# --- who may read a proposal ----------------------------------------------------------------------

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


# --- proposals --------------------------------------------------------------------------------------

def eligibility_problems(round_: Round, organization: Organization) -> list[Problem]:
    """Why an organization may not apply to this round (each with its code); empty when it may."""
    problems = [found] if (found := organizations.community_body_problem(organization)) else []
    if organization.status != "approved":
        problems.append(Problem(_("The organization is not approved by civil affairs."),
                                code="organization_not_approved"))
    if round_.max_age_years is not None:
        registered_years = (clock.today() - organization.registered_on).days // 365
        if registered_years >= round_.max_age_years:
            problems.append(Problem(_("The round is for organizations registered less than %(years)s years ago.",
                                      years=round_.max_age_years), code="registered_too_long_ago"))
    if round_.incubated_only:
        if not ever_incubated(organization.id):
            problems.append(Problem(_("The round is for organizations that are or were in an incubator."),
                                    code="never_incubated"))
    if round_.max_grade is not None:
        grade = current_grade(organization.id) or 0
        if grade > round_.max_grade:
            problems.append(Problem(_("The round is for organizations graded %(grade)sA or lower, or not graded.",
                                      grade=round_.max_grade) if round_.max_grade else
                                    _("The round is for organizations without a grade."), code="graded_too_high"))
    if round_.organization_id == organization.id:
        problems.append(Problem(_("The sponsor cannot apply to its own round."), code="own_round"))
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
        raise Ineligible(problems, field="organization_id")
    if db.session.scalar(select(Proposal.id).where(Proposal.round_id == round_.id,
                                                   Proposal.organization_id == organization.id,
                                                   Proposal.status.in_(LIVE_PROPOSALS))) is not None:
        raise ServiceError(_("The organization has a proposal in this round already."), field="organization_id")
    lines = []
    with Checks() as checks:  # every problem of the proposal at once, each at its field
        a_line_refused = False
        for position, line in enumerate(data.budget):
            item = text.clean(line.item, 120)
            if not item and not line.amount_fen:
                continue
            if bool(item) and 0 < line.amount_fen <= MAX_FEN:
                lines.append(ProposalBudgetLine(position=position, item=item, amount_fen=line.amount_fen))
            else:
                a_line_refused = True
        # One message for however many lines are wrong: the form marks each line at its place.
        checks.check(not a_line_refused, _("Every budget line has an item and an amount above zero."), field="budget")
        requested = sum(line.amount_fen for line in lines)
        if not a_line_refused and checks.check(bool(lines), _("Give at least one budget line."), field="budget"):
            checks.check(requested <= round_.max_grant_fen,
                         _("The budget (%(total)s) is more than the round's largest grant (%(max)s).",
                           total=format_fen(requested), max=format_fen(round_.max_grant_fen)), field="budget",
                         code="budget_above_largest_grant")
        checks.check(1 <= (data.months or 0) <= 36, _("A project runs from 1 to 36 months."), field="months")
        texts = {name: checks.keep(text.required, getattr(data, name), limit, message, name)
                 for name, limit, message in (
                     ("title", 120, _("Give the project a title.")), ("problem", 10000, _("Describe the problem.")),
                     ("target_group", 4000, _("Say who the project serves.")),
                     ("inputs", 4000, _("List the inputs.")), ("activities", 10000, _("List the activities.")),
                     ("outputs", 4000, _("List the outputs.")), ("outcomes", 4000, _("Describe the outcomes.")))}
    proposal = Proposal(
        round_id=round_.id, organization_id=organization.id, category_id=data.category_id, **texts,
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
    if proposal.status == "selected":
        cancel_project(actor, proposal, reason)
        return
    PROPOSAL_ACTIONS.require(actor, proposal, "withdraw")
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    PROPOSAL_MACHINE.move(proposal, "withdrawn", actor, reason)
    unit.flush()


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


# --- screening ------------------------------------------------------------------------------------

def start_screening(actor: User, round_: Round) -> None:
    ROUND_ACTIONS.require(actor, round_, "close_call")
    ROUND_MACHINE.move(round_, "screening", actor, "")
    unit.flush()


def screen(actor: User, proposal: Proposal, eligible: bool, note: str) -> None:
    require_manager(actor, proposal.round)
    if proposal.round.status != "screening":
        raise ServiceError(_("Proposals are checked during the eligibility check."))
    note = text.clean(note, 2000)
    if not eligible and not note:
        raise ServiceError(_("Give the reasons; the organization will read them."), field="reason",
                           code="decision_reasons_missing")
    proposal.screening_note = note
    PROPOSAL_MACHINE.move(proposal, "eligible" if eligible else "ineligible", actor, note)
    unit.flush()
