"""Who answers each category of problem in a district and by when (DispatchRule): versions with the
days they apply, never overlapping, so the rule behind every deadline can be named."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from market import clock
from market.core import unit
from market.core.errors import Invalid, NotFound, PermissionDenied, ServiceError
from market.extensions import db
from market.grid import categories
from market.grid.models import BODY_KINDS, DispatchRule
from market.organizations.models import Organization, organization_community
from market.places.models import Community, Department, District, Street
from market.rules.services import add_working_days

UNITS = ("hours", "working_days")
MAX_AMOUNT = 24 * 90  # hours (or working days) a rule may give at most


@dataclass
class RuleData:
    district_id: int
    category: str
    effective_from: date
    effective_until: date | None
    body_kind: str
    body_id: int | None
    respond_hours: int
    urgent_amount: int
    urgent_unit: str
    normal_amount: int
    normal_unit: str


def may_manage(user, district_id: int) -> bool:
    return bool(user and user.is_authenticated and user.sets_rules_of(district_id))


def add_rule(actor, data: RuleData) -> DispatchRule:
    """A new version of a district's rule for a category; refused if its days overlap another's."""
    if not may_manage(actor, data.district_id):
        raise PermissionDenied(_("Only civil affairs or the district's staff set its dispatch rules."))
    _check(data)
    overlapping = db.session.scalar(select(DispatchRule).where(
        DispatchRule.district_id == data.district_id, DispatchRule.category == data.category,
        or_(DispatchRule.effective_until.is_(None), DispatchRule.effective_until > data.effective_from),
        *([DispatchRule.effective_from < data.effective_until] if data.effective_until else []))
        .order_by(DispatchRule.version))
    if overlapping is not None:
        raise ServiceError(_("Version %(v)s of this rule applies from %(start)s%(until)s: end it first, or start this "
                             "one later; two versions may not apply on the same day.", v=overlapping.version,
                             start=overlapping.effective_from.isoformat(),
                             until=f" – {overlapping.effective_until.isoformat()}" if overlapping.effective_until
                             else ""), field="effective_from", code="overlapping_rule")
    version = (db.session.scalar(select(func.max(DispatchRule.version)).where(
        DispatchRule.district_id == data.district_id, DispatchRule.category == data.category)) or 0) + 1
    rule = DispatchRule(version=version, created_at=clock.now(), created_by_id=actor.id, **vars(data))
    db.session.add(rule)
    unit.refuse_if_taken(_("Another version of this rule was saved at the same moment: look at the rules again."),
                         code="rule_race")
    return rule


def get_rule(rule_id: int) -> DispatchRule:
    rule = db.session.get(DispatchRule, rule_id)
    if rule is None:
        raise NotFound(_("This dispatch rule does not exist."))
    return rule


def end_rule(actor, rule: DispatchRule, until: date | None) -> None:
    """Set the day a version stops applying (to make room for the next)."""
    if not may_manage(actor, rule.district_id):
        raise PermissionDenied(_("Only civil affairs or the district's staff set its dispatch rules."))
    if until is None or until <= rule.effective_from:
        raise ServiceError(_("A rule ends after the day it starts."), field="until")
    if rule.effective_until is not None and until > rule.effective_until:
        raise ServiceError(_("A rule's end is only brought forward."), field="until")
    rule.effective_until = until
    unit.flush()


def _check(data: RuleData) -> None:
    errors = []
    if data.category not in categories.CATEGORIES:
        errors.append(ServiceError(_("Choose a category from the list."), field="category"))
    if db.session.get(District, data.district_id) is None:
        errors.append(ServiceError(_("Choose a district from the list."), field="district_id"))
    if data.body_kind not in ("department", "organization", "community"):
        errors.append(ServiceError(_("Choose who answers."), field="body"))
    elif data.body_kind != "community" and not body_exists(data.body_kind, data.body_id, data.district_id):
        errors.append(ServiceError(_("Choose a department or company of this district."), field="body"))
    if data.effective_until is not None and data.effective_until <= data.effective_from:
        errors.append(ServiceError(_("A rule ends after the day it starts."), field="effective_until"))
    if not 1 <= data.respond_hours <= MAX_AMOUNT:
        errors.append(ServiceError(_("Give between 1 and %(n)s hours to answer.", n=MAX_AMOUNT), field="respond_hours"))
    for name in ("urgent", "normal"):
        if getattr(data, f"{name}_unit") not in UNITS:
            errors.append(ServiceError(_("Choose hours or working days."), field=f"{name}_unit"))
        if not 1 <= getattr(data, f"{name}_amount") <= MAX_AMOUNT:
            errors.append(ServiceError(_("Give a time between 1 and %(n)s.", n=MAX_AMOUNT), field=f"{name}_amount"))
    if errors:
        raise Invalid(errors)


def rule_in_force(district_id: int, category: str, on: date | None = None) -> DispatchRule | None:
    on = on or clock.today()
    return db.session.scalar(select(DispatchRule).where(
        DispatchRule.district_id == district_id, DispatchRule.category == category,
        DispatchRule.effective_from <= on,
        or_(DispatchRule.effective_until.is_(None), DispatchRule.effective_until > on)))


def rules_select(district_id: int | None = None):
    statement = select(DispatchRule).order_by(DispatchRule.district_id, DispatchRule.category,
                                              DispatchRule.version.desc())
    return statement.where(DispatchRule.district_id == district_id) if district_id else statement


def deadline(rule: DispatchRule, urgency: str, start: datetime) -> datetime:
    amount, unit_name = ((rule.urgent_amount, rule.urgent_unit) if urgency == "urgent"
                         else (rule.normal_amount, rule.normal_unit))
    if unit_name == "hours":
        return start + timedelta(hours=amount)
    # working days are China's: counted on Beijing dates, the moment stored in UTC again
    return add_working_days(start + clock.CHINA_OFFSET, amount) - clock.CHINA_OFFSET


def describe_time(amount: int, unit_name: str) -> str:
    return _("%(n)s hours", n=amount) if unit_name == "hours" else _("%(n)s working days", n=amount)


# --- responsible bodies ---------------------------------------------------------------------------

def body_exists(kind: str, body_id: int | None, district_id: int) -> bool:
    if body_id is None:
        return False
    if kind == "department":
        found = db.session.scalar(select(Department.id).where(
            Department.id == body_id, Department.district_id == district_id, Department.street_id.is_(None)))
        return found is not None
    if kind == "organization":  # a company serving some community of the district
        return db.session.scalar(
            select(Organization.id).join(organization_community)
            .join(Community, Community.id == organization_community.c.community_id).join(Street)
            .where(Organization.id == body_id, Organization.org_type == "property_management",
                   Organization.status == "approved", Street.district_id == district_id).limit(1)) is not None
    return False


def body_name(kind: str, body_id: int | None) -> str:
    model = {"department": Department, "organization": Organization, "community": Community,
             "street": Street, "district": District}.get(kind)
    record = db.session.get(model, body_id) if model is not None and body_id is not None else None
    if record is None:
        return str(BODY_KINDS.get(kind, kind))
    return _("%(street)s office", street=record.name) if kind == "street" else record.name


def body_choices(community: Community) -> list[tuple[str, str]]:
    """Whom a problem of `community` may be dispatched to ("kind:id", name): the community itself, the
    district's departments (street offices are not among them: a problem reaches its street office by
    escalation, which then takes it over as "street"), and the approved property-management companies
    that serve it."""
    district_id = community.street.district_id
    departments = db.session.execute(select(Department.id, Department.name).where(
        Department.district_id == district_id, Department.street_id.is_(None)).order_by(Department.name)).all()
    companies = db.session.execute(
        select(Organization.id, Organization.name).join(organization_community)
        .where(organization_community.c.community_id == community.id,
               Organization.org_type == "property_management", Organization.status == "approved")
        .order_by(Organization.name)).all()
    return ([(f"community:{community.id}", _("%(c)s (the community itself)", c=community.name))]
            + [(f"department:{i}", name) for i, name in departments]
            + [(f"organization:{i}", name) for i, name in companies])


def rule_body_choices(district_ids) -> list[tuple[str, str]]:
    """Whom a rule of these districts may name: the community itself, their departments, and the
    approved property-management companies serving their communities."""
    departments = db.session.execute(select(Department.id, Department.name, District.name).join(District)
                                      .where(Department.district_id.in_(list(district_ids)),
                                             Department.street_id.is_(None))
                                      .order_by(District.id, Department.name)).all()
    companies = db.session.execute(
        select(Organization.id, Organization.name).join(organization_community)
        .join(Community, Community.id == organization_community.c.community_id).join(Street)
        .where(Organization.org_type == "property_management", Organization.status == "approved",
               Street.district_id.in_(list(district_ids))).distinct().order_by(Organization.name)).all()
    return ([("community:", _("The community where the problem is"))]
            + [(f"department:{i}", f"{district} · {name}") for i, name, district in departments]
            + [(f"organization:{i}", name) for i, name in companies])
