"""Who may act on the demand side: residents act only in the community where they are verified,
community workers only in the communities they serve."""

from flask_babel import gettext as _

from market.core.errors import PermissionDenied

# --- who may act -----------------------------------------------------------------------------

def is_resident_of(user, community_id: int) -> bool:
    return bool(user and user.is_authenticated and user.is_verified_resident
                and user.residence.community_id == community_id)


def require_resident_of(user, community_id: int) -> None:
    if not is_resident_of(user, community_id):
        raise PermissionDenied(_("Only verified residents of this community can do this."))


def is_worker_of(user, community_id: int) -> bool:
    return bool(user and user.is_authenticated and community_id in user.worker_community_ids())


def require_worker_of(user, community_id: int) -> None:
    if not is_worker_of(user, community_id):
        raise PermissionDenied(_("Only a community worker of this community can do this."))
