"""The community's triage: its workers sort the open needs, set the support threshold, decline a need
with a reason, merge related needs into a community request, and put the request on its track or
close it."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.core import text, unit
from market.core.errors import PermissionDenied, ServiceError, existing
from market.extensions import db
from market.needs import timeline
from market.needs.access import require_worker_of
from market.needs.actions import REQUEST_ACTIONS
from market.needs.models import (
    ACTIVE_NEED_STATUSES,
    NEED_MACHINE,
    REQUEST_MACHINE,
    TRACKS,
    CommunityRequest,
    CommunitySettings,
    Need,
)
from market.organizations.models import ServiceCategory

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
    REQUEST_ACTIONS.require(actor, request, "forward")
    target = "in_community" if request.track == "self_governance" else "forwarded"
    REQUEST_MACHINE.move(request, target, actor, "")
    timeline.record("request_forwarded", actor, request=request, track=request.track)
    unit.flush()


def close_request(actor: User, request: CommunityRequest, reason: str) -> None:
    """End a request that will not go further (the need went away, another service answers it): its
    residents read the reason on the timeline."""
    REQUEST_ACTIONS.require(actor, request, "close")
    reason = text.required(reason, 1000, _("Say why the request is closed; its residents will read it."), "reason")
    REQUEST_MACHINE.move(request, "closed", actor, reason)
    timeline.record("request_closed", actor, request=request, reason=reason)
    unit.flush()
