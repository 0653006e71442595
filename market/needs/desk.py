"""What waits on the desk for residents and community workers."""
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, select

from market.accounts.models import Residence
from market.core.desk import Item, Waiting, pile
from market.extensions import db
from market.needs.actions import HEARING_ACTIONS, REQUEST_ACTIONS
from market.needs.models import ACTIVE_NEED_STATUSES, NEED_MACHINE, CommunityRequest, Flag, Hearing, HearingVote, Need


@pile("resident", "my_needs", _l("My needs on the way"))
def my_needs(user, today, limits):
    return Waiting(
        select(Need).where(Need.author_id == user.id, Need.status.in_(ACTIVE_NEED_STATUSES))
        .order_by(Need.created_at.desc(), Need.id.desc()),
        lambda need: Item(need.title, ("needs.show", {"need_id": need.id}), _("Follow it"),
                          note=str(NEED_MACHINE.label(need.status))))


@pile("resident", "hearings_to_vote", _l("Meetings to vote in"))
def hearings_to_vote(user, today, limits):
    if not user.is_verified_resident:
        return None
    voted = exists().where(HearingVote.hearing_id == Hearing.id, HearingVote.user_id == user.id)
    return Waiting(
        select(Hearing, CommunityRequest.title).join(CommunityRequest)
        .where(CommunityRequest.community_id == user.residence.community_id, Hearing.status == "voting", ~voted)
        .order_by(Hearing.scheduled_at, Hearing.id),
        lambda hearing, title: Item(title, ("needs.hearing", {"hearing_id": hearing.id}), _("Vote")),
        action=(HEARING_ACTIONS, "vote"))


def _worker(user):
    return user.worker_community_ids() or None


@pile("community_worker", "residents_to_verify", _l("Residents to verify"))
def residents_to_verify(user, today, limits):
    if not (communities := _worker(user)):
        return None
    return Waiting(
        select(Residence).where(Residence.community_id.in_(communities), Residence.status == "pending")
        .options(db.joinedload(Residence.user)).order_by(Residence.requested_at, Residence.id),
        lambda residence: Item(residence.user.display_name, ("accounts.worker_residents", {}), _("Verify"),
                               note=residence.community.name),
        more=("accounts.worker_residents", {}))


@pile("community_worker", "needs_to_triage", _l("Needs to triage"))
def needs_to_triage(user, today, limits):
    if not (communities := _worker(user)):
        return None
    return Waiting(
        select(Need).where(Need.community_id.in_(communities), Need.status == "open", Need.hidden_at.is_(None),
                           Need.request_id.is_(None))
        .order_by(Need.urgency_rank.desc(), Need.support_count.desc(), Need.created_at, Need.id),
        lambda need: Item(need.title, ("needs.show", {"need_id": need.id}), _("Triage"),
                          note=_("%(n)s supporters", n=need.support_count)),
        more=("needs.triage", {}))


@pile("community_worker", "flags", _l("Reports to look at"))
def flags(user, today, limits):
    if not (communities := _worker(user)):
        return None
    return Waiting(
        select(Flag).where(Flag.community_id.in_(communities), Flag.resolved_at.is_(None))
        .order_by(Flag.created_at, Flag.id),
        lambda flag: Item(flag.reason[:60], ("needs.flags", {}), _("Look at it")),
        more=("needs.flags", {}))


@pile("community_worker", "hearings_to_hold", _l("Meetings to hold or close"))
def hearings_to_hold(user, today, limits):
    if not (communities := _worker(user)):
        return None
    return Waiting(
        select(Hearing, CommunityRequest.title).join(CommunityRequest)
        .where(CommunityRequest.community_id.in_(communities), Hearing.status.in_(("scheduled", "voting")))
        .order_by(Hearing.scheduled_at, Hearing.id),
        lambda hearing, title: Item(title, ("needs.hearing", {"hearing_id": hearing.id}),
                                    _("Open the vote") if hearing.status == "scheduled" else _("Close the vote"),
                                    note=format_datetime(hearing.scheduled_at, "short")),
        action=(HEARING_ACTIONS, "open_voting", "close", "cancel"))


@pile("community_worker", "requests_to_forward", _l("Requests to decide on"))
def requests_to_forward(user, today, limits):
    if not (communities := _worker(user)):
        return None
    pending_hearing = exists().where(and_(Hearing.request_id == CommunityRequest.id,
                                          Hearing.status.in_(("scheduled", "voting"))))
    return Waiting(
        select(CommunityRequest).where(CommunityRequest.community_id.in_(communities),
                                       CommunityRequest.status == "proposed", ~pending_hearing)
        .order_by(CommunityRequest.created_at, CommunityRequest.id),
        lambda request: Item(request.title, ("needs.request_page", {"request_id": request.id}),
                             _("Put it forward or handle it")), action=(REQUEST_ACTIONS, "forward", "close"))
