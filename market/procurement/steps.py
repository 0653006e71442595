"""How procurement's steps read on a community request's timeline."""
from datetime import datetime

from flask_babel import gettext as _

from market.core import text
from market.notifications.wording import describes, due_words


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


@describes("question_reminder")
def _question_reminder(d):
    return _("Tender “%(title)s”: a bidder's question is to be answered before bidding closes, %(when)s",
             title=d.get("title", ""), when=due_words(d))


@describes("challenge_reminder")
def _challenge_reminder(d):
    return _("Tender “%(title)s”: the challenge of %(organization)s is to be answered, %(when)s",
             title=d.get("title", ""), organization=d.get("organization", ""), when=due_words(d))


# --- what bidders are told (procurement/tenders.py: notify_bidders) ------------------------------

def _moment(iso: str) -> str:
    return text.moment(datetime.fromisoformat(iso)) if iso else ""


@describes("bidder_tender_changed")
def _bidder_changed(d):
    words = _("“%(title)s” has changed: %(reason)s", title=d.get("title", ""), reason=d.get("reason", ""))
    if d.get("returned"):
        words += " " + _("Your bid is returned: resubmit it by %(when)s.", when=_moment(d.get("deadline", "")))
    return words


@describes("bidder_tender_cancelled")
def _bidder_cancelled(d):
    return _("“%(title)s” is cancelled: %(reason)s", title=d.get("title", ""), reason=d.get("reason", ""))


@describes("bidder_tender_failed")
def _bidder_failed(d):
    return _("“%(title)s” has failed: %(n)s valid bids; the method needs at least %(min)s.", title=d.get("title", ""),
             n=d.get("valid", 0), min=d.get("minimum", 0))


@describes("bidder_bids_opened")
def _bidder_opened(d):
    return _("Bids for “%(title)s” are opened: the bidders and their prices are now public.", title=d.get("title", ""))


@describes("bidder_tender_awarded")
def _bidder_awarded(d):
    return _("“%(title)s” is awarded to %(organization)s. Bidders may challenge in writing until %(when)s.",
             title=d.get("title", ""), organization=d.get("organization", ""), when=_moment(d.get("until", "")))


@describes("question_asked")
def _question_asked(d):
    return _("A bidder asked a question on “%(title)s”: answer it before the questions close",
             title=d.get("title", ""))


@describes("question_answered")
def _question_answered(d):
    return _("Your question on “%(title)s” is answered", title=d.get("title", ""))


@describes("challenge_filed")
def _challenge_filed(d):
    return _("A challenge to the award of “%(title)s” is filed: answer it by %(due)s", title=d.get("title", ""),
             due=d.get("due", ""))


@describes("challenge_answered")
def _challenge_answered(d):
    return _("Your challenge to the award of “%(title)s” is answered", title=d.get("title", ""))


@describes("panel_added")
def _panel_added(d):
    return _("You are on the evaluation panel of “%(title)s”: declare conflicts and score once the bids are opened",
             title=d.get("title", ""))
