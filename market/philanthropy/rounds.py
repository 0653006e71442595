"""A venture-philanthropy round's setup: who may run and read it, its rules, its pots and who put
money into them, its review panel and opening the call; and what the later phases share (a round's
proposals, the refusal for a step another request took a moment ago).

Money moves only through the ledger:
- round:N:grants and round:N:matching hold what sponsors and co-funders put in (RoundFunding);
- proposal:N:pool holds a selected project's gifts (card payments) and, once giving closes, its match;
- a grant agreement commits the grant from round:N:grants and the gifts and match from proposal:N:pool;
- closing or cancelling the round returns what is left to where it came from, in proportion.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import text, unit
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.core.money import format_fen
from market.core.unit import done_once, refuse_if_taken
from market.evaluation import rubrics
from market.extensions import db
from market.incubation.models import Incubator
from market.money import ledger
from market.needs import timeline
from market.needs.models import CommunityRequest
from market.organizations.models import Organization
from market.philanthropy import steps  # noqa: F401  (steps: how round steps read on timelines)
from market.philanthropy.actions import ROUND_ACTIONS, may_manage
from market.philanthropy.models import FUNDER_KINDS, POTS, ROUND_MACHINE, Proposal, Round, RoundFunding, RoundReviewer
from market.places.models import Department

MAX_FEN = 10**12
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


def require_manager(actor, round_: Round) -> None:
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
    ROUND_ACTIONS.require(actor, round_, "edit")
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


def funding_source(round_: Round, funder_kind: str):
    """The sponsoring department's own money comes from its budget; anyone else's is a pledge
    recorded against the round (a source account that goes negative by what was pledged)."""
    if round_.department_id is not None and funder_kind == "government":
        return ledger.account("department", round_.department_id, "budget")
    return ledger.account("round", round_.id, "pledged")


def fund(actor: User, round_: Round, pot: str, amount_fen: int, funder_name: str, funder_kind: str,
         reference: str, token: str) -> RoundFunding:
    """Put money into a pot: the sponsor's own, or a co-funder's (a company's matching pledge)."""
    ROUND_ACTIONS.require(actor, round_, "fund")
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
        source = funding_source(round_, funder_kind)
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
    ROUND_ACTIONS.require(actor, round_, "add_reviewer")
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
    ROUND_ACTIONS.require(actor, round_, "open_call")
    if round_.proposals_due_at <= clock.now():
        raise ServiceError(_("The deadline for proposals has passed; change it first."))
    if pot_balance(round_, "grants") <= 0:
        raise ServiceError(_("Put money into the grants pool before opening the call."))
    ROUND_MACHINE.move(round_, "call", actor, "")
    for request in round_.requests:
        timeline.record("round_opened", actor, request=request, round_id=round_.id, number=round_.number,
                        title=round_.title)
    unit.flush()


# --- what the later phases share ------------------------------------------------------------------

def proposals_of(round_: Round, statuses=None) -> list[Proposal]:
    statement = select(Proposal).where(Proposal.round_id == round_.id)
    if statuses:
        statement = statement.where(Proposal.status.in_(statuses))
    return db.session.scalars(statement.order_by(Proposal.final_cp.desc().nulls_last(),
                                                 Proposal.review_cp.desc().nulls_last(), Proposal.id)).all()


def changed_meanwhile(machine, status: str, target: str, done: str) -> ServiceError:
    """The refusal for a step another request took a moment ago: `done` if it was this very step
    (a double click), else why it is no longer possible."""
    if status == target:
        return ServiceError(done)
    return ServiceError(_("This action is not possible while the status is “%(status)s”.",
                          status=machine.label(status)))
