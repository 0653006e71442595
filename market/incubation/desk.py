"""What waits on the desk of incubator staff (assessments due, organizations falling behind, stays
ending), and the reminder of an assessment falling due."""
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from market.accounts import services as accounts
from market.accounts.roles import Role
from market.contracts.models import SIGNED_STATUSES, Contract
from market.core.desk import Item, Waiting, pile
from market.extensions import db
from market.incubation.models import CapacityAssessment, Cohort, Incubation, Incubator
from market.notifications.reminders import Due, duty
from market.notifications.wording import describes, due_words
from market.organizations.models import Organization


def _stays(user):
    operators = {g.organization_id for g in user.grants if g.role == Role.INCUBATOR_STAFF}
    if not operators:
        return None
    return (select(Incubation.id).join(Cohort, Cohort.id == Incubation.cohort_id)
            .join(Incubator, Incubator.id == Cohort.incubator_id)
            .where(Incubator.operator_id.in_(operators), Incubation.status == "admitted"))


def _last_assessed():
    """A stay's last capacity assessment, or its admission when it has none yet."""
    return func.coalesce(
        select(func.max(CapacityAssessment.assessed_on)).where(CapacityAssessment.incubation_id == Incubation.id)
        .scalar_subquery(), Incubation.admitted_on).label("last")


@pile("incubator_staff", "assessments_due", _l("Capacity assessments due"))
def assessments_due(user, today, limits):
    stays = _stays(user)
    if stays is None:
        return None
    last = _last_assessed()
    every = timedelta(days=limits.assessment_every_days)
    return Waiting(
        select(Incubation, Organization.name, Cohort.incubator_id, last)
        .join(Organization, Organization.id == Incubation.organization_id).join(Cohort)
        .where(Incubation.id.in_(stays), last <= today + timedelta(days=limits.due_soon_days) - every)
        .order_by(last, Incubation.id),
        lambda stay, name, incubator_id, assessed: Item(
            name, ("incubation.dashboard", {"incubator_id": incubator_id}), _("Assess its capacity"),
            due=assessed + every))


@pile("incubator_staff", "falling_behind", _l("Organizations falling behind"))
def falling_behind(user, today, limits):
    """Stays past their halfway day without a signed contract or grant (services.behind_reasons:
    the dashboard names every reason; the others are the assessments and stays piles)."""
    stays = _stays(user)
    if stays is None:
        return None
    won = exists().where(Contract.organization_id == Incubation.organization_id,
                         Contract.status.in_(SIGNED_STATUSES))
    return Waiting(
        select(Incubation, Organization.name, Cohort.incubator_id)
        .join(Organization, Organization.id == Incubation.organization_id).join(Cohort)
        .where(Incubation.id.in_(stays), Incubation.halfway_on < today,
               # one ending soon is in "stays ending" already: one row a stay
               Incubation.planned_exit_on > today + timedelta(days=limits.due_soon_days), ~won)
        .order_by(Incubation.halfway_on, Incubation.id),
        lambda stay, name, incubator_id: Item(
            name, ("incubation.dashboard", {"incubator_id": incubator_id}), _("Plan the support it needs"),
            note=_("More than half its stay is over without a contract or a grant."), due=stay.planned_exit_on))


@pile("incubator_staff", "stays_ending", _l("Stays ending: decide graduation"))
def stays_ending(user, today, limits):
    stays = _stays(user)
    if stays is None:
        return None
    return Waiting(
        select(Incubation, Organization.name, Cohort.incubator_id)
        .join(Organization, Organization.id == Incubation.organization_id).join(Cohort)
        .where(Incubation.id.in_(stays),
               Incubation.planned_exit_on <= today + timedelta(days=limits.due_soon_days))
        .order_by(Incubation.planned_exit_on, Incubation.id),
        lambda stay, name, incubator_id: Item(name, ("incubation.dashboard", {"incubator_id": incubator_id}),
                                              _("Review its stay"), due=stay.planned_exit_on))


@duty("capacity_assessment")
def assessment_reminders(today, limits):
    """The incubator's staff, of a stay whose next capacity assessment falls due; each assessment
    starts a new round of reminders (`cycle`: the date of the one before)."""
    last = _last_assessed()
    every = timedelta(days=limits.assessment_every_days)
    rows = db.session.execute(
        select(Incubation, Organization.name, Cohort.incubator_id, Incubator.operator_id, last)
        .join(Organization, Organization.id == Incubation.organization_id).join(Cohort)
        .join(Incubator, Incubator.id == Cohort.incubator_id)
        .where(Incubation.status == "admitted", last <= today + timedelta(days=limits.remind_days_before) - every)
    ).all()
    staff = accounts.holders_of(Role.INCUBATOR_STAFF, {operator for *_row, operator, _last in rows})
    return [Due(stay.id, assessed + every, staff.get(operator, []), "assessment_reminder", {"organization": name},
                ("incubation.dashboard", {"incubator_id": incubator_id}), cycle=assessed.isoformat())
            for stay, name, incubator_id, operator, assessed in rows]


@describes("assessment_reminder")
def _assessment_reminder(d):
    return _("%(organization)s: its capacity assessment is due, %(when)s", organization=d.get("organization", ""),
             when=due_words(d))
