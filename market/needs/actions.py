"""What a person may do with a community meeting (听证会, 协调会, 评议会) or a community request now
(core/actions.py): the community's workers open a meeting's vote at the meeting, close it with the
minutes, or cancel it before, and hold meetings on a request, put it forward or close it; verified
residents vote once. The services check through it and the pages show through it."""
from flask_babel import gettext as _

from market import clock
from market.core.actions import ActionSet, while_in
from market.core.errors import InvalidTransition, PermissionDenied, ServiceError
from market.needs.access import is_resident_of, is_worker_of
from market.needs.models import HEARING_MACHINE, REQUEST_MACHINE, CommunityRequest, Hearing

HEARING_ACTIONS = ActionSet("hearing", HEARING_MACHINE)


def _worker(user, community_id: int):
    if not is_worker_of(user, community_id):
        return PermissionDenied(_("Only a community worker of this community can do this."))
    return None


@HEARING_ACTIONS.action("open_voting")
def _open_voting(user, hearing: Hearing):
    if refusal := _worker(user, hearing.request.community_id):
        return refusal
    if refusal := while_in(("scheduled",), _("Only a scheduled meeting opens its vote."))(hearing):
        return refusal
    if clock.now() < hearing.scheduled_at:
        return ServiceError(_("Voting opens at the meeting: not before its scheduled time."),
                            code="meeting_not_started")
    return None


@HEARING_ACTIONS.action("cancel")
def _cancel(user, hearing: Hearing):
    return _worker(user, hearing.request.community_id) or while_in(
        ("scheduled",), _("Only a meeting whose vote has not opened is cancelled."))(hearing)


@HEARING_ACTIONS.action("close")
def _close(user, hearing: Hearing):
    if refusal := _worker(user, hearing.request.community_id):
        return refusal
    if refusal := while_in(("voting",), _("Only a meeting whose vote is open is closed."))(hearing):
        return refusal
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

REQUEST_ACTIONS = ActionSet("community_request", REQUEST_MACHINE)


def _no_open_meeting(request: CommunityRequest):
    if any(h.status in ("scheduled", "voting") for h in request.hearings):
        return ServiceError(_("Close or cancel the open hearing first."), code="hearing_open")
    return None


@REQUEST_ACTIONS.action("schedule_hearing")
def _schedule_hearing(user, request: CommunityRequest):
    return _worker(user, request.community_id) or while_in(
        ("proposed",), _("Hearings are held before the request is put forward."))(request)


@REQUEST_ACTIONS.action("forward")
def _forward(user, request: CommunityRequest):
    return _worker(user, request.community_id) or while_in(
        ("proposed",), _("Only a proposed request is put forward."))(request) or _no_open_meeting(request)


@REQUEST_ACTIONS.action("close")
def _close_request(user, request: CommunityRequest):
    if not REQUEST_MACHINE.allowed(request.status, "closed"):
        return _worker(user, request.community_id) or InvalidTransition(_("This request is closed already."))
    return _worker(user, request.community_id) or _no_open_meeting(request)
