"""What the public pages of a place list: a community's open needs, its requests and upcoming
hearings, and open needs and requests counted per community of a street or per street of a district."""

from sqlalchemy import func, select

from market.extensions import db
from market.needs.models import ACTIVE_NEED_STATUSES, CommunityRequest, Hearing, Need
from market.places.models import Community, Street

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
