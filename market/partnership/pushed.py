"""Work pushed on a community without admission (未经准入下派的工作): the community's workers report it,
naming the department; civil affairs looks into it and upholds the report (it counts against the
department) or dismisses it, with a public finding."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.core import unit
from market.core.errors import InvalidTransition, NotFound, PermissionDenied, ServiceError
from market.extensions import db
from market.notifications import services as notifications
from market.partnership.actions import PUSHED_ACTIONS
from market.partnership.admissions import MAX_HOURS
from market.partnership.models import PUSHED_MACHINE, PushedWork
from market.places.models import Community, Department, Street


@dataclass
class PushedData:
    community_id: int
    department_id: int | None
    title: str
    details: str
    staff_hours: int | None


def report(actor, data: PushedData) -> PushedWork:
    if not (actor and actor.is_authenticated and data.community_id in actor.worker_community_ids()):
        raise PermissionDenied(_("Only the community's workers report work pushed on it."))
    community = db.session.get(Community, data.community_id)
    department = db.session.get(Department, data.department_id) if data.department_id else None
    if department is None or department.district_id != community.street.district_id:
        raise ServiceError(_("Choose the department of the district that pushed the work."), field="department_id")
    title, details = " ".join((data.title or "").split()), (data.details or "").strip()
    if not title or len(title) > 120:
        raise ServiceError(_("Say what the work is, in at most 120 characters."), field="title")
    if not details or len(details) > 4000:
        raise ServiceError(_("Say how it was pushed on the community, in at most 4000 characters."), field="details")
    if data.staff_hours is None or not 0 <= data.staff_hours <= MAX_HOURS:
        raise ServiceError(_("Give the staff hours it took, from 0 to %(n)s.", n=MAX_HOURS), field="staff_hours")
    pushed = PushedWork(community_id=community.id, department_id=department.id, title=title, details=details,
                        staff_hours=data.staff_hours, reported_at=clock.now(), reported_by_id=actor.id)
    db.session.add(pushed)
    PUSHED_MACHINE.start(pushed, actor, "")
    unit.flush()
    return pushed


def get(report_id: int) -> PushedWork:
    found = db.session.get(PushedWork, report_id)
    if found is None:
        raise NotFound(_("This report does not exist."))
    return found


def decide(actor, pushed: PushedWork, uphold: bool, finding: str) -> None:
    PUSHED_ACTIONS.require(actor, pushed, "decide")
    finding = (finding or "").strip()
    if not finding or len(finding) > 2000:
        raise ServiceError(_("Say what you found, in at most 2000 characters: the community, the department and "
                             "the public read it."), field="finding")
    target = "upheld" if uphold else "dismissed"
    if not PUSHED_MACHINE.claim(pushed, "reported", target, actor, finding):
        raise InvalidTransition(PUSHED_MACHINE.taken_by_other(pushed, actor)
                                or _("This report was decided at the same moment."), code="decided")
    pushed.decided_at, pushed.decided_by_id, pushed.finding = clock.now(), actor.id, finding
    unit.flush()
    if pushed.reported_by_id:
        notifications.notify(db.session.get(User, pushed.reported_by_id), "pushed_work_decided",
                             {"title": pushed.title, "status": target},
                             ("partnership.pushed_work", {"pushed_work_id": pushed.id}))


def reports_select(status: str | None = None, department_id: int | None = None, community_id: int | None = None):
    statement = (select(PushedWork).options(db.joinedload(PushedWork.community), db.joinedload(PushedWork.department))
                 .order_by(PushedWork.reported_at.desc(), PushedWork.id.desc()))
    if status:
        statement = statement.where(PushedWork.status == status)
    if department_id:
        statement = statement.where(PushedWork.department_id == department_id)
    if community_id:
        statement = statement.where(PushedWork.community_id == community_id)
    return statement


def department_choices(community_ids) -> list[tuple[int, str]]:
    """The departments of the districts of these communities."""
    districts = select(Street.district_id).join(Community).where(Community.id.in_(list(community_ids)))
    return [(d.id, d.name) for d in db.session.scalars(
        select(Department).where(Department.district_id.in_(districts)).order_by(Department.id))]


def departments_reported() -> list[tuple[int, str]]:
    """The departments reported for pushing work, for the list's filter."""
    return [(d.id, d.name) for d in db.session.scalars(select(Department).where(
        Department.id.in_(select(PushedWork.department_id))).order_by(Department.id))]
