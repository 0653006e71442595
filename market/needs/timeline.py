"""The public timeline of needs and community requests; the residents who posted them are told.

Every area records its steps with `record`: procurement when a tender opens or is awarded,
contracts when delivery starts or ends, evaluation when the service is rated. The need's page
then shows the whole path from the resident's words to the money and the result. How each kind of
step reads is registered with `notifications.wording.describes`.
"""
from datetime import datetime, timezone

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import or_, select

from market import clock
from market.accounts.models import User
from market.extensions import db
from market.needs import signals
from market.needs.models import HEARING_KINDS, OUTCOMES, TRACKS, Need, NeedSupport, TimelineEvent
from market.notifications import services as notifications
from market.notifications import wording
from market.notifications.wording import describes


def describe(event: TimelineEvent) -> str:
    return wording.describe(event.kind, event.detail)


def record(kind: str, actor=None, /, *, need: Need | None = None, request=None, notify: bool = True,
           **detail) -> TimelineEvent:
    """Add a step to the timeline of a need or a request and tell the residents concerned. A step
    that leads elsewhere (where a need went) names that page in `page`: [endpoint, its arguments].

    Runs inside the caller's transaction: nothing is recorded or mailed unless it commits.
    """
    event = TimelineEvent(
        kind=kind, detail=detail, actor_id=actor.id if actor is not None else None, at=clock.now(),
        need_id=need.id if need is not None else None, request_id=request.id if request is not None else None,
    )
    db.session.add(event)
    db.session.flush()
    if notify:
        _notify(event, need, request, actor)
    signals.timeline_recorded.send(event, needs=[need] if need is not None else
                                   list(request.needs if request is not None else []))
    return event


# The steps that start a service answering the needs: everyone who asked (the authors and the
# neighbours who supported them) hears of it, and how to rate it once served.
SERVICE_STARTS = ("contract_signed",)  # a grant's too: its signature is recorded on the proposal's requests


def _notify(event: TimelineEvent, need, request, actor) -> None:
    """The authors of the needs concerned hear of each step; the person acting does not."""
    needs = [need] if need is not None else list(request.needs if request is not None else [])
    if event.kind in SERVICE_STARTS:
        _tell_askers(event, needs)
        return
    authors = {n.author for n in needs if actor is None or n.author_id != actor.id}
    page = (("needs.show", {"need_id": event.need_id}) if event.need_id is not None
            else ("needs.request_page", {"request_id": event.request_id}))
    for author in authors:
        own = need or next(n for n in needs if n.author_id == author.id)
        notifications.notify(author, event.kind, event.detail, page,
                             mail_subject=lambda own=own: _("News about your need “%(title)s”", title=own.title),
                             mail_page=("needs.show", {"need_id": own.id}))


def _tell_askers(event: TimelineEvent, needs: list[Need]) -> None:
    """A service answering these needs has started: each resident who posted or supported one hears
    it once (of the first such need), with its page, where the journey shows the way to rating it."""
    if not needs:
        return
    askers = {n.author_id: n for n in reversed(needs)}
    for need_id, user in db.session.execute(select(NeedSupport.need_id, User).join(
            User, User.id == NeedSupport.user_id).where(NeedSupport.need_id.in_([n.id for n in needs]))
            .order_by(NeedSupport.need_id.desc())):
        askers[user.id] = next(n for n in needs if n.id == need_id)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(askers)))}
    for person_id, need in askers.items():
        notifications.notify(people[person_id], "service_started_for_need",
                             {**(event.detail or {}), "need": need.title}, ("needs.show", {"need_id": need.id}),
                             mail_subject=lambda need=need: _("A service answers “%(title)s”", title=need.title),
                             mail_page=("needs.show", {"need_id": need.id}))


def for_need(need: Need) -> list[TimelineEvent]:
    """The need's own steps and, once merged, its request's steps, in order."""
    condition = TimelineEvent.need_id == need.id
    if need.request_id is not None:
        condition = or_(condition, TimelineEvent.request_id == need.request_id)
    return db.session.scalars(select(TimelineEvent).where(condition).order_by(TimelineEvent.id)).all()


def for_request(request) -> list[TimelineEvent]:
    return db.session.scalars(
        select(TimelineEvent).where(TimelineEvent.request_id == request.id).order_by(TimelineEvent.id)
    ).all()


# --- how each step reads -------------------------------------------------------------------

@describes("need_posted")
def _posted(d):
    return _("Need posted")


@describes("need_on_agenda")
def _on_agenda(d):
    return _("Supported by %(count)s neighbours: now on the community's agenda", count=d.get("count", 0))


@describes("need_merged")
def _merged(d):
    return _("Merged into the community request “%(title)s”", title=d.get("title", ""))


@describes("need_declined")
def _declined(d):
    return _("Declined by the community: %(reason)s", reason=d.get("reason", ""))


@describes("need_withdrawn")
def _withdrawn(d):
    return _("Withdrawn by its author")


@describes("need_hidden")
def _hidden(d):
    return _("Hidden by a community worker: %(reason)s", reason=d.get("reason", ""))


@describes("request_created")
def _request_created(d):
    return _("Community request “%(title)s” created from %(count)s needs", title=d.get("title", ""),
             count=d.get("count", 0))


@describes("request_forwarded")
def _forwarded(d):
    return str(TRACKS.get(d.get("track"), d.get("track", "")))


@describes("request_closed")
def _request_closed(d):
    return _("Request closed: %(reason)s", reason=d.get("reason", ""))


def _meeting_time(d) -> str:
    """The meeting's time stored in the event (naive UTC), in the reader's time zone."""
    when = datetime.fromisoformat(d["when"]).replace(tzinfo=timezone.utc) if d.get("when") else None
    return format_datetime(when, "short") if when else ""


@describes("hearing_scheduled")
def _hearing_scheduled(d):
    return _("%(kind)s scheduled for %(when)s at %(place)s", kind=HEARING_KINDS.get(d.get("kind"), ""),
             when=_meeting_time(d), place=d.get("location", ""))


@describes("hearing_cancelled")
def _hearing_cancelled(d):
    return _("%(kind)s set for %(when)s cancelled: %(reason)s", kind=HEARING_KINDS.get(d.get("kind"), ""),
             when=_meeting_time(d), reason=d.get("reason", ""))


@describes("hearing_closed")
def _hearing_closed(d):
    return _("%(kind)s held: %(for)s for, %(against)s against, %(abstain)s abstaining. Outcome: %(outcome)s",
             kind=HEARING_KINDS.get(d.get("kind"), ""), outcome=OUTCOMES.get(d.get("outcome"), ""),
             **{"for": d.get("for", 0), "against": d.get("against", 0), "abstain": d.get("abstain", 0)})


@describes("service_started_for_need")
def _service_started(d):
    return _("A service answering “%(need)s” has started: %(organization)s. If it serves you, you can rate it on "
             "the service's page.", need=d.get("need", ""), organization=d.get("organization", ""))
