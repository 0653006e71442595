"""Sealed bids: who may bid on a tender (eligibility, grade), submitting, amending and withdrawing an
organization's one bid with its sealed attachments, who may read a bid and when, checking its
receipt's digest, the bids opened in public, and the open tenders an organization may bid on."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market import clock
from market.accounts.models import User
from market.core import text, unit, uploads
from market.core.errors import Checks, Ineligible, NotFound, PermissionDenied, Problem, ServiceError
from market.extensions import db
from market.organizations import services as organizations
from market.organizations.models import GRADES, Organization
from market.procurement import sealing
from market.procurement import undertakers as undertaker_rules
from market.procurement.actions import BID_ACTIONS, TENDER_ACTIONS
from market.procurement.models import BID_MACHINE, INVITATION_METHODS, Bid, BidAttachment, Tender
from market.procurement.purchasers import is_purchaser_of
from market.procurement.tenders import advance

MAX_ATTACHMENTS = 3


# --- bids --------------------------------------------------------------------------------------

def required_grade(tender: Tender) -> int:
    """The grade a bidder needs: the tender's, and never less than its catalog item's (a tender
    saved before it took the item's grade still holds bidders to it)."""
    return max(tender.min_grade or 0, tender.catalog_item.min_grade if tender.catalog_item else 0)


def eligibility_problems(org: Organization, tender: Tender) -> list[Problem]:
    """Why the organization may not bid on the tender (each with its code); an empty list means it may."""
    problems = [found] if (found := organizations.community_body_problem(org)) else []
    if org.status != "approved":
        problems.append(Problem(_("The organization is not approved by civil affairs."),
                                code="organization_not_approved"))
    if tender.method in INVITATION_METHODS and org.id not in {o.id for o in tender.invited}:
        problems.append(Problem(_("Only invited organizations may bid on this tender."), code="not_invited"))
    if tender.catalog_only and not undertaker_rules.is_listed(org.id, tender.category_id):
        problems.append(Problem(_("The tender is open only to organizations listed in the undertaker catalog for "
                                  "%(category)s.", category=tender.category.name), code="not_in_catalog"))
    debarment = undertaker_rules.active_debarment(org.id)
    if debarment is not None:
        problems.append(Problem(_("It is debarred until %(date)s: %(reason)s", date=debarment.ends_on.isoformat(),
                                  reason=debarment.reason), code="debarred"))
    required = required_grade(tender)
    if required:
        grade = undertaker_rules.current_grade(org.id)
        if grade is None or grade < required:
            problems.append(Problem(_("The tender asks for grade %(grade)s or better.", grade=GRADES[required]),
                                    code="grade_too_low"))
    return problems


@dataclass
class BidData:
    proposal: str
    team: str
    delivery_plan: str
    price_fen: int
    budget_lines: list[tuple[str, int]]


def _require_bidder(actor: User, tender: Tender, org: Organization) -> None:
    if org.id not in actor.organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))
    advance(tender)
    TENDER_ACTIONS.require(actor, tender, "bid")


@dataclass(frozen=True)
class BidFile:
    """An attachment as its bidder submitted it. Name, size and SHA-256 are kept in the sealed bid,
    never in clear: the row holds only a random stored name (and placeholders)."""
    id: int
    name: str
    size_bytes: int
    sha256: str
    stored_name: str

    @property
    def content_type(self) -> str:
        extension = self.name.rsplit(".", 1)[-1].lower()
        return uploads.KINDS.get(extension, ("application/octet-stream",))[0]

    def entry(self) -> dict:
        """How the sealed content (and so the receipt digest) records it."""
        return {"name": self.name, "sha256": self.sha256, "size": self.size_bytes, "file": self.stored_name}


def bid_files(bid: Bid, content: dict) -> list[BidFile]:
    """The bid's attachments with what its unsealed `content` says of them. A row stored before
    attachments were sealed this way (its entry has no "file") still carries its own columns."""
    sealed = {entry["file"]: entry for entry in content.get("attachments", []) if "file" in entry}
    files = []
    for row in bid.attachments:
        entry = sealed.get(row.stored_name)
        if entry is None:
            files.append(BidFile(row.id, row.original_filename, row.size_bytes, row.sha256, row.stored_name))
        else:
            files.append(BidFile(row.id, entry["name"], entry["size"], entry["sha256"], row.stored_name))
    return files


def submit_bid(actor: User, tender: Tender, org: Organization, data: BidData, attachments=(), final: bool = True,
               remove=()) -> Bid:
    """Submit or amend the organization's one bid (or, with final=False, save it as a draft that
    is sealed the same way but not counted at opening); returns it with its digest.

    An amendment keeps the attachments already there but those whose ids are in `remove`;
    `attachments` (uploaded files) are added to them."""
    _require_bidder(actor, tender, org)
    problems = eligibility_problems(org, tender)
    if problems:
        raise Ineligible(problems)
    proposal, team = text.clean(data.proposal, 20000), text.clean(data.team, 5000)
    delivery_plan = text.clean(data.delivery_plan, 10000)
    with Checks() as checks:  # every problem of the bid at once, each at its field
        checks.check(bool(proposal), _("Write the proposal."), field="proposal", code="proposal_missing")
        checks.check(bool(delivery_plan), _("Write the delivery plan."), field="delivery_plan",
                     code="delivery_plan_missing")
        if checks.check(0 < data.price_fen <= tender.budget_ceiling_fen,
                        _("The price must be more than zero and at most the budget ceiling."), field="price",
                        code="price_out_of_range"):
            checks.check(sum(amount for _item, amount in data.budget_lines) == data.price_fen,
                         _("The budget lines must add up to the price."), field="budget_lines",
                         code="budget_lines_not_price")
    bid = db.session.scalar(select(Bid).filter_by(tender_id=tender.id, organization_id=org.id))
    drop = set(remove)
    kept = [f for f in bid_files(bid, sealing.unseal(bid.sealed)) if f.id not in drop] if bid else []
    attachments = [a for a in attachments if a and a.filename]
    if len(kept) + len(attachments) > MAX_ATTACHMENTS:
        if kept:
            raise ServiceError(_("A bid carries at most %(n)s files: remove one to attach another.",
                                 n=MAX_ATTACHMENTS), field="attachments")
        raise ServiceError(_("Attach at most %(n)s files.", n=MAX_ATTACHMENTS), field="attachments")
    stored = []
    try:
        for a in attachments:
            stored.append(uploads.store(a, allowed=("pdf", "docx", "xlsx", "png", "jpg", "jpeg"),
                                        transform=sealing.seal_file, private=True))
    except ServiceError:  # nothing half-saved: the files stored before the refused one go too
        for s in stored:
            uploads.discard(s.stored_name)
        raise
    added = [BidFile(0, s.original_filename, s.size_bytes, s.sha256, s.stored_name) for s in stored]
    payload = {
        "tender": tender.id, "organization": org.id, "proposal": proposal, "team": team,
        "delivery_plan": delivery_plan, "price_fen": data.price_fen,
        "budget_lines": [{"item": text.clean(item, 120), "amount_fen": amount} for item, amount in data.budget_lines],
        "attachments": [f.entry() for f in kept + added],
    }
    now = clock.now()
    old_files = []
    status = "submitted" if final else "draft"
    if bid is None:
        bid = Bid(tender_id=tender.id, organization_id=org.id, version=0, status=status)
        db.session.add(bid)
    else:
        keep = {f.id for f in kept}
        for row in [row for row in bid.attachments if row.id not in keep]:
            old_files.append(row.stored_name)
            bid.attachments.remove(row)
        for row in bid.attachments:  # one stored before its metadata was sealed: the sealed content has it now
            row.original_filename, row.content_type, row.size_bytes, row.sha256 = "", "", 0, ""
    bid.version, bid.submitted_at, bid.submitted_by_id = bid.version + 1, now, actor.id
    payload["version"] = bid.version
    bid.sealed, bid.digest = sealing.seal(payload), sealing.digest(payload)
    # Placeholders: the name, kind, size and digest are in the sealed content only.
    bid.attachments.extend(BidAttachment(stored_name=s.stored_name, original_filename="", content_type="",
                                         size_bytes=0, sha256="") for s in stored)
    try:
        if bid.version == 1:
            BID_MACHINE.start(bid, actor, "", status)  # flushes: the key settles two first bids at once
        elif bid.status != status:
            BID_MACHINE.move(bid, status, actor, "")
        unit.flush()
    except IntegrityError:  # the organization's first bid sent twice at once: one wins
        db.session.rollback()
        for s in stored:
            uploads.discard(s.stored_name)
        raise ServiceError(
            _("This organization's bid was just submitted from elsewhere; reload to amend it.")
        ) from None
    for name in old_files:  # the attachments the bidder removed
        uploads.discard(name)
    return bid


def withdraw_bid(actor: User, tender: Tender, org: Organization) -> None:
    _require_bidder(actor, tender, org)
    bid = db.session.scalar(select(Bid).filter_by(tender_id=tender.id, organization_id=org.id))
    if bid is None:
        raise ServiceError(_("There is no bid to withdraw."))
    BID_ACTIONS.require(actor, bid, "withdraw")
    BID_MACHINE.move(bid, "withdrawn", actor, "")
    unit.flush()


def own_content(actor, tender: Tender, org_id: int) -> dict | None:
    """The organization's current bid content, unsealed for its own members (to amend it)."""
    bid = own_bid(actor, tender, org_id)
    return sealing.unseal(bid.sealed) if bid is not None else None


def own_files(actor, tender: Tender, org_id: int) -> list[BidFile]:
    """The attachments of the organization's current bid, named for its own members (to amend it)."""
    bid = own_bid(actor, tender, org_id)
    return bid_files(bid, sealing.unseal(bid.sealed)) if bid is not None else []


def own_bid(actor, tender: Tender, org_id: int) -> Bid | None:
    if not (actor and actor.is_authenticated and org_id in actor.organization_ids()):
        return None
    return db.session.scalar(select(Bid).filter_by(tender_id=tender.id, organization_id=org_id))


def can_read_bid(viewer, tender: Tender, bid: Bid) -> bool:
    """Before opening only the bidding organization; after opening, the purchaser too."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if bid.organization_id in viewer.organization_ids():
        return True
    return tender.opened_at is not None and is_purchaser_of(viewer, tender.department_id)


def read_bid(viewer, tender: Tender, bid_id: int) -> tuple[Bid, dict]:
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.tender_id != tender.id or not can_read_bid(viewer, tender, bid):
        raise NotFound(_("This bid does not exist or is sealed."))
    return bid, sealing.unseal(bid.sealed)


def verify(bid: Bid) -> bool:
    """Recompute the receipt digest from the unsealed content: true when nothing was changed."""
    return sealing.digest(sealing.unseal(bid.sealed)) == bid.digest


def opened_bids(tender: Tender) -> list[Bid]:
    """After opening: the bidders and their prices, public."""
    if tender.opened_at is None:
        return []
    return db.session.scalars(select(Bid).where(Bid.tender_id == tender.id, Bid.opened_at.is_not(None))
                              .order_by(Bid.price_fen, Bid.id)).all()


def attachment_bytes(viewer, tender: Tender, attachment_id: int) -> tuple[BidFile, bytes]:
    attachment = db.session.get(BidAttachment, attachment_id)
    bid = db.session.get(Bid, attachment.bid_id) if attachment else None
    if bid is None or bid.tender_id != tender.id or not can_read_bid(viewer, tender, bid):
        raise NotFound(_("This bid does not exist or is sealed."))
    (found,) = [f for f in bid_files(bid, sealing.unseal(bid.sealed)) if f.id == attachment.id]
    return found, sealing.unseal_file(uploads.path_of(found.stored_name).read_bytes(), found.size_bytes)


# --- lists ----------------------------------------------------------------------------------------

def eligible_open_tenders(actor: User, limit: int = 50) -> list[tuple[Tender, list[Organization]]]:
    """Tenders open for bids, each with the actor's organizations that may bid on it."""
    orgs = [m.organization for m in actor.memberships]
    found = []
    for tender in db.session.scalars(select(Tender).where(Tender.status == "published",
                                                          Tender.bid_deadline > clock.now())
                                     .order_by(Tender.bid_deadline).limit(limit)):
        eligible = [org for org in orgs if not eligibility_problems(org, tender)]
        if eligible:
            found.append((tender, eligible))
    return found


def bids_of(actor: User) -> list[Bid]:
    """The bids of the actor's organizations, for their workspace."""
    return db.session.scalars(select(Bid).where(Bid.organization_id.in_(actor.organization_ids()))
                              .order_by(Bid.submitted_at.desc()).limit(100)).all()
