"""The problem ledger's work: a leader records a problem met on a visit or by phone (代录), the
community dispatches it by the district's rule (派单), the body answers (受理 or 退单), records
progress and closes it (办结), the reporter rates it and may reopen it once; past its deadline it is
flagged and escalated to the street, then the district (`escalate_due`, on the injected clock).
Every step is a status change or a note on the item's public timeline and on the audit chain."""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from market import clock
from market.accounts import services as accounts
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import unit, uploads
from market.core.errors import Invalid, InvalidTransition, NotFound, PermissionDenied, ServiceError
from market.core.workflow import StatusChange
from market.extensions import db
from market.grid import access, categories, dispatch_rules
from market.grid.actions import PROBLEM_ACTIONS
from market.grid.models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    PROBLEM_MACHINE,
    TO_DISPATCH,
    Dispatch,
    DispatchRule,
    Problem,
    ProblemNote,
    ProblemPhoto,
)
from market.grid.settings import grid_rules
from market.needs.access import is_resident_of
from market.notifications import services as notifications
from market.organizations.models import Membership
from market.places.models import Building, Community, Grid, Street

MAX_PHOTOS = 4
PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]$")  # 8 digits or more: a landline without its area code


@dataclass
class ProblemData:
    community_id: int | None
    building_id: int | None
    address: str
    category: str
    urgency: str
    summary: str
    description: str = ""
    channel: str = "visit"
    reporter_email: str = ""  # a registered resident of the community
    reporter_name: str = ""  # else a name and a phone, kept private
    reporter_phone: str = ""
    latitude: float | None = None
    longitude: float | None = None
    origin: str = ""  # why it is in the ledger, when it came another way (a need moved here): its first step's words


def _page(problem: Problem):
    return ("grid.problem", {"problem_id": problem.id})


def record_problem(actor: User, data: ProblemData, photos=()) -> Problem:
    """A leader (or a worker) records a resident's problem in the ledger; the resident, if registered,
    is told and follows it like their own need."""
    building = db.session.get(Building, data.building_id) if data.building_id else None
    community_id = building.grid.community_id if building is not None else data.community_id
    if community_id is None or db.session.get(Community, community_id) is None:
        raise ServiceError(_("Choose the building, or the community, where the problem is."), field="building_id")
    # a resident reports their own problem (from an app, through Open311); leaders and workers record
    # residents' problems for them
    own = not access.may_record_in(actor, community_id) and is_resident_of(actor, community_id)
    if not own and not access.may_record_in(actor, community_id):
        raise PermissionDenied(_("Only the community's grid and building leaders and workers record its problems."))
    if building is not None and not own and not (access.leads(actor, building.grid_id, building.id)
                                                 or community_id in actor.worker_community_ids()):
        raise PermissionDenied(_("You record problems of the grid or building you lead."), field="building_id")
    if own:
        data.reporter_email, data.reporter_name, data.reporter_phone = actor.email, "", ""
    errors = []
    summary, address = " ".join(data.summary.split()), " ".join(data.address.split())
    if not 4 <= len(summary) <= 80:
        errors.append(ServiceError(_("Say what the problem is in 4 to 80 characters."), field="summary"))
    if building is None and not address:
        errors.append(ServiceError(_("Choose the building or give the address."), field="address"))
    if len(address) > 120:
        errors.append(ServiceError(_("The address has at most 120 characters."), field="address"))
    if len(data.description) > 2000:
        errors.append(ServiceError(_("The description has at most 2000 characters."), field="description"))
    if data.category not in categories.CATEGORIES:
        errors.append(ServiceError(_("Choose a category."), field="category"))
    if data.urgency not in categories.URGENCIES:
        errors.append(ServiceError(_("Choose how urgent it is."), field="urgency"))
    if data.channel not in categories.CHANNELS:
        errors.append(ServiceError(_("Say how the problem reached you."), field="channel"))
    reporter, name, phone = _reporter(data, community_id, errors)
    if (data.latitude is None) != (data.longitude is None) or (
            data.latitude is not None and not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180)):
        errors.append(ServiceError(_("The position is not a valid latitude and longitude."), field="latitude"))
    photos = [p for p in photos if p and p.filename]
    if len(photos) > MAX_PHOTOS:
        errors.append(ServiceError(_("Attach at most %(n)s photos.", n=MAX_PHOTOS), field="photos"))
    if errors:
        raise errors[0] if len(errors) == 1 else Invalid(errors)
    problem = Problem(
        community_id=community_id, grid_id=building.grid_id if building is not None else _grid_led(actor, community_id),
        building_id=building.id if building is not None else None, address=address, latitude=data.latitude,
        longitude=data.longitude, category=data.category, urgency=data.urgency, summary=summary,
        description=data.description.strip(), channel=data.channel, recorded_by_id=actor.id,
        reporter_id=reporter.id if reporter is not None else None, reporter_name=name, reporter_phone=phone,
        created_at=clock.now(), dispatch_by=_dispatch_by(clock.now()))
    db.session.add(problem)
    _attach(problem, photos, "reported")
    PROBLEM_MACHINE.start(problem, actor, data.origin)
    if reporter is not None and reporter.id != actor.id:
        notifications.notify(reporter, "problem_recorded", {"summary": summary}, _page(problem))
    unit.flush()
    return problem


def _reporter(data: ProblemData, community_id: int, errors: list) -> tuple[User | None, str, str]:
    email, name, phone = data.reporter_email.strip().lower(), " ".join(data.reporter_name.split()), \
        " ".join(data.reporter_phone.split())
    if email:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None or not user.is_verified_resident or user.residence.community_id != community_id:
            errors.append(ServiceError(_("No verified resident of this community has this e-mail. Leave it empty and "
                                         "give a name and phone instead."), field="reporter_email",
                                       code="not_a_resident"))
            return None, "", ""
        return user, "", ""
    if not name and not phone:
        return None, "", ""  # raised by someone who gave no name: the ledger keeps the problem
    if not 1 <= len(name) <= 40:
        errors.append(ServiceError(_("Give the resident's name (at most 40 characters)."), field="reporter_name"))
    if phone and not PHONE.match(phone):
        errors.append(ServiceError(_("Give a phone number of digits, for example 13812345678."),
                                   field="reporter_phone"))
    return None, name, phone


def _dispatch_by(waiting_since: datetime) -> datetime:
    """By when an item waiting for a dispatch is dispatched; past it, it goes up like a late one."""
    return waiting_since + timedelta(hours=grid_rules(clock.china_date(waiting_since)).dispatch_hours)


def _grid_led(actor: User, community_id: int) -> int | None:
    grids = [g.id for g in access.grids_led(actor) if g.community_id == community_id]
    return grids[0] if len(grids) == 1 else None


def _attach(problem: Problem, photos, stage: str) -> None:
    for photo in photos:
        saved = uploads.store(photo, allowed=("png", "jpg", "jpeg"))
        problem.photos.append(ProblemPhoto.from_stored(saved, stage=stage))


def get_problem(problem_id: int) -> Problem:
    """Every item of the ledger is public (its reporter's details are not: `access.reads_private`)."""
    problem = db.session.get(Problem, problem_id)
    if problem is None:
        raise NotFound(_("This problem is not in the ledger."))
    return problem


# --- dispatch and answers -------------------------------------------------------------------------

def dispatch(actor: User, problem: Problem, body: str, note: str = "") -> Dispatch:
    """Send the item to a body ("kind:id", from `dispatch_rules.body_choices`) with the deadline of
    the district's rule for its category. Of two dispatches at the same moment one is made: the item's
    dispatch count is claimed with a conditional UPDATE."""
    PROBLEM_ACTIONS.require(actor, problem, "dispatch")
    kind, _sep, raw_id = body.partition(":")
    body_id = int(raw_id) if raw_id.isdigit() else None
    community = problem.community
    district_id = community.street.district_id
    allowed = dict(dispatch_choices(actor, problem))
    if body not in allowed:
        raise ServiceError(_("Choose whom to send it to from the list."), field="body", code="not_a_choice")
    now = clock.now()
    rule = dispatch_rules.rule_in_force(district_id, problem.category, clock.china_date(now))  # there is one:
    # the action's rule says so
    seen = len(problem.dispatches)
    won = db.session.execute(update(Problem).where(Problem.id == problem.id, Problem.status == problem.status,
                                                   Problem.dispatch_count == seen)
                             .values(dispatch_count=seen + 1).execution_options(synchronize_session=False)).rowcount
    if won != 1:  # the other dispatch has committed: its change is read fresh
        db.session.expire(problem)
        raise InvalidTransition(" ".join(filter(None, [_("This problem was dispatched at the same moment."),
                                                       PROBLEM_MACHINE.taken_by_other(problem, actor)])),
                                code="already_dispatched")
    due = dispatch_rules.deadline(rule, problem.urgency, now)
    name = allowed[body] if kind != "community" else community.name
    record = Dispatch(problem_id=problem.id, body_kind=kind, body_id=body_id, body_name=name, rule_id=rule.id,
                      dispatched_at=now, dispatched_by_id=actor.id, due_at=due,
                      respond_by=now + timedelta(hours=rule.respond_hours))
    problem.dispatches.append(record)
    problem.body_kind, problem.body_id, problem.dispatch_by = kind, body_id, None
    problem.first_dispatched_at = problem.first_dispatched_at or now
    if problem.due_at is None:  # a re-dispatch keeps the item's deadline; after a reopening it has none
        problem.due_at = due
    PROBLEM_MACHINE.move(problem, "dispatched", actor, note.strip())  # the body is the Dispatch's
    for person in _people_of(kind, body_id):
        notifications.notify(person, "problem_dispatched", {"summary": problem.summary,
                                                            "due": problem.due_at.isoformat()}, _page(problem))
    unit.flush()
    return record


def dispatch_choices(actor: User, problem: Problem) -> list[tuple[str, str]]:
    """Whom `actor` may send the item to ("kind:id", name): the community, its district's departments
    and its property-management companies; once it is escalated, also the street office or district
    they work for, which then takes it over itself."""
    community = problem.community
    choices = dispatch_rules.body_choices(community)
    if problem.level >= 1:
        if community.street_id in actor.street_ids():
            choices.append((f"street:{community.street_id}", dispatch_rules.body_name("street", community.street_id)))
        if community.street.district_id in actor.district_ids():
            choices.append((f"district:{community.street.district_id}", community.street.district.name))
    return choices


def default_body(problem: Problem) -> tuple[str | None, DispatchRule | None]:
    """The body the district's rule in force names for the item's category, and the rule."""
    rule = dispatch_rules.rule_in_force(problem.community.street.district_id, problem.category)
    if rule is None:
        return None, None
    return f"{rule.body_kind}:{rule.body_id if rule.body_id else problem.community_id}", rule


def lateness(problem: Problem) -> set[str]:
    """What an open item is late for: "due" past its deadline, "dispatch" waiting for a dispatch past
    the time to dispatch it."""
    now = clock.now()
    if problem.status not in OPEN_STATUSES:
        return set()
    return {name for name, moment in (("due", problem.due_at), ("dispatch", problem.dispatch_by))
            if moment is not None and moment < now}


def _late(now: datetime):
    """Late for anything (`lateness`), as SQL."""
    return Problem.status.in_(OPEN_STATUSES) & ((Problem.due_at < now) | (Problem.dispatch_by < now))


def _people_of(kind: str, body_id: int | None) -> list[User]:
    if body_id is None:
        return []
    if kind == "organization":
        return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                       .where(Membership.organization_id == body_id)))
    role = {"department": Role.PURCHASER, "community": Role.COMMUNITY_WORKER, "street": Role.STREET_STAFF,
            "district": Role.DISTRICT_STAFF}[kind]
    return accounts.holders_of(role, [body_id]).get(body_id, [])


def _answer(actor: User, problem: Problem, action: str, target: str, reason: str) -> None:
    PROBLEM_ACTIONS.require(actor, problem, action)
    dispatch_record = problem.current_dispatch
    # still this dispatch: a re-dispatch at the same moment (after escalation) leaves the status as it is
    if not PROBLEM_MACHINE.claim(problem, "dispatched", target, actor, reason,
                                 Problem.dispatch_count == len(problem.dispatches)):
        raise InvalidTransition(PROBLEM_MACHINE.taken_by_other(problem, actor)
                                or _("This problem was answered or dispatched again at the same moment."),
                                code="already_answered")
    dispatch_record.answer, dispatch_record.answered_at, dispatch_record.answered_by_id = target, clock.now(), actor.id


def accept(actor: User, problem: Problem) -> None:
    _answer(actor, problem, "accept", "accepted", "")
    unit.flush()


def send_back(actor: User, problem: Problem, reason: str) -> None:
    """退单: the body says it is not theirs, with the reason; the level following it up dispatches again."""
    reason = reason.strip()
    if len(reason) < 4:
        raise ServiceError(_("Say why it is not yours to handle, so it reaches the right body."), field="reason")
    dispatch_record = problem.current_dispatch
    _answer(actor, problem, "return", "returned", reason)
    dispatch_record.return_reason = reason
    problem.dispatch_by = _dispatch_by(clock.now())
    for person in _followers(problem):
        notifications.notify(person, "problem_returned", {"summary": problem.summary,
                                                          "body": dispatch_record.body_name}, _page(problem))
    unit.flush()


def _followers(problem: Problem) -> list[User]:
    """Who dispatches the item at its level."""
    street = problem.community.street
    if problem.level == 0:
        return _people_of("community", problem.community_id)
    if problem.level == 1:
        return _people_of("street", street.id)
    return _people_of("district", street.district_id)


def add_progress(actor: User, problem: Problem, text: str) -> ProblemNote:
    PROBLEM_ACTIONS.require(actor, problem, "progress")
    text = text.strip()
    if not 4 <= len(text) <= 1000:
        raise ServiceError(_("Say what was done in 4 to 1000 characters."), field="text")
    note = ProblemNote(problem_id=problem.id, kind="progress", text=text, actor_id=actor.id, at=clock.now(),
                       after_change_id=_last_change_id(problem))
    db.session.add(note)
    unit.flush()
    return note


def close(actor: User, problem: Problem, resolution: str, result: str, photos=()) -> None:
    """办结: what was done, whether it solved the problem, and photos; the reporter is asked to rate it."""
    PROBLEM_ACTIONS.require(actor, problem, "close")
    result = result.strip()
    if resolution not in categories.RESOLUTIONS:
        raise ServiceError(_("Say whether the problem is solved."), field="resolution")
    if not 4 <= len(result) <= 2000:
        raise ServiceError(_("Say what was done in 4 to 2000 characters."), field="result")
    photos = [p for p in photos if p and p.filename]
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(_("Attach at most %(n)s photos.", n=MAX_PHOTOS), field="photos")
    if not PROBLEM_MACHINE.claim(problem, "accepted", "closed", actor, result):
        raise InvalidTransition(PROBLEM_MACHINE.taken_by_other(problem, actor)
                                or _("This problem was closed at the same moment."), code="already_closed")
    problem.resolution, problem.result, problem.closed_at = resolution, result, clock.now()
    _attach(problem, photos, "done")
    asked = problem.reporter or problem.recorded_by
    if asked is not None and asked.id != actor.id:
        notifications.notify(asked, "problem_closed", {"summary": problem.summary}, _page(problem))
    unit.flush()


def rate(actor: User, problem: Problem, rating: str, note: str = "") -> None:
    PROBLEM_ACTIONS.require(actor, problem, "rate")
    if rating not in categories.RATINGS:
        raise ServiceError(_("Choose how satisfied the resident is."), field="rating")
    if len(note) > 1000:
        raise ServiceError(_("At most 1000 characters."), field="note")
    if not PROBLEM_MACHINE.claim(problem, "closed", "rated", actor, rating):  # a code, read in the reader's words
        raise InvalidTransition(PROBLEM_MACHINE.taken_by_other(problem, actor)
                                or _("This problem was rated at the same moment."), code="already_rated")
    problem.rating, problem.rating_note, problem.rated_at = rating, note.strip(), clock.now()
    unit.flush()


def reopen(actor: User, problem: Problem, reason: str) -> None:
    """Once, within `reopen_days` of the close: the problem is back, to be dispatched again."""
    PROBLEM_ACTIONS.require(actor, problem, "reopen")
    reason = reason.strip()
    if len(reason) < 4:
        raise ServiceError(_("Say what is still wrong."), field="reason")
    if not PROBLEM_MACHINE.claim(problem, problem.status, "reopened", actor, reason):
        raise InvalidTransition(PROBLEM_MACHINE.taken_by_other(problem, actor)
                                or _("This problem changed at the same moment."), code="already_reopened")
    problem.reopened_at = clock.now()
    problem.dispatch_by = _dispatch_by(problem.reopened_at)
    # back with the community, to be dispatched with a new deadline; its rating stays on the timeline
    # (the satisfaction rate counts ratings as given: rates.py)
    problem.rating = problem.resolution = ""
    problem.rated_at = problem.closed_at = problem.due_at = problem.overdue_at = problem.escalated_at = None
    problem.level = 0
    for person in _followers(problem):
        notifications.notify(person, "problem_reopened", {"summary": problem.summary}, _page(problem))
    unit.flush()


# --- on the clock ---------------------------------------------------------------------------------

def escalate_due(now: datetime | None = None) -> int:
    """Open items past their deadline, or not dispatched within `dispatch_hours`, are flagged and go up
    to the street's staff; those still late `district_after_hours` later go up to the district's.
    Returns how many moved up. Runs from `flask tasks run-due`; each item moves up once per level
    however often it runs."""
    now = now or clock.now()
    later = timedelta(hours=grid_rules(clock.china_date(now)).district_after_hours)
    moved = 0
    late = db.session.scalars(select(Problem).where(_late(now), Problem.level < 2).order_by(Problem.id)).all()
    for problem in late:
        if problem.level == 1 and now < problem.escalated_at + later:
            continue  # the street has `district_after_hours` from when it received it
        level = problem.level + 1
        won = db.session.execute(update(Problem).where(  # still open, late and at this level: one run moves it
            Problem.id == problem.id, Problem.level == problem.level, _late(now))
                                 .values(level=level, escalated_at=now, overdue_at=problem.overdue_at or now)
                                 .execution_options(synchronize_session=False)).rowcount
        if won != 1:
            continue
        db.session.expire(problem, ["level", "escalated_at", "overdue_at"])
        street = problem.community.street
        where = street.name if level == 1 else street.district.name  # a name: the same in every language
        after = _last_change_id(problem)
        if level == 1:  # what it missed: the deadline, or the time to dispatch it
            missed, kind = (problem.due_at, "overdue") if problem.due_at is not None and problem.due_at < now \
                else (problem.dispatch_by, "undispatched")
            db.session.add(ProblemNote(problem_id=problem.id, kind=kind, at=now, after_change_id=after,
                                       text=missed.isoformat(timespec="minutes")))
        db.session.add(ProblemNote(problem_id=problem.id, kind="escalated", at=now, text=where,
                                   after_change_id=after))
        for person in _followers(problem):
            notifications.notify(person, "problem_escalated", {"summary": problem.summary, "to": where},
                                 _page(problem))
        moved += 1
    unit.flush()
    return moved


def _last_change_id(problem: Problem) -> int:
    db.session.flush()  # the change just recorded has its id
    return PROBLEM_MACHINE.last_change(problem).id


def purge_private_details(now: datetime | None = None) -> int:
    """Delete the names and phones of reporters of items closed more than `private_details_days` ago."""
    now = now or clock.now()
    before = now - timedelta(days=grid_rules(clock.china_date(now)).private_details_days)
    purged = db.session.execute(
        update(Problem).where(Problem.closed_at < before, Problem.private_deleted_at.is_(None),
                              (Problem.reporter_name != "") | (Problem.reporter_phone != ""))
        .values(reporter_name="", reporter_phone="", private_deleted_at=now)
        .execution_options(synchronize_session=False)).rowcount
    unit.flush()
    return purged


# --- reading --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str  # a status, or a note's kind
    words: str
    who: str  # the person acting, or empty for the system


def timeline(problem: Problem) -> list[Step]:
    """The item's public steps, oldest first, in the reader's language: its status changes (with what
    the person acting wrote) and notes; never the reporter's private details, which no step holds."""
    dispatches = iter(problem.dispatches)  # the n-th "dispatched" change made the n-th dispatch
    steps = []
    for change in PROBLEM_MACHINE.history(problem):
        body = next(dispatches).body_name if change.to_status == "dispatched" else ""
        steps.append(((change.id, 0), Step(change.at, change.to_status, _step_words(change, body),
                                           public_name(problem, change.actor))))
    notes = db.session.scalars(select(ProblemNote).where(ProblemNote.problem_id == problem.id)
                               .order_by(ProblemNote.id)).all()
    # a note comes after the status change it followed, however close in time (two steps of a minute)
    steps += [((n.after_change_id, 1, n.id), Step(n.at, n.kind, _note_words(n), n.actor.display_name if n.actor
                                                   else "")) for n in notes]
    return [step for _order, step in sorted(steps, key=lambda pair: pair[0])]


def public_name(problem: Problem, person: User | None) -> str:
    """How a person acting on the item is named in public: the registered resident who raised it is
    "the resident", never by name."""
    if person is None:
        return ""
    return _("the resident") if person.id == problem.reporter_id else person.display_name


def _step_words(change: StatusChange, body: str) -> str:
    label = PROBLEM_MACHINE.label(change.to_status)
    if change.to_status == "dispatched":
        label = _("Dispatched to %(body)s", body=body)
    elif change.to_status == "rated" and change.reason in categories.RATINGS:
        return f"{label}: {categories.RATINGS[change.reason]}"
    return f"{label}: {change.reason}" if change.reason else label


def _note_words(note: ProblemNote) -> str:
    if note.kind == "overdue":
        return _("Past its deadline (%(due)s)", due=format_datetime(datetime.fromisoformat(note.text), "short"))
    if note.kind == "undispatched":
        return _("Not dispatched in time (by %(due)s)", due=format_datetime(datetime.fromisoformat(note.text),
                                                                           "short"))
    if note.kind == "escalated":
        return _("Escalated to %(to)s", to=note.text)
    return _("Progress: %(text)s", text=note.text)


def ledger_select(community_id: int | None = None, status: str | None = None, category: str | None = None,
                  overdue: bool = False, recorded_by: User | None = None, to_dispatch: bool = False,
                  followed_by: User | None = None):
    """The ledger, newest first: every item is public (its dispatches, which the list names, loaded at once).
    `followed_by`: only what that person follows up (their communities', or their street's or district's
    once escalated), as their desk lists it."""
    statement = select(Problem).options(selectinload(Problem.dispatches)) \
        .order_by(Problem.created_at.desc(), Problem.id.desc())
    if followed_by is not None:
        streets, districts = followed_by.street_ids(), followed_by.district_ids()
        in_area = Problem.community_id.in_(select(Community.id).join(Street).where(
            Street.id.in_(streets) | Street.district_id.in_(districts)))
        statement = statement.where(
            (Problem.community_id.in_(followed_by.worker_community_ids()) & (Problem.level == 0))
            | ((Problem.level >= 1) & in_area))
    if recorded_by is not None:
        statement = statement.where(Problem.recorded_by_id == recorded_by.id)
    if to_dispatch:
        statement = statement.where(Problem.status.in_(TO_DISPATCH))
    if community_id:
        statement = statement.where(Problem.community_id == community_id)
    if status:
        statement = statement.where(Problem.status == status)
    if category:
        statement = statement.where(Problem.category == category)
    if overdue:
        statement = statement.where(Problem.level > 0)
    return statement


def requests_select(ids: list[int] | None = None, start: datetime | None = None, end: datetime | None = None,
                    codes=(), closed: bool | None = None):
    """Problems for Open311's GET requests, newest first, with what each answer reads loaded at once:
    by ids, or by when they were recorded, category and whether they are closed."""
    statement = select(Problem).options(
        selectinload(Problem.dispatches), selectinload(Problem.photos), selectinload(Problem.building),
        joinedload(Problem.community).joinedload(Community.street).joinedload(Street.district)) \
        .order_by(Problem.created_at.desc(), Problem.id.desc())
    if ids is not None:
        return statement.where(Problem.id.in_(ids))
    if start is not None:
        statement = statement.where(Problem.created_at >= start)
    if end is not None:
        statement = statement.where(Problem.created_at <= end)
    if codes:
        statement = statement.where(Problem.category.in_(list(codes)))
    if closed is not None:
        statement = statement.where(Problem.status.in_(ENDED_STATUSES) if closed
                                    else Problem.status.not_in(ENDED_STATUSES))
    return statement


def last_moves(problem_ids: list[int]) -> dict[int, datetime]:
    """When each problem last moved (a status change or a note), in two grouped queries."""
    moves: dict[int, datetime] = {}
    for subject, at in db.session.execute(
            select(StatusChange.subject_id, func.max(StatusChange.at))
            .where(StatusChange.subject_type == "problem", StatusChange.subject_id.in_(problem_ids))
            .group_by(StatusChange.subject_id)):
        moves[subject] = at
    for problem_id, at in db.session.execute(
            select(ProblemNote.problem_id, func.max(ProblemNote.at)).where(ProblemNote.problem_id.in_(problem_ids))
            .group_by(ProblemNote.problem_id)):
        moves[problem_id] = max(at, moves.get(problem_id, at))
    return moves


def ledger_communities() -> list[tuple[int, str]]:
    """The communities with problems in the ledger, for its filter."""
    return [tuple(row) for row in db.session.execute(
        select(Community.id, Community.name).where(Community.id.in_(select(Problem.community_id).distinct()))
        .order_by(Community.name))]


def grids_of(community_id: int) -> list[Grid]:
    return list(db.session.scalars(select(Grid).where(Grid.community_id == community_id).order_by(Grid.id)))
