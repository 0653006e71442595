"""How the grid ledger's notifications read (notifications/wording.py), and the steps it adds to needs'
timelines (a need turned from a problem, or moved to the ledger: transfers.py)."""
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from market.notifications.wording import describes


@describes("problem_recorded")
def _recorded(d):
    return _("The problem you raised is in the ledger: “%(summary)s”. Follow it here.", summary=d.get("summary", ""))


@describes("problem_dispatched")
def _dispatched(d):
    due = d.get("due")
    return _("A problem is dispatched to you: “%(summary)s”, to finish by %(due)s", summary=d.get("summary", ""),
             due=format_datetime(datetime.fromisoformat(due), "short") if due else "")


@describes("problem_returned")
def _returned(d):
    return _("%(body)s sent back “%(summary)s”: dispatch it again", body=d.get("body", ""),
             summary=d.get("summary", ""))


@describes("problem_closed")
def _closed(d):
    return _("“%(summary)s” is closed: say whether you are satisfied", summary=d.get("summary", ""))


@describes("problem_reopened")
def _reopened(d):
    return _("“%(summary)s” is reopened: dispatch it again", summary=d.get("summary", ""))


@describes("problem_escalated")
def _escalated(d):
    return _("“%(summary)s” is past its deadline and escalated to %(to)s", summary=d.get("summary", ""),
             to=d.get("to", ""))


@describes("need_from_problem")
def _from_problem(d):
    return _("Turned into a need from the problem ledger (“%(summary)s”): %(reason)s", summary=d.get("summary", ""),
             reason=d.get("reason", ""))


@describes("need_to_problem")
def _to_problem(d):
    return _("Moved to the problem ledger as “%(summary)s”: %(reason)s", summary=d.get("summary", ""),
             reason=d.get("reason", ""))
