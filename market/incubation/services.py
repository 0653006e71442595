"""The rules of incubators: cohorts, admission (入孵), services given, capacity assessments,
growth milestones read from the rest of Market, graduation (出孵) and who is falling behind."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from market import clock
from market.accounts.models import User
from market.contracts.models import SIGNED_STATUSES, Contract
from market.contracts.terms import add_months
from market.core import text, unit
from market.core.errors import PermissionDenied, ServiceError, existing
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.incubation.models import (
    CAPACITY_AREAS,
    INCUBATION_MACHINE,
    SERVICE_KINDS,
    CapacityAssessment,
    Cohort,
    Incubation,
    IncubationService,
    Incubator,
)
from market.money import ledger
from market.organizations.models import Organization, OrganizationGrade
from market.rules import deadlines

MAX_SEED_FEN = 10**9


def may_manage(user, incubator: Incubator) -> bool:
    """The operator's members and incubator staff."""
    return bool(user and user.is_authenticated) and incubator.operator_id in user.acting_organization_ids()


def _require_manager(actor, incubator: Incubator) -> None:
    if not may_manage(actor, incubator):
        raise PermissionDenied(_("Only the incubator's staff can do this."))


def get_incubator(incubator_id: int) -> Incubator:
    return existing(Incubator, incubator_id, _("This incubator does not exist."))


def get_incubation(incubation_id: int) -> Incubation:
    return existing(Incubation, incubation_id, _("This page does not exist."))


def incubators() -> list[Incubator]:
    return db.session.scalars(select(Incubator).order_by(Incubator.id)).all()


def operator_choices(user) -> list[tuple[int, str]]:
    """The approved organizations a person may open an incubator for."""
    if not (user and user.is_authenticated):
        return []
    return [(o.id, o.name) for o in db.session.scalars(select(Organization).where(
        Organization.id.in_(user.acting_organization_ids()), Organization.status == "approved")
        .order_by(Organization.id))]


def create_incubator(actor: User, operator_id: int, name: str, address: str, description: str) -> Incubator:
    if operator_id not in actor.acting_organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))
    operator = db.session.get(Organization, operator_id)
    if operator is None or operator.status != "approved":
        raise ServiceError(_("The organization is not approved by civil affairs."), field="operator_id",
                           code="organization_not_approved")
    incubator = Incubator(operator_id=operator_id, name=text.required(name, 100, _("Name the incubator."), "name"),
                          district_id=operator.district_id, address=text.clean(address, 200),
                          description=text.clean(description, 4000), created_at=clock.now())
    db.session.add(incubator)
    refuse_if_taken(_("An incubator has this name already."), field="name")
    return incubator


def add_cohort(actor: User, incubator: Incubator, name: str, starts_on: date, ends_on: date, capacity: int) -> Cohort:
    _require_manager(actor, incubator)
    name = text.required(name, 60, _("Name the cohort."), "name")
    if starts_on is None or ends_on is None or ends_on <= starts_on:
        raise ServiceError(_("A cohort ends after it starts."), field="ends_on")
    if not 1 <= (capacity or 0) <= 100:
        raise ServiceError(_("A cohort takes from 1 to 100 organizations."), field="capacity")
    cohort = Cohort(incubator_id=incubator.id, name=name, starts_on=starts_on, ends_on=ends_on, capacity=capacity)
    db.session.add(cohort)
    refuse_if_taken(_("The incubator has a cohort with this name already."), field="name")
    return cohort


def get_cohort(cohort_id: int) -> Cohort:
    return existing(Cohort, cohort_id, _("This cohort does not exist."))


def members(cohort: Cohort) -> list[Incubation]:
    return db.session.scalars(select(Incubation).filter_by(cohort_id=cohort.id).order_by(Incubation.id)).all()


def admit(actor: User, cohort: Cohort, organization_id: int, admitted_on: date, months: int, mentor: str,
          goals: str) -> Incubation:
    """Take an organization in (入孵) for a period of months (6 or 12 in the NPI model)."""
    _require_manager(actor, cohort.incubator)
    organization = db.session.get(Organization, organization_id or 0)
    if organization is None or organization.status != "approved":
        raise ServiceError(_("Choose an approved organization."), field="organization_id")
    if organization.id == cohort.incubator.operator_id:
        raise ServiceError(_("The operator does not incubate itself."), field="organization_id")
    if len([m for m in members(cohort) if m.status == "admitted"]) >= cohort.capacity:
        raise ServiceError(_("The cohort is full (%(n)s organizations).", n=cohort.capacity), code="cohort_full")
    if not 1 <= (months or 0) <= 36:
        raise ServiceError(_("An organization stays from 1 to 36 months."), field="months")
    if admitted_on is None or admitted_on > clock.today():
        raise ServiceError(_("Record an admission on or before today."), field="admitted_on")
    if not cohort.starts_on <= admitted_on <= cohort.ends_on:
        raise ServiceError(_("Admit on a day within the cohort, from %(start)s to %(end)s.",
                             start=cohort.starts_on.isoformat(), end=cohort.ends_on.isoformat()), field="admitted_on")
    # An organization is in one incubator at a time. Its admissions are taken one at a time (a
    # no-op UPDATE takes its row lock; on SQLite the write lock), so two cohorts admitting it at the
    # same moment cannot both find it free.
    db.session.execute(update(Organization).where(Organization.id == organization.id)
                       .values(status=Organization.status).execution_options(synchronize_session=False))
    current = db.session.scalar(select(Incubation).where(Incubation.organization_id == organization.id,
                                                         Incubation.status == "admitted").limit(1))
    if current is not None:
        message = _("%(organization)s is in %(incubator)s (%(cohort)s) already; it can be admitted again once it "
                    "graduates or leaves.", organization=organization.name, incubator=current.cohort.incubator.name,
                    cohort=current.cohort.name)
        db.session.rollback()
        raise ServiceError(message, field="organization_id")
    planned_exit_on = add_months(admitted_on, months)
    incubation = Incubation(cohort_id=cohort.id, organization_id=organization.id, admitted_on=admitted_on,
                            planned_exit_on=planned_exit_on, halfway_on=halfway(admitted_on, planned_exit_on),
                            mentor=text.clean(mentor, 100),
                            goals=text.clean(goals, 4000), status="admitted")
    db.session.add(incubation)
    db.session.flush()
    INCUBATION_MACHINE.start(incubation, actor, "")
    refuse_if_taken(_("This organization is in the cohort already."), field="organization_id")
    return incubation


def record_service(actor: User, incubation: Incubation, kind: str, quantity: int, amount_fen: int, given_on: date,
                   note: str, token: str = "") -> IncubationService:
    """Record what was given; seed money is posted in the ledger from the incubator's funds, once
    per form: `token` (the form's one-time token) keys the posting, so the same form
    sent twice, or twice at once, records the money once."""
    _require_manager(actor, incubation.cohort.incubator)
    if incubation.status != "admitted":
        raise ServiceError(_("Services are recorded while the organization is in the incubator."))
    if kind not in SERVICE_KINDS:
        raise ServiceError(_("Choose what was given."), field="kind")
    if given_on is None or given_on > clock.today():
        raise ServiceError(_("Record a service on or before today."), field="given_on")
    if kind == "seed_money":
        if not 0 < (amount_fen or 0) <= MAX_SEED_FEN:
            raise ServiceError(_("Enter an amount above zero."), field="amount")
        if not token or len(token) > 40:
            raise ServiceError(_("The form expired; open it again."))
        return _record_seed_money(actor, incubation, amount_fen, given_on, note, token)
    if not 0 < (quantity or 0) <= 100000:
        raise ServiceError(_("Give the hours or square-metre months, above zero."), field="quantity")
    service = IncubationService(incubation_id=incubation.id, kind=kind, quantity=quantity, amount_fen=0,
                                given_on=given_on, note=text.clean(note, 2000), recorded_by_id=actor.id)
    db.session.add(service)
    unit.flush()
    return service


def _record_seed_money(actor: User, incubation: Incubation, amount_fen: int, given_on: date, note: str,
                       token: str) -> IncubationService:
    key = f"seed:{incubation.id}:{token}"
    # One stay's seed money is recorded one at a time: a no-op UPDATE takes the stay's row lock (on
    # SQLite the write lock), so the key is looked up after any posting of it sent at the same moment.
    still_in = db.session.execute(
        update(Incubation).where(Incubation.id == incubation.id, Incubation.status == "admitted")
        .values(status=Incubation.status).execution_options(synchronize_session=False)).rowcount == 1
    if not still_in:
        db.session.rollback()
        raise ServiceError(_("Services are recorded while the organization is in the incubator."))
    if ledger.posted(key) is not None:  # the same form sent again: what it recorded the first time
        earlier = db.session.scalar(select(IncubationService).filter_by(
            incubation_id=incubation.id, kind="seed_money", amount_fen=amount_fen, given_on=given_on)
            .order_by(IncubationService.id.desc()).limit(1))
        db.session.rollback()
        if earlier is None:  # sent again with other values (back in the browser, changed, sent)
            raise ServiceError(_("This form was sent already; open the page again to record more seed money."))
        return earlier
    service = IncubationService(incubation_id=incubation.id, kind="seed_money", quantity=0, amount_fen=amount_fen,
                                given_on=given_on, note=text.clean(note, 2000), recorded_by_id=actor.id)
    db.session.add(service)
    incubator = incubation.cohort.incubator
    ledger.transfer("seed", key, ledger.account("incubator", incubator.id, "funds"),
                    ledger.account("organization", incubation.organization_id, "grants"), amount_fen,
                    memo=f"{incubator.name} {incubation.organization.name}", actor=actor)
    unit.flush()
    return service


def services_of(incubation: Incubation) -> list[IncubationService]:
    return db.session.scalars(select(IncubationService).filter_by(incubation_id=incubation.id)
                              .order_by(IncubationService.given_on, IncubationService.id)).all()


def assess(actor: User, incubation: Incubation, assessed_on: date, scores: dict[str, int], note: str
           ) -> CapacityAssessment:
    _require_manager(actor, incubation.cohort.incubator)
    if assessed_on is None or assessed_on > clock.today() or assessed_on < incubation.admitted_on:
        raise ServiceError(_("Record an assessment made since admission, on or before today."), field="assessed_on")
    for area in CAPACITY_AREAS:
        if scores.get(area) not in (1, 2, 3, 4, 5):
            raise ServiceError(_("Give every area from 1 to 5."), field=area)
    assessment = CapacityAssessment(incubation_id=incubation.id, assessed_on=assessed_on, note=text.clean(note, 4000),
                                    assessed_by_id=actor.id, **{a: scores[a] for a in CAPACITY_AREAS})
    db.session.add(assessment)
    unit.flush()
    return assessment


def assessments_of(incubation_ids) -> dict[int, list[CapacityAssessment]]:
    found: dict[int, list[CapacityAssessment]] = {i: [] for i in incubation_ids}
    for a in db.session.scalars(select(CapacityAssessment).where(CapacityAssessment.incubation_id.in_(
            list(incubation_ids))).order_by(CapacityAssessment.assessed_on, CapacityAssessment.id)):
        found[a.incubation_id].append(a)
    return found


def graduate(actor: User, incubation: Incubation, exit_review: str) -> None:
    """Graduation (出孵) after an exit review and at least one capacity assessment."""
    _require_manager(actor, incubation.cohort.incubator)
    review = text.required(exit_review, 10000, _("Write the exit review."), "exit_review")
    if not assessments_of([incubation.id])[incubation.id]:
        raise ServiceError(_("Assess the organization's capacity at least once before it graduates."))
    INCUBATION_MACHINE.move(incubation, "graduated", actor, review)
    incubation.exit_review, incubation.left_on = review, clock.today()
    unit.flush()


def withdraw(actor: User, incubation: Incubation, reason: str) -> None:
    _require_manager(actor, incubation.cohort.incubator)
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    INCUBATION_MACHINE.move(incubation, "withdrawn", actor, reason)
    incubation.exit_review, incubation.left_on = reason, clock.today()
    unit.flush()


def ever_incubated(organization_id: int) -> bool:
    return db.session.scalar(select(Incubation.id).where(Incubation.organization_id == organization_id,
                                                         Incubation.status != "withdrawn")) is not None


# --- the dashboard -----------------------------------------------------------------------------------

@dataclass
class Grantee:
    incubation: Incubation
    assessments: list
    first_contract: date | None
    contracts: int
    completed: int
    grade: int | None
    grade_since: date | None
    grants: int
    seed_fen: int
    training_hours: int
    behind: list[str]

    @property
    def capacity(self) -> Decimal | None:
        return self.assessments[-1].mean if self.assessments else None

    @property
    def growth(self) -> Decimal | None:
        if len(self.assessments) < 2:
            return None
        return self.assessments[-1].mean - self.assessments[0].mean


def grantees(incubator: Incubator, cohort_id: int | None = None, incubation_id: int | None = None
             ) -> list[Grantee]:
    """Every organization the incubator took in, with its growth read from the rest of Market:
    contracts won and completed (also after graduation), the grade in force, grants. Six queries."""
    statement = select(Incubation).join(Cohort).where(Cohort.incubator_id == incubator.id)
    if cohort_id:
        statement = statement.where(Incubation.cohort_id == cohort_id)
    if incubation_id:
        statement = statement.where(Incubation.id == incubation_id)
    stays = db.session.scalars(statement.order_by(Incubation.cohort_id, Incubation.id)).all()
    org_ids = [s.organization_id for s in stays]
    assessed = assessments_of([s.id for s in stays])
    won = {org: (first, count, done) for org, first, count, done in db.session.execute(
        select(Contract.organization_id, func.min(Contract.signed_at), func.count(Contract.id),
               func.count(Contract.ended_at)).where(
            Contract.organization_id.in_(org_ids), Contract.status.in_(SIGNED_STATUSES))
        .group_by(Contract.organization_id))} if org_ids else {}
    today = clock.today()
    grades = {org: (grade, since) for org, grade, since in db.session.execute(
        select(OrganizationGrade.organization_id, OrganizationGrade.grade, OrganizationGrade.valid_from).where(
            OrganizationGrade.organization_id.in_(org_ids), OrganizationGrade.valid_from <= today,
            OrganizationGrade.valid_until >= today).order_by(OrganizationGrade.valid_from))} if org_ids else {}
    given = {(i, kind): (qty, fen) for i, kind, qty, fen in db.session.execute(
        select(IncubationService.incubation_id, IncubationService.kind, func.sum(IncubationService.quantity),
               func.sum(IncubationService.amount_fen)).where(IncubationService.incubation_id.in_([s.id for s in stays]))
        .group_by(IncubationService.incubation_id, IncubationService.kind))} if stays else {}
    grants = dict(db.session.execute(select(Contract.organization_id, func.count(Contract.id)).where(
        Contract.organization_id.in_(org_ids), Contract.round_id.is_not(None),
        Contract.status.in_(SIGNED_STATUSES)).group_by(Contract.organization_id)).all()) \
        if org_ids else {}
    rows = []
    for stay in stays:
        first, count, done = won.get(stay.organization_id, (None, 0, 0))
        grade, since = grades.get(stay.organization_id, (None, None))
        rows.append(Grantee(
            stay, assessed[stay.id], first.date() if first else None, count, done, grade, since,
            grants.get(stay.organization_id, 0), int(given.get((stay.id, "seed_money"), (0, 0))[1] or 0),
            int(given.get((stay.id, "training"), (0, 0))[0] or 0), []))
    every_days = deadlines.thresholds(today).assessment_every_days
    for row in rows:
        row.behind = behind_reasons(row, today, every_days)
    return rows


def halfway(admitted_on: date, planned_exit_on: date) -> date:
    return admitted_on + (planned_exit_on - admitted_on) / 2


def behind_reasons(row: Grantee, today: date, assessment_every_days: int) -> list[str]:
    """Why an organization in the incubator is falling behind; empty when it is not."""
    if row.incubation.status != "admitted":
        return []
    reasons = []
    last = row.assessments[-1].assessed_on if row.assessments else row.incubation.admitted_on
    if (today - last).days > assessment_every_days:
        reasons.append(_("No capacity assessment for %(days)s days.", days=(today - last).days))
    if row.growth is not None and row.growth <= 0:
        reasons.append(_("Capacity has not grown since the first assessment."))
    if today > row.incubation.planned_exit_on:
        reasons.append(_("Past its planned graduation on %(day)s.", day=row.incubation.planned_exit_on.isoformat()))
    elif row.contracts == 0 and row.grants == 0 and today > row.incubation.halfway_on:
        reasons.append(_("More than half its stay is over without a contract or a grant."))
    return reasons


def milestones(row: Grantee) -> list[tuple[str, date | None]]:
    """The growth milestones the dashboard follows, with the day each was reached (None: not yet)."""
    organization = row.incubation.organization
    return [(_("Registration obtained"), organization.registered_on),
            (_("First contract won"), row.first_contract),
            (_("Grade obtained"), row.grade_since),
            (_("Graduated"), row.incubation.left_on if row.incubation.status == "graduated" else None)]


def capacity_series(rows: list[Grantee]) -> list[tuple[str, list[tuple[date, Decimal]]]]:
    return [(r.incubation.organization.name, [(a.assessed_on, a.mean) for a in r.assessments]) for r in rows
            if r.assessments]


def services_totals(rows: list[Grantee]) -> dict:
    return {"seed_fen": sum(r.seed_fen for r in rows), "training_hours": sum(r.training_hours for r in rows),
            "admitted": sum(1 for r in rows if r.incubation.status == "admitted"),
            "graduated": sum(1 for r in rows if r.incubation.status == "graduated")}

