"""How partnership's notifications read (notifications/wording.py)."""
from flask_babel import gettext as _

from market.notifications.wording import describes


@describes("admission_decided")
def _admission_decided(d):
    if d.get("status") == "admitted":
        return _("Civil affairs admitted “%(title)s”: communities may be entrusted with it.", title=d.get("title", ""))
    return _("Civil affairs refused “%(title)s”: read the reason.", title=d.get("title", ""))


@describes("pushed_work_decided")
def _pushed_decided(d):
    if d.get("status") == "upheld":
        return _("Your report of “%(title)s” is upheld: it was pushed without admission.", title=d.get("title", ""))
    return _("Your report of “%(title)s” is dismissed: read the finding.", title=d.get("title", ""))
