"""The qualified undertaker catalog (承接主体目录): who may take on purchased services, and why.

The conditions (DOMAIN.md): approved registration, registered long enough (a rule per city),
the last annual inspection passed, and no debarment in force. A minimum grade that a catalog
item asks for is checked when grades exist (the evaluation area adds them).
"""
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import text, unit
from market.core.errors import Ineligible, PermissionDenied, Problem, ServiceError, existing
from market.extensions import db
from market.organizations import services as organizations
from market.organizations.models import (
    GRADES,
    INSPECTION_RESULTS,
    AnnualInspection,
    Debarment,
    Organization,
    OrganizationGrade,
    ServiceCategory,
)
from market.procurement.models import UNDERTAKER_MACHINE, CatalogItem, PurchaseCatalog, UndertakerEntry
from market.rules import services as rules

ACTIVE = ("applied", "listed")


def _require_civil_affairs(actor: User) -> None:
    if not actor.has_role(Role.CIVIL_AFFAIRS):
        raise PermissionDenied(_("Only a civil-affairs administrator can do this."))


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def eligibility_problems(org: Organization) -> list[Problem]:
    """Why the organization may not be listed now (each with its code); an empty list means it may."""
    today = clock.now().date()
    problems = [found] if (found := organizations.community_body_problem(org)) else []
    if org.status != "approved":
        problems.append(Problem(_("The organization is not approved by civil affairs."),
                                code="organization_not_approved"))
    minimum = rules.in_force(today)["undertaker_min_registration_years"]
    if _years_between(org.registered_on, today) < minimum:
        problems.append(Problem(_("It must have been registered for at least %(n)s full years.", n=minimum),
                                code="registered_too_recently"))
    last_year = today.year - 1
    if org.registered_on.year <= last_year:
        inspection = db.session.scalar(select(AnnualInspection).filter_by(organization_id=org.id, year=last_year))
        if inspection is None:
            problems.append(Problem(_("No annual inspection is recorded for %(year)s.", year=last_year),
                                    code="inspection_missing"))
        elif inspection.result == "unqualified":
            problems.append(Problem(_("It failed the annual inspection of %(year)s.", year=last_year),
                                    code="inspection_failed"))
    debarment = active_debarment(org.id)
    if debarment is not None:
        problems.append(Problem(_("It is debarred until %(date)s: %(reason)s", date=debarment.ends_on.isoformat(),
                                  reason=debarment.reason), code="debarred"))
    return problems


def active_debarment(organization_id: int) -> Debarment | None:
    today = clock.now().date()
    return db.session.scalar(select(Debarment).where(Debarment.organization_id == organization_id,
                                                     Debarment.starts_on <= today, Debarment.ends_on >= today)
                             .order_by(Debarment.ends_on.desc()))


def apply(actor: User, org: Organization, category_ids: list[int]) -> list[UndertakerEntry]:
    """An owner applies for the categories chosen; refused at once, with every reason, if ineligible."""
    if not actor.owns_organization(org.id):
        raise PermissionDenied(_("Only an owner of this organization can do this."))
    problems = eligibility_problems(org)
    if problems:
        raise Ineligible(problems)
    if not category_ids:
        raise ServiceError(_("Choose at least one category."), field="category_ids")
    grade = current_grade(org.id) or 0
    for category_id in category_ids:
        item = strictest_item(category_id)
        if item is not None and grade < item.min_grade:
            raise ServiceError(_("“%(item)s” in a published catalog asks for grade %(grade)s or better.",
                                 item=item.name, grade=GRADES[item.min_grade]), field="category_ids",
                               code="catalog_grade_too_low")
    taken = set(db.session.scalars(select(UndertakerEntry.category_id).where(
        UndertakerEntry.organization_id == org.id, UndertakerEntry.status.in_(ACTIVE))))
    new = [c for c in dict.fromkeys(category_ids) if c not in taken]
    if not new:
        raise ServiceError(_("The organization has applied for or is listed in these categories already."),
                           field="category_ids", code="already_applied_or_listed")
    entries = []
    for category_id in new:
        existing(ServiceCategory, category_id, _("Choose a service category."))
        entry = UndertakerEntry(organization_id=org.id, category_id=category_id, applied_at=clock.now(),
                                applied_by_id=actor.id, status="applied")
        db.session.add(entry)
        db.session.flush()
        UNDERTAKER_MACHINE.start(entry, actor, "")
        entries.append(entry)
    unit.flush()
    return entries


def decide(actor: User, entry_id: int, approve: bool, reason: str = "") -> UndertakerEntry:
    _require_civil_affairs(actor)
    entry = existing(UndertakerEntry, entry_id, _("This application does not exist."))
    reason = text.clean(reason, 1000)
    if approve:
        problems = eligibility_problems(entry.organization)  # conditions may have changed since applying
        if problems:
            raise Ineligible(problems)
    elif not reason:
        raise ServiceError(_("Give the organization a reason for the refusal."), field="reason")
    UNDERTAKER_MACHINE.move(entry, "listed" if approve else "refused", actor, reason)
    entry.decided_at, entry.decided_by_id, entry.reason = clock.now(), actor.id, reason
    unit.flush()
    return entry


def remove(actor: User, entry_id: int, reason: str) -> None:
    _require_civil_affairs(actor)
    entry = existing(UndertakerEntry, entry_id, _("This application does not exist."))
    reason = text.required(reason, 1000, _("Give the reason for removing it."))
    UNDERTAKER_MACHINE.move(entry, "removed", actor, reason)
    entry.reason = reason
    unit.flush()


def record_inspection(actor: User, org: Organization, year: int, result: str) -> AnnualInspection:
    _require_civil_affairs(actor)
    if result not in INSPECTION_RESULTS:
        raise ServiceError(_("Choose the result."), field="result")
    if not org.registered_on.year <= year <= clock.now().year:
        raise ServiceError(_("Choose a year between registration and this year."), field="year")
    inspection = db.session.scalar(select(AnnualInspection).filter_by(organization_id=org.id, year=year))
    if inspection is not None:
        raise ServiceError(_("The inspection of %(year)s is recorded already.", year=year), field="year")
    inspection = AnnualInspection(organization_id=org.id, year=year, result=result, recorded_at=clock.now(),
                                  recorded_by_id=actor.id)
    db.session.add(inspection)
    unit.flush()
    return inspection


def debar(actor: User, org: Organization, reason: str, ends_on: date) -> Debarment:
    _require_civil_affairs(actor)
    reason = text.clean(reason, 1000)
    today = clock.now().date()
    if not reason:
        raise ServiceError(_("Give the reason for the debarment."), field="reason")
    if ends_on <= today:
        raise ServiceError(_("The debarment must end after today."), field="ends_on")
    debarment = Debarment(organization_id=org.id, reason=reason, starts_on=today, ends_on=ends_on,
                          recorded_at=clock.now(), recorded_by_id=actor.id)
    db.session.add(debarment)
    # A debarred organization leaves the catalog at once.
    for entry in db.session.scalars(select(UndertakerEntry).where(UndertakerEntry.organization_id == org.id,
                                                                  UndertakerEntry.status == "listed")):
        UNDERTAKER_MACHINE.move(entry, "removed", actor, reason)
    unit.flush()
    return debarment


def strictest_item(category_id: int):
    """The published catalog item of a category that asks for the highest grade, if any asks."""
    return db.session.scalar(select(CatalogItem).join(PurchaseCatalog).where(
        CatalogItem.category_id == category_id, CatalogItem.min_grade > 0, PurchaseCatalog.status == "published")
        .order_by(CatalogItem.min_grade.desc()))


def current_grade(organization_id: int) -> int | None:
    """The grade in force today (by the injected clock), or None."""
    today = clock.now().date()
    return db.session.scalar(select(OrganizationGrade.grade).where(
        OrganizationGrade.organization_id == organization_id, OrganizationGrade.valid_from <= today,
        OrganizationGrade.valid_until >= today).order_by(OrganizationGrade.valid_from.desc()))


def record_grade(actor: User, org: Organization, grade: int, valid_from: date) -> OrganizationGrade:
    """Record a grade decided by the evaluation committee; it lapses after the rule's validity."""
    _require_civil_affairs(actor)
    record = grant_grade(actor, org.id, grade, valid_from)
    unit.flush()
    return record


GRADE_MAX_DAYS_AHEAD = 90  # a decided grade is announced and takes effect within weeks, not years (assumed)


def grade_start_bounds(organization_id: int) -> tuple[date, date]:
    """The first and the last day a grade of the organization may take effect from: not before it was
    registered (no evaluation could precede it), and not more than GRADE_MAX_DAYS_AHEAD from today."""
    org = db.session.get(Organization, organization_id)
    return org.registered_on, clock.today() + timedelta(days=GRADE_MAX_DAYS_AHEAD)


def grant_grade(actor: User, organization_id: int, grade: int, valid_from: date) -> OrganizationGrade:
    """A grade valid for the rule's number of years from `valid_from` (in the caller's transaction)."""
    if grade not in GRADES:
        raise ServiceError(_("Choose a grade from 1A to 5A."), field="grade")
    earliest, latest = grade_start_bounds(organization_id)
    if valid_from > latest:
        raise ServiceError(_("A grade takes effect at most %(n)s days ahead, by %(day)s.", n=GRADE_MAX_DAYS_AHEAD,
                             day=latest.isoformat()), field="valid_from")
    if valid_from < earliest:
        raise ServiceError(_("A grade cannot take effect before the organization was registered (%(day)s).",
                             day=earliest.isoformat()), field="valid_from")
    years = rules.in_force()["grade_validity_years"]  # the rules in force when it is recorded
    try:
        until = valid_from.replace(year=valid_from.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        until = valid_from.replace(year=valid_from.year + years, day=28)
    record = OrganizationGrade(organization_id=organization_id, grade=grade, valid_from=valid_from,
                               valid_until=until, recorded_at=clock.now(), recorded_by_id=actor.id)
    db.session.add(record)
    return record


def current_grades(organization_ids=None) -> dict[int, int]:
    """The grade in force today of every organization, or of the given ones, in one query."""
    today = clock.now().date()
    statement = (select(OrganizationGrade.organization_id, OrganizationGrade.grade)
                 .where(OrganizationGrade.valid_from <= today, OrganizationGrade.valid_until >= today)
                 .order_by(OrganizationGrade.valid_from))
    if organization_ids is not None:
        statement = statement.where(OrganizationGrade.organization_id.in_(sorted(organization_ids)))
    return dict(db.session.execute(statement).all())  # the newest valid grade of each organization wins


def grades_of(org: Organization) -> list[OrganizationGrade]:
    return db.session.scalars(select(OrganizationGrade).where(OrganizationGrade.organization_id == org.id)
                              .order_by(OrganizationGrade.valid_from.desc())).all()


def is_listed(organization_id: int, category_id: int) -> bool:
    return db.session.scalar(select(UndertakerEntry.id).filter_by(
        organization_id=organization_id, category_id=category_id, status="listed")) is not None


def listed_select(category_id: int | None = None):
    statement = (select(UndertakerEntry).where(UndertakerEntry.status == "listed")
                 .order_by(UndertakerEntry.category_id, UndertakerEntry.organization_id))
    if category_id:
        statement = statement.where(UndertakerEntry.category_id == category_id)
    return statement


def pending_select(actor: User):
    _require_civil_affairs(actor)
    return select(UndertakerEntry).where(UndertakerEntry.status == "applied").order_by(UndertakerEntry.applied_at)


def entries_of(org: Organization) -> list[UndertakerEntry]:
    return db.session.scalars(select(UndertakerEntry).where(UndertakerEntry.organization_id == org.id)
                              .order_by(UndertakerEntry.id)).all()


def inspections_of(org: Organization) -> list[AnnualInspection]:
    return db.session.scalars(select(AnnualInspection).where(AnnualInspection.organization_id == org.id)
                              .order_by(AnnualInspection.year.desc())).all()


def debarments_of(org: Organization) -> list[Debarment]:
    return db.session.scalars(select(Debarment).where(Debarment.organization_id == org.id)
                              .order_by(Debarment.id.desc())).all()
