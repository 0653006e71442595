"""What a person may do with a tender now (core/actions.py): the services check through it, the
tender page shows its buttons through it, and the desk's next steps follow the same rules."""
from flask_babel import gettext as _

from market import clock
from market.core.actions import ActionSet
from market.core.errors import PermissionDenied, ServiceError
from market.procurement.models import Tender
from market.procurement.purchasers import is_purchaser_of

TENDER_ACTIONS = ActionSet("tender")


def _not_purchaser(user, tender: Tender) -> PermissionDenied | None:
    if not is_purchaser_of(user, tender.department_id):
        return PermissionDenied(_("Only a purchaser of this department can do this."))
    return None


def _purchaser_while(statuses, message: str, code: str = "wrong_status"):
    """A purchaser's action, allowed while the tender is in one of `statuses`."""
    def rule(user, tender: Tender):
        return _not_purchaser(user, tender) or (
            None if tender.status in statuses else ServiceError(message, code=code))
    return rule


TENDER_ACTIONS.action("change")(_purchaser_while(
    ("draft", "published"), _("A tender can be changed only before bidding closes.")))
TENDER_ACTIONS.action("publish")(_purchaser_while(
    ("draft",), _("Only a draft is published."), code="not_a_draft"))
TENDER_ACTIONS.action("form_panel")(_purchaser_while(
    ("published", "bidding_closed", "opened"), _("The panel is formed before the evaluation starts.")))
TENDER_ACTIONS.action("complete_evaluation")(_purchaser_while(
    ("opened",), _("The bids must be opened and scored first.")))
TENDER_ACTIONS.action("award")(_purchaser_while(
    ("evaluated",), _("Complete the evaluation first.")))
TENDER_ACTIONS.action("rerun")(_purchaser_while(
    ("failed",), _("Only a failed tender can be run again.")))
TENDER_ACTIONS.action("cancel")(_purchaser_while(
    ("draft", "published", "bidding_closed", "opened", "evaluated", "awarded"),
    _("A tender is cancelled until its contract is signed."), code="not_cancellable"))


@TENDER_ACTIONS.action("ask")
def _ask(user, tender: Tender):
    if not (user and user.is_authenticated and user.organization_ids()):
        return PermissionDenied(_("Only a member of this organization can do this."))
    if tender.status != "published" or clock.now() >= tender.questions_deadline:
        return ServiceError(_("Questions are closed for this tender."), code="questions_closed")
    return None


@TENDER_ACTIONS.action("bid")
def _bid(user, tender: Tender):
    if not (user and user.is_authenticated and user.organization_ids()):
        return PermissionDenied(_("Only a member of this organization can do this."))
    if tender.status != "published" or clock.now() >= tender.bid_deadline:
        return ServiceError(_("Bidding is closed for this tender."), code="bidding_closed")
    return None
