"""How organizations answer the areas below them (imported, and so connected, once by market/__init__.py)."""
from market.accounts.roles import Scope
from market.accounts.signals import role_scope
from market.extensions import db
from market.organizations import services
from market.organizations.models import Organization


@role_scope.connect_via("organization")
def _organizations(_scope, **_):
    """Incubator staff and evaluators act for an organization: any that exists, chosen among the approved."""
    return Scope(lambda organization_id: db.session.get(Organization, organization_id) is not None,
                 services.approved_choices)
