"""What waits on the desk in the grid ledger: the leaders' recorded problems and the ratings they give
for residents, the community's problems to dispatch, each body's dispatched problems with their
deadlines, and what is escalated to a street or district."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select

from market import clock
from market.core.desk import Item, Waiting, pile
from market.grid.actions import PROBLEM_ACTIONS
from market.grid.models import OPEN_STATUSES, PROBLEM_MACHINE, TO_DISPATCH, Problem
from market.places.models import Community, Street


def _item(action: str):
    def item(problem: Problem) -> Item:
        due = problem.dispatch_by or problem.due_at  # waiting for a dispatch: by when it is dispatched
        return Item(problem.summary, ("grid.problem", {"problem_id": problem.id}), action,
                    due=clock.china_date(due) if due and problem.status in OPEN_STATUSES else None,
                    note=f"{problem.community.name} · {PROBLEM_MACHINE.label(problem.status)}")
    return item


@pile("resident", "my_problems", _l("Problems you raised"))
def my_problems(user, today, limits):
    return Waiting(
        select(Problem).where(Problem.reporter_id == user.id, Problem.status.in_((*OPEN_STATUSES, "closed")))
        .order_by(Problem.created_at.desc(), Problem.id.desc()), _item(_("Follow it")))


@pile("grid", "recorded", _l("Problems you recorded, on their way"))
def recorded(user, today, limits):
    if not (user.grid_ids() or user.building_ids()):
        return None
    return Waiting(
        select(Problem).where(Problem.recorded_by_id == user.id, Problem.status.in_(OPEN_STATUSES))
        .order_by(Problem.due_at.is_(None), Problem.due_at, Problem.id), _item(_("Follow it")),
        more=("grid.ledger", {"mine": 1}))


@pile("grid", "to_rate", _l("Closed problems to rate with the resident"))
def to_rate(user, today, limits):
    if not (user.grid_ids() or user.building_ids()):
        return None
    return Waiting(
        select(Problem).where(Problem.status == "closed", Problem.reporter_id.is_(None),
                              or_(Problem.recorded_by_id == user.id, Problem.grid_id.in_(user.grid_ids()),
                                  Problem.building_id.in_(user.building_ids())))
        .order_by(Problem.closed_at, Problem.id), _item(_("Ask the resident and rate")),
        action=(PROBLEM_ACTIONS, "rate"))


@pile("community_worker", "problems_to_dispatch", _l("Problems to dispatch"))
def to_dispatch(user, today, limits):
    if not (communities := user.worker_community_ids()):
        return None
    return Waiting(
        select(Problem).where(Problem.community_id.in_(communities), Problem.level == 0,
                              Problem.status.in_(TO_DISPATCH))
        .order_by(Problem.urgency.desc(), Problem.created_at, Problem.id), _item(_("Dispatch")),
        more=("grid.ledger", {"to_dispatch": 1, "followed": 1}), action=(PROBLEM_ACTIONS, "dispatch"))


def _bodies(user):
    """Whether the dispatch's body is one `user` acts for, as SQL."""
    held = [("department", user.department_ids()), ("organization", user.organization_ids()),
            ("community", user.worker_community_ids()), ("street", user.street_ids()),
            ("district", user.district_ids())]
    conditions = [(Problem.body_kind == kind) & Problem.body_id.in_(ids) for kind, ids in held if ids]
    return or_(*conditions) if conditions else None


@pile("problems", "to_answer", _l("Dispatched to you: accept or send back"))
def to_answer(user, today, limits):
    if (bodies := _bodies(user)) is None:
        return None
    return Waiting(select(Problem).where(bodies, Problem.status == "dispatched")
                   .order_by(Problem.due_at, Problem.id), _item(_("Accept or send back")),
                   action=(PROBLEM_ACTIONS, "accept", "return"))


@pile("problems", "handling", _l("Being handled: record progress and close"))
def handling(user, today, limits):
    if (bodies := _bodies(user)) is None:
        return None
    return Waiting(select(Problem).where(bodies, Problem.status == "accepted")
                   .order_by(Problem.due_at, Problem.id), _item(_("Record progress or close")),
                   action=(PROBLEM_ACTIONS, "progress", "close"))


@pile("problems", "escalated", _l("Escalated to you: past their deadline"))
def escalated(user, today, limits):
    streets, districts = user.street_ids(), user.district_ids()
    if not (streets or districts):
        return None
    in_street = Problem.community_id.in_(select(Community.id).where(Community.street_id.in_(streets))) \
        if streets else false()
    in_district = Problem.community_id.in_(select(Community.id).join(Street).where(
        Street.district_id.in_(districts))) if districts else false()
    return Waiting(
        select(Problem).where(Problem.status.in_(OPEN_STATUSES), or_(
            (Problem.level >= 1) & in_street, (Problem.level == 2) & in_district))
        .order_by(Problem.due_at, Problem.id), _item(_("Dispatch again or take it over")),
        more=("grid.ledger", {"overdue": 1, "followed": 1}), action=(PROBLEM_ACTIONS, "dispatch"))

