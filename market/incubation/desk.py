"""What waits on the desk of incubator staff: assessments due and stays ending."""
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from market.accounts.roles import Role
from market.core.desk import Item, Waiting, pile
from market.incubation.models import CapacityAssessment, Cohort, Incubation, Incubator
from market.organizations.models import Organization


def _stays(user):
    operators = {g.organization_id for g in user.grants if g.role == Role.INCUBATOR_STAFF}
    if not operators:
        return None
    return (select(Incubation.id).join(Cohort, Cohort.id == Incubation.cohort_id)
            .join(Incubator, Incubator.id == Cohort.incubator_id)
            .where(Incubator.operator_id.in_(operators), Incubation.status == "admitted"))


@pile("incubator_staff", "assessments_due", _l("Capacity assessments due"))
def assessments_due(user, today, limits):
    stays = _stays(user)
    if stays is None:
        return None
    last = func.coalesce(
        select(func.max(CapacityAssessment.assessed_on)).where(CapacityAssessment.incubation_id == Incubation.id)
        .scalar_subquery(), Incubation.admitted_on).label("last")
    every = timedelta(days=limits.assessment_every_days)
    return Waiting(
        select(Incubation, Organization.name, Cohort.incubator_id, last)
        .join(Organization, Organization.id == Incubation.organization_id).join(Cohort)
        .where(Incubation.id.in_(stays), last <= today + timedelta(days=limits.due_soon_days) - every)
        .order_by(last, Incubation.id),
        lambda stay, name, incubator_id, assessed: Item(
            name, ("incubation.dashboard", {"incubator_id": incubator_id}), _("Assess its capacity"),
            due=assessed + every))


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
