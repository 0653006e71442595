"""Moderation: anyone signed in flags a need or a comment (or what another area registers with
`moderated`), and the community's workers hide it with a reason or dismiss the flags; the worker's
desk counts what waits for them."""

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from market import clock
from market.accounts.models import Residence, User
from market.core import text, unit
from market.core.errors import NotFound, ServiceError
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.needs import timeline
from market.needs.access import require_worker_of
from market.needs.models import ACTIVE_NEED_STATUSES, Comment, CommunityRequest, Flag, Hearing, Need

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
