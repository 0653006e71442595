"""Rules of the demand side. Residents act only in the community where they are verified;
community workers only in the communities they serve. Every call commits once or not at all."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from market import clock
from market.accounts.models import Residence, User
from market.core import text, unit, uploads
from market.core.errors import NotFound, PermissionDenied, ServiceError, existing
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.needs import timeline
from market.needs.models import (
    ACTIVE_NEED_STATUSES,
    DEFAULT_SUPPORT_THRESHOLD,
    HEARING_KINDS,
    HEARING_MACHINE,
    NEED_MACHINE,
    REQUEST_MACHINE,
    TRACKS,
    URGENCIES,
    URGENCY_RANK,
    VOTE_CHOICES,
    Comment,
    CommunityRequest,
    CommunitySettings,
    Flag,
    Hearing,
    HearingVote,
    Need,
    NeedPhoto,
    NeedSupport,
)
from market.organizations.models import ServiceCategory
from market.places.models import Community, Street

MAX_PHOTOS = 4
HEARING_HORIZON = timedelta(days=365)  # how far ahead a meeting may be scheduled
SIMILAR_THRESHOLD = 0.2


# --- who may act -----------------------------------------------------------------------------

def is_resident_of(user, community_id: int) -> bool:
    return bool(user and user.is_authenticated and user.is_verified_resident
                and user.residence.community_id == community_id)


def require_resident_of(user, community_id: int) -> None:
    if not is_resident_of(user, community_id):
        raise PermissionDenied(_("Only verified residents of this community can do this."))


def is_worker_of(user, community_id: int) -> bool:
    return bool(user and user.is_authenticated and community_id in user.worker_community_ids())


def require_worker_of(user, community_id: int) -> None:
    if not is_worker_of(user, community_id):
        raise PermissionDenied(_("Only a community worker of this community can do this."))


# --- needs -------------------------------------------------------------------------------------

@dataclass
class NeedData:
    title: str
    description: str
    category_id: int
    urgency: str
    people_affected: int


def _validated(data: NeedData) -> NeedData:
    data.title = text.clean(data.title, 120)
    data.description = text.clean(data.description, 5000)
    if len(data.title) < 4:
        raise ServiceError(_("Give the need a title of at least 4 characters."), field="title")
    if len(data.description) < 10:
        raise ServiceError(_("Describe the need in at least 10 characters."), field="description")
    if data.urgency not in URGENCIES:
        raise ServiceError(_("Choose how urgent the need is."), field="urgency")
    if db.session.get(ServiceCategory, data.category_id) is None:
        raise ServiceError(_("Choose a service category."), field="category_id")
    if not 1 <= data.people_affected <= 1_000_000:
        raise ServiceError(_("Say how many people the need concerns (at least 1)."), field="people_affected")
    return data


def similar_needs(community_id: int, title: str, description: str = "", limit: int = 5) -> list[Need]:
    """Open needs of the community that look like this one, most alike first."""
    candidates = db.session.scalars(
        select(Need).where(Need.community_id == community_id, Need.status.in_(ACTIVE_NEED_STATUSES),
                           Need.hidden_at.is_(None))
    ).all()
    probe = f"{title} {description}"
    # Titles say what is needed; long descriptions dilute the score, so the better of the two counts.
    scored = [(max(text.similarity(title, n.title), text.similarity(probe, f"{n.title} {n.description}")), n)
              for n in candidates]
    scored = [(score, n) for score, n in scored if score >= SIMILAR_THRESHOLD]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].support_count))
    return [n for _score, n in scored[:limit]]


def post_need(actor: User, data: NeedData, photos=()) -> Need:
    """A verified resident posts a need in their own community."""
    if not actor.is_verified_resident:
        raise PermissionDenied(_("Only verified residents can post needs. Ask your community to verify you first."))
    data = _validated(data)
    photos = [p for p in photos if p and p.filename]
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(_("Attach at most %(n)s photos.", n=MAX_PHOTOS), field="photos")
    now = clock.now()
    need = Need(
        community_id=actor.residence.community_id, author_id=actor.id, title=data.title,
        description=data.description, category_id=data.category_id, urgency=data.urgency,
        urgency_rank=URGENCY_RANK[data.urgency], people_affected=data.people_affected,
        created_at=now, updated_at=now, status="open",
    )
    db.session.add(need)
    stored = []
    try:
        for photo in photos:
            saved = uploads.store(photo, allowed=("png", "jpg", "jpeg"))
            stored.append(saved.stored_name)
            need.photos.append(NeedPhoto.from_stored(saved))
        NEED_MACHINE.start(need, actor, "")
        timeline.record("need_posted", actor, need=need)
        unit.flush()
    except Exception:
        db.session.rollback()
        for name in stored:
            uploads.discard(name)
        raise
    return need


def get_need(viewer, need_id: int) -> Need:
    """Hidden needs are seen only by their author (with the reason) and the community's workers."""
    need = db.session.get(Need, need_id)
    if need is None:
        raise NotFound(_("This need does not exist."))
    if need.is_hidden and not (_is_author(viewer, need) or is_worker_of(viewer, need.community_id)):
        raise NotFound(_("This need does not exist."))
    return need


def _is_author(viewer, need: Need) -> bool:
    return bool(viewer and viewer.is_authenticated and viewer.id == need.author_id)


def can_edit(viewer, need: Need) -> bool:
    """The author may change or withdraw a need until a community worker has acted on it."""
    return _is_author(viewer, need) and need.is_active and not need.is_hidden


def edit_need(actor: User, need: Need, data: NeedData) -> Need:
    if not can_edit(actor, need):
        raise PermissionDenied(_("You can change a need only while it is yours and still open."))
    data = _validated(data)
    need.title, need.description, need.category_id = data.title, data.description, data.category_id
    need.urgency, need.urgency_rank, need.people_affected = (
        data.urgency,
        URGENCY_RANK[data.urgency],
        data.people_affected,
    )
    need.updated_at = clock.now()
    unit.flush()
    return need


def withdraw_need(actor: User, need: Need) -> None:
    if not can_edit(actor, need):
        raise PermissionDenied(_("You can withdraw a need only while it is yours and still open."))
    NEED_MACHINE.move(need, "withdrawn", actor, "")
    timeline.record("need_withdrawn", actor, need=need)
    unit.flush()


def support_threshold(community_id: int) -> int:
    settings = db.session.get(CommunitySettings, community_id)
    return settings.support_threshold if settings else DEFAULT_SUPPORT_THRESHOLD


def has_supported(user, need: Need) -> bool:
    if not (user and user.is_authenticated):
        return False
    return db.session.scalar(select(NeedSupport.id).filter_by(need_id=need.id, user_id=user.id)) is not None


def support_need(actor: User, need: Need) -> int:
    """A neighbour supports a need once. Returns the new count; reaching the community's
    threshold puts the need on the agenda."""
    require_resident_of(actor, need.community_id)
    if need.author_id == actor.id:
        raise ServiceError(_("You posted this need; your support is counted already."))
    if not need.is_active or need.is_hidden:
        raise ServiceError(_("This need can no longer be supported."))
    try:
        db.session.add(NeedSupport(need_id=need.id, user_id=actor.id, created_at=clock.now()))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(_("You have already supported this need.")) from None
    # Counted in the database, so supports arriving together are all counted.
    db.session.execute(update(Need).where(Need.id == need.id).values(support_count=Need.support_count + 1))
    db.session.refresh(need)
    if need.status == "open" and need.support_count >= support_threshold(need.community_id):
        NEED_MACHINE.move(need, "on_agenda", None, "")  # the timeline event tells it, in the reader's language
        timeline.record("need_on_agenda", None, need=need, count=need.support_count)
    try:
        unit.flush()
    except IntegrityError:  # the same person's second support, committed elsewhere first
        db.session.rollback()
        raise ServiceError(_("You have already supported this need.")) from None
    return need.support_count


def add_comment(actor: User, need: Need, body: str) -> Comment:
    require_resident_of(actor, need.community_id)
    body = text.required(body, 2000, _("Write something first."), field="body")
    if need.is_hidden:
        raise ServiceError(_("This need is hidden; comments are closed."))
    comment = Comment(need_id=need.id, author_id=actor.id, body=body, created_at=clock.now())
    db.session.add(comment)
    unit.flush()
    return comment


def comments_select(viewer, need: Need):
    """Visible comments, oldest first; hidden ones only to their author and the community's workers."""
    statement = select(Comment).where(Comment.need_id == need.id).order_by(Comment.id)
    if not is_worker_of(viewer, need.community_id):
        viewer_id = viewer.id if viewer and viewer.is_authenticated else None
        statement = statement.where(or_(Comment.hidden_at.is_(None), Comment.author_id == viewer_id))
    return statement


# --- moderation --------------------------------------------------------------------------------

# What can be flagged and hidden, and the community whose workers moderate it. Other areas add
# their own (evaluation: residents' ratings); each model has hidden_at, hidden_by_id, hidden_reason.
_MODERATED = {
    "need": (Need, lambda need: need.community_id),
    "comment": (Comment, lambda comment: db.session.get(Need, comment.need_id).community_id),
}


def moderated(subject_type: str, model, community_of) -> None:
    _MODERATED[subject_type] = (model, community_of)


def _subject(subject_type: str, subject_id: int):
    model, community_of = _MODERATED.get(subject_type, (None, None))
    subject = db.session.get(model, subject_id) if model else None
    if subject is None:
        raise NotFound(_("This content does not exist."))
    return subject, community_of(subject)


def flag(actor: User, subject_type: str, subject_id: int, reason: str) -> Flag:
    """Anyone signed in may say that content is abusive; workers of the community decide."""
    _subject_obj, community_id = _subject(subject_type, subject_id)
    reason = text.required(reason, 500, _("Say what is wrong with it."))
    report = Flag(subject_type=subject_type, subject_id=subject_id, community_id=community_id,
                  reporter_id=actor.id, reason=reason, created_at=clock.now())
    db.session.add(report)
    refuse_if_taken(_("You have already reported this."))
    return report


def hide(actor: User, subject_type: str, subject_id: int, reason: str) -> None:
    """A worker hides a need or comment with a reason its author can read; open flags close."""
    subject, community_id = _subject(subject_type, subject_id)
    require_worker_of(actor, community_id)
    reason = text.required(reason, 500, _("Give the reason for hiding it; its author will read it."))
    if subject.is_hidden:
        raise ServiceError(_("It is hidden already."))
    now = clock.now()
    subject.hidden_at, subject.hidden_by_id, subject.hidden_reason = now, actor.id, reason
    _resolve_flags(actor, subject_type, subject_id, "hidden", now)
    if subject_type == "need":
        timeline.record("need_hidden", actor, need=subject, reason=reason)
    unit.flush()


def dismiss_flags(actor: User, subject_type: str, subject_id: int) -> None:
    _subject_obj, community_id = _subject(subject_type, subject_id)
    require_worker_of(actor, community_id)
    _resolve_flags(actor, subject_type, subject_id, "dismissed", clock.now())
    unit.flush()


def _resolve_flags(actor, subject_type, subject_id, resolution, now) -> None:
    db.session.execute(
        update(Flag).where(Flag.subject_type == subject_type, Flag.subject_id == subject_id,
                           Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=actor.id, resolution=resolution)
    )


def worker_desk(actor: User) -> dict[str, int]:
    """What waits for a community worker, counted over all the communities they serve."""
    communities = actor.worker_community_ids()
    count = lambda statement: db.session.scalar(statement)  # noqa: E731
    return {
        "residents": count(
            select(func.count(Residence.id)).where(
                Residence.community_id.in_(communities), Residence.status == "pending"
            )
        ),
        "needs": count(
            select(func.count(Need.id)).where(
                Need.community_id.in_(communities), Need.status.in_(ACTIVE_NEED_STATUSES), Need.hidden_at.is_(None)
            )
        ),
        "flags": count(
            select(func.count(Flag.id)).where(Flag.community_id.in_(communities), Flag.resolved_at.is_(None))
        ),
        "hearings": count(
            select(func.count(Hearing.id))
            .join(CommunityRequest)
            .where(CommunityRequest.community_id.in_(communities), Hearing.status.in_(("scheduled", "voting")))
        ),
    }


def open_flags_select(actor: User):
    communities = actor.worker_community_ids()
    return (select(Flag).where(Flag.community_id.in_(communities), Flag.resolved_at.is_(None))
            .options(db.joinedload(Flag.reporter)).order_by(Flag.created_at, Flag.id))


# --- the community's triage ---------------------------------------------------------------------

TRIAGE_SORTS = {
    "support": (Need.support_count.desc(), Need.id),
    "urgency": (Need.urgency_rank.desc(), Need.support_count.desc(), Need.id),
    "age": (Need.created_at, Need.id),
}


def triage_select(actor: User, community_id: int | None, sort: str):
    """Open needs of the worker's communities (or one of them), sorted as asked."""
    communities = actor.worker_community_ids()
    if community_id is not None:
        require_worker_of(actor, community_id)
        communities = {community_id}
    return (
        select(Need)
        .where(Need.community_id.in_(communities), Need.status.in_(ACTIVE_NEED_STATUSES), Need.hidden_at.is_(None))
        .options(db.joinedload(Need.author), db.joinedload(Need.category), db.joinedload(Need.community))
        .order_by(*TRIAGE_SORTS.get(sort, TRIAGE_SORTS["support"]))
    )


def set_support_threshold(actor: User, community_id: int, threshold: int) -> None:
    require_worker_of(actor, community_id)
    if not 1 <= threshold <= 10_000:
        raise ServiceError(_("The threshold must be between 1 and 10000."), field="threshold")
    settings = db.session.get(CommunitySettings, community_id) or CommunitySettings(community_id=community_id)
    settings.support_threshold, settings.updated_at, settings.updated_by_id = threshold, clock.now(), actor.id
    db.session.add(settings)
    unit.flush()


def decline_need(actor: User, need: Need, reason: str) -> None:
    require_worker_of(actor, need.community_id)
    reason = text.required(reason, 1000, _("Give the residents a reason for declining."))
    NEED_MACHINE.move(need, "declined", actor, reason)
    need.decline_reason = reason
    timeline.record("need_declined", actor, need=need, reason=reason)
    unit.flush()


@dataclass
class RequestData:
    title: str
    description: str
    category_id: int
    beneficiaries: int
    estimated_budget_fen: int
    track: str


def create_request(actor: User, need_ids: list[int], data: RequestData) -> CommunityRequest:
    """Merge related open needs of one community into a community request."""
    if not need_ids:
        raise ServiceError(_("Choose at least one need to merge."), field="need_ids")
    needs = db.session.scalars(select(Need).where(Need.id.in_(need_ids)).order_by(Need.id)).all()
    if len(needs) != len(set(need_ids)):
        raise ServiceError(_("One of the chosen needs does not exist."), field="need_ids")
    community_id = needs[0].community_id
    require_worker_of(actor, community_id)
    for need in needs:
        if need.community_id != community_id:
            raise PermissionDenied(_("A request merges needs of one community only."))
        if not need.is_active or need.is_hidden:
            raise ServiceError(_("“%(title)s” is no longer open.", title=need.title), field="need_ids")
    title, description = text.clean(data.title, 120), text.clean(data.description, 5000)
    if len(title) < 4:
        raise ServiceError(_("Give the request a title of at least 4 characters."), field="title")
    if data.track not in TRACKS:
        raise ServiceError(_("Choose how the request will be met."), field="track")
    if data.beneficiaries < 1:
        raise ServiceError(_("Say how many people will benefit (at least 1)."), field="beneficiaries")
    if data.estimated_budget_fen < 0:
        raise ServiceError(_("The budget cannot be negative."), field="estimated_budget")
    if db.session.get(ServiceCategory, data.category_id) is None:
        raise ServiceError(_("Choose a service category."), field="category_id")
    request = CommunityRequest(
        community_id=community_id, created_by_id=actor.id, title=title, description=description,
        category_id=data.category_id, beneficiaries=data.beneficiaries,
        estimated_budget_fen=data.estimated_budget_fen, track=data.track, created_at=clock.now(),
        status="proposed",
    )
    db.session.add(request)
    db.session.flush()
    REQUEST_MACHINE.start(request, actor, "")
    for need in needs:
        NEED_MACHINE.move(need, "merged", actor, title)
        need.request_id = request.id
        timeline.record("need_merged", actor, need=need, title=title, request_id=request.id)
    timeline.record("request_created", actor, request=request, title=title, count=len(needs), notify=False)
    unit.flush()
    return request


def get_request(request_id: int) -> CommunityRequest:
    return existing(CommunityRequest, request_id, _("This community request does not exist."))


def forward_request(actor: User, request: CommunityRequest) -> None:
    """Put the request on its track: to the government or a round, or to the community itself."""
    require_worker_of(actor, request.community_id)
    if any(h.status in ("scheduled", "voting") for h in request.hearings):
        raise ServiceError(_("Close or cancel the open hearing first."))
    target = "in_community" if request.track == "self_governance" else "forwarded"
    REQUEST_MACHINE.move(request, target, actor, "")
    timeline.record("request_forwarded", actor, request=request, track=request.track)
    unit.flush()


def close_request(actor: User, request: CommunityRequest, reason: str) -> None:
    """End a request that will not go further (the need went away, another service answers it): its
    residents read the reason on the timeline."""
    require_worker_of(actor, request.community_id)
    reason = text.required(reason, 1000, _("Say why the request is closed; its residents will read it."), "reason")
    if any(h.status in ("scheduled", "voting") for h in request.hearings):
        raise ServiceError(_("Close or cancel the open hearing first."))
    REQUEST_MACHINE.move(request, "closed", actor, reason)
    timeline.record("request_closed", actor, request=request, reason=reason)
    unit.flush()


# --- hearings --------------------------------------------------------------------------------

def schedule_hearing(actor: User, request: CommunityRequest, kind: str, scheduled_at: datetime,
                     location: str, agenda: str) -> Hearing:
    require_worker_of(actor, request.community_id)
    if request.status != "proposed":
        raise ServiceError(_("Hearings are held before the request is put forward."))
    if kind not in HEARING_KINDS:
        raise ServiceError(_("Choose the kind of meeting."), field="kind")
    if scheduled_at <= clock.now():
        raise ServiceError(_("The meeting must be in the future."), field="scheduled_at")
    if scheduled_at > clock.now() + HEARING_HORIZON:
        raise ServiceError(_("A meeting can be scheduled at most one year ahead."), field="scheduled_at")
    location, agenda = text.clean(location, 120), text.clean(agenda, 5000)
    if not location:
        raise ServiceError(_("Say where the meeting takes place."), field="location")
    if not agenda:
        raise ServiceError(_("Write the agenda."), field="agenda")
    hearing = Hearing(request_id=request.id, kind=kind, scheduled_at=scheduled_at, location=location,
                      agenda=agenda, created_by_id=actor.id, status="scheduled")
    db.session.add(hearing)
    db.session.flush()
    HEARING_MACHINE.start(hearing, actor, "")
    timeline.record("hearing_scheduled", actor, request=request, kind=kind, location=location,
                    when=scheduled_at.isoformat(),
                    hearing_id=hearing.id)
    unit.flush()
    return hearing


def get_hearing(hearing_id: int) -> Hearing:
    return existing(Hearing, hearing_id, _("This meeting does not exist."))


def has_started(hearing: Hearing) -> bool:
    """Whether the meeting's scheduled time has come: residents vote at the meeting, and only a
    meeting that has taken place has an outcome and minutes."""
    return clock.now() >= hearing.scheduled_at


def open_voting(actor: User, hearing: Hearing) -> None:
    """Open the vote at the meeting. Not before it: residents vote on what they heard there, and a
    meeting whose vote is open can no longer be cancelled."""
    require_worker_of(actor, hearing.request.community_id)
    if hearing.status == "scheduled" and not has_started(hearing):
        raise ServiceError(_("Voting opens at the meeting: not before its scheduled time."))
    HEARING_MACHINE.move(hearing, "voting", actor, "")
    unit.flush()


def cancel_hearing(actor: User, hearing: Hearing, reason: str) -> None:
    """Call the meeting off; the timelines of the request and its needs say so, with the reason."""
    require_worker_of(actor, hearing.request.community_id)
    reason = text.required(reason, 1000, _("Give the reason for cancelling."))
    HEARING_MACHINE.move(hearing, "cancelled", actor, reason)
    timeline.record("hearing_cancelled", actor, request=hearing.request, kind=hearing.kind,
                    when=hearing.scheduled_at.isoformat(), reason=reason, hearing_id=hearing.id)
    unit.flush()


def vote(actor: User, hearing: Hearing, choice: str) -> HearingVote:
    """One vote per verified resident of the request's community, while voting is open."""
    require_resident_of(actor, hearing.request.community_id)
    if hearing.status != "voting":
        raise ServiceError(_("Voting is not open."))
    if choice not in VOTE_CHOICES:
        raise ServiceError(_("Choose for, against or abstain."))
    ballot = HearingVote(hearing_id=hearing.id, user_id=actor.id, choice=choice, cast_at=clock.now())
    db.session.add(ballot)
    refuse_if_taken(_("You have already voted."))
    return ballot


def my_vote(user, hearing: Hearing) -> str | None:
    if not (user and user.is_authenticated):
        return None
    return db.session.scalar(select(HearingVote.choice).filter_by(hearing_id=hearing.id, user_id=user.id))


def tally(hearing: Hearing) -> dict[str, int]:
    rows = db.session.execute(
        select(HearingVote.choice, func.count(HearingVote.id)).where(HearingVote.hearing_id == hearing.id)
        .group_by(HearingVote.choice)
    ).all()
    counts = {choice: 0 for choice in VOTE_CHOICES}
    counts.update(dict(rows))
    return counts


def close_hearing(actor: User, hearing: Hearing, attendance: int, minutes: str) -> Hearing:
    """Record attendance and minutes, count the votes and write the outcome on the request."""
    require_worker_of(actor, hearing.request.community_id)
    if hearing.status == "voting" and not has_started(hearing):
        raise ServiceError(
            _("The meeting has not taken place yet: it can be closed only after its scheduled time."))
    minutes = text.clean(minutes, 20000)
    if attendance < 0:
        raise ServiceError(_("Attendance cannot be negative."), field="attendance")
    if not minutes:
        raise ServiceError(_("Write the minutes before closing."), field="minutes")
    HEARING_MACHINE.move(hearing, "closed", actor, "")
    counts = tally(hearing)
    hearing.votes_for, hearing.votes_against, hearing.votes_abstain = (
        counts["for"],
        counts["against"],
        counts["abstain"],
    )
    if not any(counts.values()):
        outcome = "no_votes"
    elif counts["for"] == counts["against"]:
        outcome = "tied"
    else:
        outcome = "passed" if counts["for"] > counts["against"] else "rejected"
    hearing.outcome, hearing.attendance, hearing.minutes, hearing.closed_at = outcome, attendance, minutes, clock.now()
    hearing.request.hearing_outcome = outcome
    timeline.record("hearing_closed", actor, request=hearing.request, kind=hearing.kind, outcome=outcome,
                    hearing_id=hearing.id, **{"for": counts["for"], "against": counts["against"],
                                              "abstain": counts["abstain"]})
    unit.flush()
    return hearing


# --- public pages ------------------------------------------------------------------------------

def community_needs_select(community_id: int):
    return (select(Need)
            .where(Need.community_id == community_id, Need.status.in_(ACTIVE_NEED_STATUSES), Need.hidden_at.is_(None))
            .options(db.joinedload(Need.category))
            .order_by(Need.support_count.desc(), Need.id.desc()))


def community_requests_select(community_id: int):
    return (select(CommunityRequest).where(CommunityRequest.community_id == community_id)
            .order_by(CommunityRequest.id.desc()))


def upcoming_hearings(community_id: int) -> list[Hearing]:
    return db.session.scalars(
        select(Hearing).join(CommunityRequest)
        .where(CommunityRequest.community_id == community_id, Hearing.status.in_(("scheduled", "voting")))
        .options(db.contains_eager(Hearing.request))
        .order_by(Hearing.scheduled_at)
    ).all()


def _rollup(group_column, where):
    """Open needs and requests counted per place, in two grouped queries."""
    open_needs = dict(db.session.execute(
        select(group_column, func.count(Need.id)).select_from(Need)
        .join(Community, Need.community_id == Community.id).join(Street, Community.street_id == Street.id)
        .where(where, Need.status.in_(ACTIVE_NEED_STATUSES), Need.hidden_at.is_(None)).group_by(group_column)
    ).all())
    requests = dict(db.session.execute(
        select(group_column, func.count(CommunityRequest.id)).select_from(CommunityRequest)
        .join(Community, CommunityRequest.community_id == Community.id).join(Street, Community.street_id == Street.id)
        .where(where).group_by(group_column)
    ).all())
    return open_needs, requests


def street_rollup(street_id: int):
    """Per community of the street: (open needs, community requests)."""
    return _rollup(Community.id, Street.id == street_id)


def district_rollup(district_id: int):
    """Per street of the district: (open needs, community requests)."""
    return _rollup(Street.id, Street.district_id == district_id)
