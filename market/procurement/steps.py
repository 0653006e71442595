"""How procurement's steps read on a community request's timeline."""
from flask_babel import gettext as _

from market.notifications.wording import describes


@describes("tender_published")
def _published(d):
    return _("Tender “%(title)s” published: organizations may bid", title=d.get("title", ""))


@describes("tender_cancelled")
def _cancelled(d):
    return _("Tender cancelled: %(reason)s", reason=d.get("reason", ""))


@describes("tender_awarded")
def _awarded(d):
    return _("Awarded to %(organization)s; in public notice", organization=d.get("organization", ""))


@describes("tender_failed")
def _failed(d):
    return _("Tender failed: %(reason)s", reason=d.get("reason", ""))
