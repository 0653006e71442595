"""What a person may do with a tender, a bid or a purchase catalog now (core/actions.py): the
services check through it, the pages show their buttons through it, and the desk's next steps follow
the same rules. The purchaser's actions on a tender are TENDER_ACTIONS, the panel expert's are
PANEL_ACTIONS (asked only on the review page, so the tender page pays no query for them)."""
from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.core.actions import ActionSet, while_in
from market.core.errors import PermissionDenied, ServiceError
from market.extensions import db
from market.procurement.models import (
    BID_MACHINE,
    CATALOG_MACHINE,
    TENDER_MACHINE,
    Bid,
    ConflictDeclaration,
    PanelMember,
    PurchaseCatalog,
    Tender,
)
from market.procurement.purchasers import is_purchaser_of

TENDER_ACTIONS = ActionSet("tender", TENDER_MACHINE)


def _not_purchaser(user, tender: Tender) -> PermissionDenied | None:
    if not is_purchaser_of(user, tender.department_id):
        return PermissionDenied(_("Only a purchaser of this department can do this."))
    return None


def _purchaser_while(statuses, message: str, code: str = "wrong_status"):
    """A purchaser's action, allowed while the tender is in one of `statuses`."""
    in_status = while_in(statuses, message, code)
    return lambda user, tender: _not_purchaser(user, tender) or in_status(tender)


TENDER_ACTIONS.action("change")(_purchaser_while(
    ("draft", "published"), _("A tender can be changed only before bidding closes.")))
TENDER_ACTIONS.action("amend")(_purchaser_while(
    ("published",), _("Only a tender open for bids is amended; a draft changes freely.")))
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


# --- the panel's experts ---------------------------------------------------------------------------

PANEL_ACTIONS = ActionSet("tender", TENDER_MACHINE)


def _not_panelist(user, tender: Tender) -> PermissionDenied | None:
    if not (user and user.is_authenticated and db.session.scalar(select(PanelMember.id).filter_by(
            tender_id=tender.id, expert_id=user.id)) is not None):
        return PermissionDenied(_("Only experts on this tender's panel can do this."))
    return None


def _has_declared(user, tender: Tender) -> bool:
    return db.session.scalar(select(ConflictDeclaration.id).filter_by(
        tender_id=tender.id, expert_id=user.id).limit(1)) is not None


_opened = while_in(("opened",), _("Scoring starts when the bids are opened."), code="scoring_not_open")


@PANEL_ACTIONS.action("declare")
def _declare(user, tender: Tender):
    if refusal := _not_panelist(user, tender) or _opened(tender):
        return refusal
    return ServiceError(_("You have declared already."), code="already_declared") if _has_declared(user, tender) \
        else None


@PANEL_ACTIONS.action("score")
def _score(user, tender: Tender):
    if refusal := _not_panelist(user, tender) or _opened(tender):
        return refusal
    return None if _has_declared(user, tender) else ServiceError(
        _("Declare your conflicts of interest before you see any bid."), code="conflicts_undeclared")


# --- bids ------------------------------------------------------------------------------------------

BID_ACTIONS = ActionSet("bid", BID_MACHINE)


@BID_ACTIONS.action("withdraw")
def _withdraw_bid(user, bid: Bid):
    if not (user and user.is_authenticated and bid.organization_id in user.organization_ids()):
        return PermissionDenied(_("Only a member of this organization can do this."))
    return while_in(("submitted",), _("There is no bid to withdraw."))(bid) or _bid(user, bid.tender)


# --- purchase guidance catalogs --------------------------------------------------------------------

CATALOG_ACTIONS = ActionSet("catalog", CATALOG_MACHINE)


def _catalog_draft(user, catalog: PurchaseCatalog):
    if not is_purchaser_of(user, catalog.department_id):
        return PermissionDenied(_("Only a purchaser of this department can do this."))
    return while_in(("draft",), _("A published catalog cannot change; start a new version instead."))(catalog)


CATALOG_ACTIONS.action("import_items")(_catalog_draft)


@CATALOG_ACTIONS.action("publish")
def _publish_catalog(user, catalog: PurchaseCatalog):
    return _catalog_draft(user, catalog) or (None if catalog.items else ServiceError(
        _("Import the catalog's items before publishing it."), code="catalog_empty"))
