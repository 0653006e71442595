"""Admission (社区工作准入): a department that wants communities to take on work that is on neither of
the district's lists asks civil affairs first, saying what, why, how often, the staff time it costs and
the money it offers; civil affairs admits it (with conditions) or refuses it with a reason. Requests,
decisions and reasons are public. `admitted_for` answers which admitted work applies to a community
(what agreements entrusting work to communities will be made for)."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from market import clock
from market.accounts.models import User
from market.core import unit
from market.core.errors import InvalidTransition, NotFound, PermissionDenied, ServiceError
from market.extensions import db
from market.notifications import services as notifications
from market.partnership.actions import ADMISSION_ACTIONS
from market.partnership.models import ADMISSION_MACHINE, FREQUENCIES, AdmissionRequest
from market.places.models import Community, Department, Street

MAX_HOURS = 2000  # staff hours a time, at most
MAX_MONEY = 100_000_000_00  # fen a community a year, at most (one hundred million yuan)


@dataclass
class AdmissionData:
    department_id: int
    street_id: int | None
    community_id: int | None  # empty: every community of the street
    title: str
    reason: str
    frequency: str
    staff_hours: int | None
    money_offered: int | None  # fen


def submit(actor, data: AdmissionData) -> AdmissionRequest:
    if not (actor and actor.is_authenticated and data.department_id in actor.department_ids()):
        raise PermissionDenied(_("Only a department's staff ask admission for its work."))
    department = db.session.get(Department, data.department_id)
    street_id = data.street_id
    if data.community_id:
        community = db.session.get(Community, data.community_id)
        if community is None:
            raise ServiceError(_("Choose the communities."), field="scope")
        street_id = community.street_id
    street = db.session.get(Street, street_id) if street_id else None
    if street is None:
        raise ServiceError(_("Choose the communities."), field="scope")
    if street.district_id != department.district_id or (department.street_id and department.street_id != street.id):
        raise ServiceError(_("The work can only be for communities %(department)s serves.",
                             department=department.name), field="scope")
    title, reason = " ".join((data.title or "").split()), (data.reason or "").strip()
    if not title or len(title) > 120:
        raise ServiceError(_("Say what the work is, in at most 120 characters."), field="title")
    if not reason or len(reason) > 4000:
        raise ServiceError(_("Say why communities should do it, in at most 4000 characters."), field="reason")
    if data.frequency not in FREQUENCIES:
        raise ServiceError(_("Choose how often it is done."), field="frequency")
    if data.staff_hours is None or not 1 <= data.staff_hours <= MAX_HOURS:
        raise ServiceError(_("Give the staff hours a community spends each time, from 1 to %(n)s.", n=MAX_HOURS),
                           field="staff_hours")
    if data.money_offered is None or not 0 <= data.money_offered <= MAX_MONEY:
        raise ServiceError(_("Give the money offered a community a year: 0 if none."), field="money_offered")
    request = AdmissionRequest(department_id=department.id, street_id=street.id, community_id=data.community_id or None,
                               title=title, reason=reason, frequency=data.frequency, staff_hours=data.staff_hours,
                               money_offered=data.money_offered, submitted_at=clock.now(), submitted_by_id=actor.id)
    db.session.add(request)
    ADMISSION_MACHINE.start(request, actor, "")
    unit.flush()
    return request


def get(request_id: int) -> AdmissionRequest:
    found = db.session.get(AdmissionRequest, request_id)
    if found is None:
        raise NotFound(_("This admission request does not exist."))
    return found


def decide(actor, request: AdmissionRequest, admit: bool, note: str) -> None:
    """Admit (the note is the conditions, if any) or refuse (the note is the reason, required). Of two
    decisions at the same moment one is taken; the other is told who decided."""
    ADMISSION_ACTIONS.require(actor, request, "decide")
    note = (note or "").strip()
    if not admit and not note:
        raise ServiceError(_("Say why the work is refused: the department and the public read it."), field="note")
    if len(note) > 2000:
        raise ServiceError(_("At most 2000 characters."), field="note")
    target = "admitted" if admit else "refused"
    if not ADMISSION_MACHINE.claim(request, "submitted", target, actor, note):
        raise InvalidTransition(ADMISSION_MACHINE.taken_by_other(request, actor)
                                or _("This request was decided at the same moment."), code="decided")
    request.decided_at, request.decided_by_id, request.decision_note = clock.now(), actor.id, note
    unit.flush()
    if request.submitted_by_id:
        notifications.notify(db.session.get(User, request.submitted_by_id), "admission_decided",
                             {"title": request.title, "status": target},
                             ("partnership.admission", {"admission_request_id": request.id}))


def withdraw(actor, request: AdmissionRequest) -> None:
    ADMISSION_ACTIONS.require(actor, request, "withdraw")
    if not ADMISSION_MACHINE.claim(request, "submitted", "withdrawn", actor, ""):
        raise InvalidTransition(ADMISSION_MACHINE.taken_by_other(request, actor)
                                or _("This request was decided at the same moment."), code="decided")
    unit.flush()


def requests_select(status: str | None = None, department_id: int | None = None, district_id: int | None = None):
    statement = (select(AdmissionRequest)
                 .options(db.joinedload(AdmissionRequest.department), db.joinedload(AdmissionRequest.street),
                          db.joinedload(AdmissionRequest.community))
                 .order_by(AdmissionRequest.submitted_at.desc(), AdmissionRequest.id.desc()))
    if status:
        statement = statement.where(AdmissionRequest.status == status)
    if department_id:
        statement = statement.where(AdmissionRequest.department_id == department_id)
    if district_id:
        statement = statement.where(AdmissionRequest.department.has(Department.district_id == district_id))
    return statement


def applies_to(community):
    """SQL: a request's work applies to `community` (a Community, or Community's columns in a query over
    communities): asked for it alone, or for its whole street."""
    return and_(AdmissionRequest.street_id == community.street_id,
                or_(AdmissionRequest.community_id.is_(None), AdmissionRequest.community_id == community.id))


def admitted_for(community: Community):
    """The admitted work that applies to a community."""
    return db.session.scalars(select(AdmissionRequest).where(AdmissionRequest.status == "admitted",
                                                             applies_to(community))
                              .order_by(AdmissionRequest.decided_at)).all()


def scope_choices(actor) -> dict[str, list[tuple[str, str]]]:
    """For a department's request: by street of the districts its staff serve, the whole street
    ("street-3") and then each community ("community-12")."""
    departments = db.session.scalars(select(Department).where(Department.id.in_(actor.department_ids()))).all()
    districts = {d.district_id for d in departments}
    streets = {d.street_id for d in departments if d.street_id}
    if not districts:
        return {}
    statement = (select(Community.id, Community.name, Street.id, Street.name).join(Street)
                 .where(Street.district_id.in_(districts)).order_by(Street.id, Community.id))
    if streets and all(d.street_id for d in departments):  # a street office's work is for its own street
        statement = statement.where(Street.id.in_(streets))
    groups: dict[str, list[tuple[str, str]]] = {}
    for community_id, community, street_id, street in db.session.execute(statement):
        group = groups.setdefault(street, [(f"street-{street_id}", _("Every community of %(street)s",
                                                                        street=street))])
        group.append((f"community-{community_id}", community))
    return groups


def department_choices(actor) -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in db.session.scalars(
        select(Department).where(Department.id.in_(actor.department_ids())).order_by(Department.id))]


def departments_asking() -> list[tuple[int, str]]:
    """The departments that asked for admission, for the list's filter."""
    return [(d.id, d.name) for d in db.session.scalars(select(Department).where(
        Department.id.in_(select(AdmissionRequest.department_id))).order_by(Department.id))]
