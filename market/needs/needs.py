"""Residents' needs: posting one (with photos, after seeing the similar ones), reading, changing and
withdrawing it, neighbours' support, which puts a need on the community's agenda at its threshold,
and comments."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from market import clock
from market.accounts.models import User
from market.core import text, unit, uploads
from market.core.errors import InvalidTransition, NotFound, PermissionDenied, ServiceError
from market.extensions import db
from market.needs import timeline
from market.needs.access import is_worker_of, require_resident_of
from market.needs.models import (
    ACTIVE_NEED_STATUSES,
    DEFAULT_SUPPORT_THRESHOLD,
    NEED_MACHINE,
    URGENCIES,
    URGENCY_RANK,
    Comment,
    CommunitySettings,
    Need,
    NeedPhoto,
    NeedSupport,
)
from market.organizations.models import ServiceCategory

MAX_PHOTOS = 4
SIMILAR_THRESHOLD = 0.2


# --- needs -------------------------------------------------------------------------------------

@dataclass
class NeedData:
    title: str
    description: str
    category_id: int
    urgency: str
    people_affected: int


def validated(data: NeedData) -> NeedData:
    """The need's words cleaned, or the refusal of the first that does not do."""
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
    data = validated(data)
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


def receive_need(actor: User, author: User, community_id: int, data: NeedData, photos=(), reason: str = "") -> Need:
    """A need that came another way (a problem of the grid ledger that is a service need after all),
    posted by `actor` for `author`, who follows it as their own. `photos` are files stored already
    (uploads.StoredFile), shared with the record it came from. The caller records on its timeline
    where it came from."""
    data = validated(data)
    now = clock.now()
    need = Need(
        community_id=community_id, author_id=author.id, title=data.title, description=data.description,
        category_id=data.category_id, urgency=data.urgency, urgency_rank=URGENCY_RANK[data.urgency],
        people_affected=data.people_affected, created_at=now, updated_at=now, status="open",
    )
    db.session.add(need)
    need.photos.extend(NeedPhoto.from_stored(photo) for photo in list(photos)[:MAX_PHOTOS])
    NEED_MACHINE.start(need, actor, reason)
    unit.flush()
    return need


def move_out(actor: User, need: Need, reason: str) -> None:
    """The need is something else (a problem for the grid ledger) and is followed there from now on:
    it leaves the queue. Of this and another step at the same moment (merged, declined), one is made."""
    if not NEED_MACHINE.claim(need, need.status, "moved_out", actor, reason):
        raise InvalidTransition(NEED_MACHINE.taken_by_other(need, actor)
                                or _("This need changed at the same moment."), code="need_changed")


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
    data = validated(data)
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
        raise ServiceError(_("You posted this need; your support is counted already."), code="own_need")
    if not need.is_active or need.is_hidden:
        raise ServiceError(_("This need can no longer be supported."))
    try:
        db.session.add(NeedSupport(need_id=need.id, user_id=actor.id, created_at=clock.now()))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(_("You have already supported this need."), code="already_supported") from None
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
        raise ServiceError(_("You have already supported this need."), code="already_supported") from None
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
