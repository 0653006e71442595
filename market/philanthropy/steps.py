"""How venture-philanthropy steps read on a community request's timeline."""
from flask_babel import gettext as _

from market.core.money import format_fen
from market.notifications.wording import describes


@describes("round_opened")
def _opened(d):
    return _("Venture-philanthropy round %(number)s “%(title)s” calls for projects answering this request",
             number=d.get("number", ""), title=d.get("title", ""))


@describes("project_selected")
def _selected(d):
    return _("Project “%(title)s” by %(organization)s selected for a grant of %(amount)s", title=d.get("title", ""),
             organization=d.get("organization", ""), amount=format_fen(d.get("amount_fen", 0)))


@describes("grant_agreed")
def _agreed(d):
    return _("Grant agreement %(number)s drafted for “%(title)s”: %(amount)s with gifts and match",
             number=d.get("number", ""), title=d.get("title", ""), amount=format_fen(d.get("amount_fen", 0)))
