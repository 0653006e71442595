"""How notifications answer the signals of the areas below them (imported, and so connected, once
by market/__init__.py)."""
from flask_babel import gettext as _

from market.accounts.signals import residence_decided
from market.notifications.services import notify
from market.notifications.wording import describes


@residence_decided.connect
def _tell_the_resident(residence, **_kwargs):
    kind = "residence_verified" if residence.status == "verified" else "residence_refused"
    notify(residence.user, kind, {"community": residence.community.name, "reason": residence.decision_reason},
           ("accounts.residence", {}))


@describes("residence_verified")
def _verified(d):
    return _("You are verified as a resident of %(community)s: you can post and support needs there.",
             community=d.get("community", ""))


@describes("residence_refused")
def _refused(d):
    return _("Your residence in %(community)s was not verified: %(reason)s", community=d.get("community", ""),
             reason=d.get("reason", ""))
