"""What a person may do with a community meeting (听证会, 协调会, 评议会) or a community request now
(core/actions.py): the community's workers open a meeting's vote at the meeting, close it with the
minutes, or cancel it before, and hold meetings on a request, put it forward or close it; verified
residents vote once. The services check through it and the pages show through it."""
from flask_babel import gettext as _

from market import clock
from market.core.actions import ActionSet
from market.core.errors import PermissionDenied, ServiceError
from market.needs.access import is_resident_of, is_worker_of
from market.needs.models import REQUEST_MACHINE, CommunityRequest, Hearing

HEARING_ACTIONS = ActionSet("hearing")


def _worker(user, hearing: Hearing):
    if not is_worker_of(user, hearing.request.community_id):
        return PermissionDenied(_("Only a community worker of this community can do this."))
    return None


@HEARING_ACTIONS.action("open_voting")
def _open_voting(user, hearing: Hearing):
    if refusal := _worker(user, hearing):
        return refusal
    if hearing.status != "scheduled":
        return ServiceError(_("Only a scheduled meeting opens its vote."))
    if clock.now() < hearing.scheduled_at:
        return ServiceError(_("Voting opens at the meeting: not before its scheduled time."),
                            code="meeting_not_started")
    return None


@HEARING_ACTIONS.action("cancel")
def _cancel(user, hearing: Hearing):
    return _worker(user, hearing) or (None if hearing.status == "scheduled" else ServiceError(
        _("Only a meeting whose vote has not opened is cancelled.")))


@HEARING_ACTIONS.action("close")
def _close(user, hearing: Hearing):
    if refusal := _worker(user, hearing):
        return refusal
    if hearing.status != "voting":
        return ServiceError(_("Only a meeting whose vote is open is closed."))
    if clock.now() < hearing.scheduled_at:
        return ServiceError(_("The meeting has not taken place yet: it can be closed only after its scheduled time."),
                            code="meeting_not_held")
    return None


@HEARING_ACTIONS.action("vote")
def _vote(user, hearing: Hearing):
    if hearing.status != "voting":
        return ServiceError(_("Voting is not open."), code="voting_not_open")
    if not is_resident_of(user, hearing.request.community_id):
        return PermissionDenied(_("Only verified residents of %(c)s vote.", c=hearing.request.community.name))
    return None


# --- community requests ----------------------------------------------------------------------------

REQUEST_ACTIONS = ActionSet("community_request")


def _request_worker(user, request: CommunityRequest):
    if not is_worker_of(user, request.community_id):
        return PermissionDenied(_("Only a community worker of this community can do this."))
    return None


def _no_open_meeting(request: CommunityRequest):
    if any(h.status in ("scheduled", "voting") for h in request.hearings):
        return ServiceError(_("Close or cancel the open hearing first."), code="hearing_open")
    return None


@REQUEST_ACTIONS.action("schedule_hearing")
def _schedule_hearing(user, request: CommunityRequest):
    return _request_worker(user, request) or (None if request.status == "proposed" else ServiceError(
        _("Hearings are held before the request is put forward.")))


@REQUEST_ACTIONS.action("forward")
def _forward(user, request: CommunityRequest):
    return _request_worker(user, request) or (None if request.status == "proposed" else ServiceError(
        _("Only a proposed request is put forward."))) or _no_open_meeting(request)


@REQUEST_ACTIONS.action("close")
def _close_request(user, request: CommunityRequest):
    return _request_worker(user, request) or (None if REQUEST_MACHINE.allowed(request.status, "closed") else
                                              ServiceError(_("This request is closed already."))) \
        or _no_open_meeting(request)
