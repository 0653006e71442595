"""Who buys for a department: the check every procurement step makes first."""
from flask_babel import gettext as _

from market.core.errors import PermissionDenied


def is_purchaser_of(user, department_id: int) -> bool:
    return bool(user and user.is_authenticated and department_id in user.department_ids())


def require_purchaser_of(user, department_id: int) -> None:
    if not is_purchaser_of(user, department_id):
        raise PermissionDenied(_("Only a purchaser of this department can do this."))
