"""Hearings on a community request: a worker schedules the meeting, opens the vote at it or calls it
off; each verified resident votes once; closing it records attendance, minutes and the outcome."""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from market import clock
from market.accounts.models import User
from market.core import text, unit
from market.core.errors import ServiceError, existing
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.needs import timeline
from market.needs.actions import HEARING_ACTIONS, REQUEST_ACTIONS
from market.needs.models import HEARING_KINDS, HEARING_MACHINE, VOTE_CHOICES, CommunityRequest, Hearing, HearingVote

HEARING_HORIZON = timedelta(days=365)  # how far ahead a meeting may be scheduled


# --- hearings --------------------------------------------------------------------------------

def schedule_hearing(actor: User, request: CommunityRequest, kind: str, scheduled_at: datetime,
                     location: str, agenda: str) -> Hearing:
    REQUEST_ACTIONS.require(actor, request, "schedule_hearing")
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


def open_voting(actor: User, hearing: Hearing) -> None:
    """Open the vote at the meeting. Not before it: residents vote on what they heard there, and a
    meeting whose vote is open can no longer be cancelled."""
    HEARING_ACTIONS.require(actor, hearing, "open_voting")
    HEARING_MACHINE.move(hearing, "voting", actor, "")
    unit.flush()


def cancel_hearing(actor: User, hearing: Hearing, reason: str) -> None:
    """Call the meeting off; the timelines of the request and its needs say so, with the reason."""
    HEARING_ACTIONS.require(actor, hearing, "cancel")
    reason = text.required(reason, 1000, _("Give the reason for cancelling."))
    HEARING_MACHINE.move(hearing, "cancelled", actor, reason)
    timeline.record("hearing_cancelled", actor, request=hearing.request, kind=hearing.kind,
                    when=hearing.scheduled_at.isoformat(), reason=reason, hearing_id=hearing.id)
    unit.flush()


def vote(actor: User, hearing: Hearing, choice: str) -> HearingVote:
    """One vote per verified resident of the request's community, while voting is open."""
    HEARING_ACTIONS.require(actor, hearing, "vote")
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
    HEARING_ACTIONS.require(actor, hearing, "close")
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
