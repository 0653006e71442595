"""What waits on the desk in evaluation (services to rate, evaluations to do or publish, grades), and
the reminders of evaluations due."""
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select

from market.accounts import services as accounts
from market.accounts.roles import Role
from market.contracts.models import SIGNED_STATUSES, Contract
from market.core.desk import Item, Waiting, pile
from market.evaluation.actions import EVALUATION_ACTIONS, GRADING_ACTIONS
from market.evaluation.models import EVALUATION_MACHINE, Beneficiary, Evaluation, GradeApplication, Rating
from market.extensions import db
from market.notifications.reminders import Due, duty
from market.organizations.models import Organization


@pile("resident", "to_rate", _l("Services to rate"))
def services_to_rate(user, today, limits):
    rated = exists().where(Rating.contract_id == Contract.id, Rating.user_id == user.id)
    return Waiting(
        select(Contract).join(Beneficiary, and_(Beneficiary.contract_id == Contract.id, Beneficiary.user_id == user.id))
        .where(Contract.status.in_(SIGNED_STATUSES), ~rated).order_by(Contract.ends_on, Contract.id),
        lambda contract: Item(contract.title, ("evaluation.contract", {"contract_id": contract.id}),
                              _("Rate the service"), note=contract.organization.name))


@pile("evaluator", "evaluations", _l("Evaluations to carry out"))
def evaluations_to_do(user, today, limits):
    organizations = {g.organization_id for g in user.grants if g.role == Role.EVALUATOR}
    if not organizations:
        return None
    return Waiting(
        select(Evaluation, func.coalesce(Contract.title, Organization.name))
        .outerjoin(Contract, Contract.id == Evaluation.contract_id)
        .outerjoin(GradeApplication, GradeApplication.id == Evaluation.application_id)
        .outerjoin(Organization, Organization.id == GradeApplication.organization_id)
        .where(Evaluation.evaluator_org_id.in_(organizations), Evaluation.status.in_(("commissioned", "scoring")))
        .order_by(Evaluation.due_on, Evaluation.id),
        lambda evaluation, subject: Item(
            subject, ("evaluation.show", {"evaluation_id": evaluation.id}),
            _("Declare and score") if evaluation.status == "commissioned" else _("Score and submit"),
            due=evaluation.due_on, note=str(EVALUATION_MACHINE.label(evaluation.status))),
        more=("evaluation.mine", {}), action=(EVALUATION_ACTIONS, "declare", "score"))


@pile("purchaser", "evaluations_to_publish", _l("Evaluations to publish"))
def evaluations_to_publish(user, today, limits):
    departments = user.department_ids()
    if not departments:
        return None
    return Waiting(
        select(Evaluation, Contract).join(Contract, Contract.id == Evaluation.contract_id)
        .where(Contract.department_id.in_(departments), Evaluation.status == "submitted")
        .order_by(Evaluation.submitted_at, Evaluation.id),
        lambda evaluation, contract: Item(contract.title, ("evaluation.show", {"evaluation_id": evaluation.id}),
                                          _("Publish it or send it back"), due=evaluation.due_on),
        action=(EVALUATION_ACTIONS, "publish", "return"))


RECENT_DAYS = 30  # what an organization received lately stays on its desk this long


def _received_lately(user, today, received_after):
    """The select of what the person's organizations received lately (`received_after(since)`: the
    select, given the moment 30 days ago), or None for someone in no organization."""
    organizations = user.organization_ids()
    return received_after(organizations, datetime.combine(today - timedelta(days=RECENT_DAYS), time.min)) \
        if organizations else None


@pile("organization", "evaluations_received", _l("Evaluations published lately"))
def evaluations_received(user, today, limits):
    """The evaluations of the organization's services published in the last 30 days."""
    return _received_lately(user, today, lambda organizations, since: Waiting(
        select(Evaluation, Contract).join(Contract, Contract.id == Evaluation.contract_id)
        .where(Contract.organization_id.in_(organizations), Evaluation.status == "published",
               Evaluation.published_at >= since)
        .order_by(Evaluation.published_at.desc(), Evaluation.id),
        lambda evaluation, contract: Item(contract.title, ("evaluation.show", {"evaluation_id": evaluation.id}),
                                          _("Read the evaluation"), note=contract.organization.name)))


@pile("organization", "ratings_received", _l("Residents' ratings received lately"))
def ratings_received(user, today, limits):
    """Residents' ratings of the organization's services in the last 30 days (not those hidden)."""
    return _received_lately(user, today, lambda organizations, since: Waiting(
        select(Rating, Contract).join(Contract, Contract.id == Rating.contract_id)
        .where(Contract.organization_id.in_(organizations), Rating.hidden_at.is_(None), Rating.created_at >= since)
        .order_by(Rating.created_at.desc(), Rating.id),
        lambda rating, contract: Item(contract.title, ("evaluation.contract", {"contract_id": contract.id}),
                                      _("Read the ratings"), note="★" * rating.stars + "☆" * (5 - rating.stars))))


@pile("civil_affairs", "grade_applications", _l("Grade applications waiting"))
def grade_applications(user, today, limits):
    if not user.has_role(Role.CIVIL_AFFAIRS):
        return None
    evaluated = exists().where(Evaluation.application_id == GradeApplication.id, Evaluation.status == "submitted")
    return Waiting(
        select(GradeApplication).where(or_(GradeApplication.status.in_(("applied", "appealed")),
                                           and_(GradeApplication.status == "evaluating", evaluated)))
        .order_by(GradeApplication.applied_at, GradeApplication.id),
        lambda application: Item(application.organization.name,
                                 ("evaluation.application", {"application_id": application.id}),
                                 {"applied": _("Assign an evaluator"), "appealed": _("Answer the appeal")}.get(
                                     application.status, _("Publish the evaluation and decide"))),
        more=("evaluation.applications", {}), action=(GRADING_ACTIONS, "assign", "answer_appeal", "decide"))


# --- reminders (notifications/reminders.py) --------------------------------------------------------

@duty("evaluation_due")
def evaluation_reminders(today, limits):
    """The evaluator organization's evaluators, of an evaluation to finish by its date."""
    evaluations = db.session.scalars(select(Evaluation).where(
        Evaluation.status.in_(("commissioned", "scoring")),
        Evaluation.due_on <= today + timedelta(days=limits.remind_days_before))).all()
    evaluators = accounts.holders_of(Role.EVALUATOR, {e.evaluator_org_id for e in evaluations})
    return [Due(evaluation.id, evaluation.due_on, evaluators.get(evaluation.evaluator_org_id, []),
                "evaluation_reminder", {"kind": evaluation.kind, "rubric": evaluation.rubric.name},
                ("evaluation.show", {"evaluation_id": evaluation.id})) for evaluation in evaluations]
