"""What waits on the desk of civil affairs in organizations: registrations to review."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from market.accounts.roles import Role
from market.core.desk import Item, Waiting, pile
from market.organizations.models import Organization


@pile("civil_affairs", "registrations", _l("Organizations to review"))
def registrations(user, today, limits):
    if not user.has_role(Role.CIVIL_AFFAIRS):
        return None
    return Waiting(
        select(Organization).where(Organization.status == "pending").order_by(Organization.created_at, Organization.id),
        lambda org: Item(org.name, ("organizations.show", {"organization_id": org.id}), _("Review the registration")),
        more=("organizations.review_queue", {}))
