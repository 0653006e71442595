"""A tender's life: drafting, amending, publishing, running it again after a failure and cancelling
it; the steps time makes due; and the lists of tenders.

A tender's status changes only through TENDER_MACHINE. Time-driven steps (bidding closes at the
deadline, bids open at the opening time) happen in `advance(now)`, which is idempotent and runs
on every read and write of a tender, so no scheduler is needed for correctness.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts import services as accounts
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import text, unit
from market.core.errors import Checks, NotFound, ServiceError
from market.extensions import db
from market.needs import timeline
from market.needs.models import CommunityRequest
from market.notifications import services as notifications
from market.organizations import services as organizations
from market.organizations.models import GRADES, Membership, Organization
from market.places.models import Community, Department
from market.procurement import sealing, signals, steps  # noqa: F401  (steps: how tender events read on timelines)
from market.procurement.actions import TENDER_ACTIONS
from market.procurement.models import (
    BID_MACHINE,
    INVITATION_METHODS,
    TENDER_MACHINE,
    TENDER_METHODS,
    Bid,
    CatalogItem,
    PurchaseCatalog,
    Tender,
    TenderAmendment,
    TenderCriterion,
    tender_community,
)
from market.procurement.purchasers import is_purchaser_of, require_purchaser_of
from market.rules import services as rules

# --- drafting and publishing ---------------------------------------------------------------------

@dataclass
class TenderData:
    catalog_item_id: int
    title: str
    description: str
    service_standards: str
    budget_ceiling_fen: int
    contract_months: int
    method: str
    price_weight: int | None
    criteria: list[tuple[str, int]]
    questions_deadline: datetime
    bid_deadline: datetime
    opening_at: datetime
    min_grade: int = 0
    community_ids: list[int] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)
    invited_ids: list[int] = field(default_factory=list)
    catalog_only: bool = True


def _method_rules(method: str) -> dict:
    methods = rules.in_force()["methods"]
    if method not in methods:
        raise ServiceError(_("Choose a purchase method."), field="method")
    return methods[method]


def _validated(actor: User, data: TenderData) -> tuple[CatalogItem, dict]:
    item = db.session.get(CatalogItem, data.catalog_item_id)
    if item is None or item.catalog.status != "published":
        raise ServiceError(_("Choose an item of a published catalog."), field="catalog_item_id")
    require_purchaser_of(actor, item.catalog.department_id)
    method = _method_rules(data.method)
    data.title, data.description = text.clean(data.title, 120), text.clean(data.description, 10000)
    data.service_standards = text.clean(data.service_standards, 10000)
    max_months = rules.in_force()["max_contract_years"] * 12
    weight_range = method["price_weight"]
    if weight_range is None:
        data.price_weight = None
    data.criteria = [(text.clean(name, 120), points) for name, points in data.criteria if (name or "").strip()]
    total = sum(points for _name, points in data.criteria) + (data.price_weight or 0)
    with Checks() as checks:  # every problem of the form at once, each at its field
        checks.check(len(data.title) >= 4, _("Give the tender a title of at least 4 characters."), field="title")
        checks.check(bool(data.description and data.service_standards), _("Describe the service and its standards."),
                     field="service_standards")
        checks.check(data.budget_ceiling_fen > 0, _("The budget ceiling must be more than zero."),
                     field="budget_ceiling")
        checks.check(1 <= data.contract_months <= max_months,
                     _("The contract lasts from 1 to %(n)s months.", n=max_months), field="contract_months",
                     code="contract_months_out_of_range")
        if weight_range is not None and weight_range[0] == 100:  # quotation, negotiation: the lowest price wins
            checks.check(data.price_weight == 100, _(
                "This method is decided on price alone: set the price weight to 100 and leave the criteria empty."),
                field="price_weight", code="price_alone_method")
        elif weight_range is not None:
            checks.check(data.price_weight is not None and weight_range[0] <= data.price_weight <= weight_range[1],
                         _("For this method the price weight must be between %(low)s%% and %(high)s%%.",
                           low=weight_range[0], high=weight_range[1]), field="price_weight",
                         code="price_weight_out_of_range")
        if checks.check(all(points > 0 for _name, points in data.criteria),
                        _("Every criterion needs more than zero points."), field="criteria"):
            checks.check(bool(data.criteria or data.price_weight == 100) and total == 100,
                         _("The criteria and the price weight must add up to 100 (now %(n)s).", n=total),
                         field="criteria", code="points_not_100")
        checks.check(data.min_grade in (0, *GRADES), _("Choose a grade from 1A to 5A, or none."), field="min_grade")
        checks.check(data.questions_deadline < data.bid_deadline <= data.opening_at,
                     _("Questions close before bids, and bids close no later than the opening."),
                     field="bid_deadline", code="deadlines_out_of_order")
    data.min_grade = max(data.min_grade, item.min_grade)  # the catalog item's grade binds every tender from it
    return item, method


def _apply(tender: Tender, data: TenderData, item: CatalogItem) -> None:
    tender.catalog_item_id, tender.department_id, tender.category_id = (
        item.id,
        item.catalog.department_id,
        item.category_id,
    )
    for name in ("title", "description", "service_standards", "budget_ceiling_fen", "contract_months", "method",
                 "price_weight", "questions_deadline", "bid_deadline", "opening_at", "catalog_only", "min_grade"):
        setattr(tender, name, getattr(data, name))
    tender.criteria = [
        TenderCriterion(position=i, name=name, points=points) for i, (name, points) in enumerate(data.criteria)
    ]
    tender.communities = list(db.session.scalars(select(Community).where(Community.id.in_(data.community_ids))))
    tender.requests = list(
        db.session.scalars(select(CommunityRequest).where(CommunityRequest.id.in_(data.request_ids)))
    )
    tender.invited = list(db.session.scalars(select(Organization).where(Organization.id.in_(data.invited_ids),
                                                                      Organization.status == "approved")))


def create_tender(actor: User, data: TenderData) -> Tender:
    item, _method = _validated(actor, data)
    for request in db.session.scalars(select(CommunityRequest).where(CommunityRequest.id.in_(data.request_ids))):
        if request.status != "forwarded" or request.track != "government_purchase":
            raise ServiceError(_("“%(title)s” is not put forward for government purchase.", title=request.title),
                               field="request_ids")
    tender = Tender(created_at=clock.now(), created_by_id=actor.id, status="draft")
    _apply(tender, data, item)
    db.session.add(tender)
    db.session.flush()
    TENDER_MACHINE.start(tender, actor, "")
    unit.flush()
    return tender


def amend(actor: User, tender: Tender, data: TenderData, reason: str = "") -> Tender:
    """Change a tender. A draft changes freely. Once open for bids, a change needs a reason,
    returns every submitted bid to its bidder to resubmit, and pushes the deadline to at least
    the method's minimum period from now."""
    advance(tender)
    TENDER_ACTIONS.require(actor, tender, "change")
    item, method = _validated(actor, data)
    if data.catalog_item_id != tender.catalog_item_id and tender.status != "draft":
        raise ServiceError(
            _("The catalog item cannot change once published; cancel and start again."), field="catalog_item_id"
        )
    if tender.status == "draft":
        _apply(tender, data, item)
        unit.flush()
        return tender
    reason = text.required(reason, 2000, _("Say what changes and why; bidders will read it."),
                           code="amendment_reason_missing")
    now = clock.now()
    earliest = rules.add_period(now, method["bid_days"], method["day_kind"])
    before = tender.bid_deadline
    data.bid_deadline = max(data.bid_deadline, earliest)
    data.opening_at = max(data.opening_at, data.bid_deadline)
    data.questions_deadline = min(data.questions_deadline, data.bid_deadline - timedelta(minutes=1))
    _apply(tender, data, item)
    returned = db.session.scalars(select(Bid).where(Bid.tender_id == tender.id, Bid.status == "submitted")).all()
    for bid in returned:
        BID_MACHINE.move(bid, "returned", actor, reason)
    db.session.add(TenderAmendment(tender_id=tender.id, reason=reason, bid_deadline_before=before,
                                   bid_deadline_after=tender.bid_deadline, bids_returned=len(returned),
                                   amended_at=now, amended_by_id=actor.id))
    notify_bidders(tender, "bidder_tender_changed", lambda: _("“%(title)s” has changed", title=tender.title),
                   reason=reason, returned=bool(returned), deadline=tender.bid_deadline.isoformat())
    unit.flush()
    return tender


def amendments(tender: Tender) -> list[TenderAmendment]:
    return db.session.scalars(select(TenderAmendment).where(TenderAmendment.tender_id == tender.id)
                              .order_by(TenderAmendment.id)).all()


def publish(actor: User, tender: Tender) -> None:
    """Publish a draft: the timeline must leave bidders the method's minimum period."""
    TENDER_ACTIONS.require(actor, tender, "publish")
    now = clock.now()
    method = _method_rules(tender.method)
    earliest = rules.add_period(now, method["bid_days"], method["day_kind"])
    if tender.bid_deadline < earliest:
        raise ServiceError(_("For this method bids must stay open until at least %(when)s.",
                             when=text.moment(earliest)), field="bid_deadline", code="bid_period_too_short")
    if tender.questions_deadline <= now:
        raise ServiceError(_("The questions deadline has passed; set new dates."), field="questions_deadline")
    total = sum(c.points for c in tender.criteria) + (tender.price_weight or 0)
    if total != 100:  # a draft run again by another method may need its criteria set
        raise ServiceError(_("The criteria and the price weight must add up to 100 (now %(n)s).", n=total),
                           field="criteria", code="points_not_100")
    if tender.method in INVITATION_METHODS and len(tender.invited) < method["min_suppliers"]:
        raise ServiceError(_("Invite at least %(n)s organizations for this method.", n=method["min_suppliers"]),
                           field="invited_ids")
    TENDER_MACHINE.move(tender, "published", actor, "")
    tender.published_at = now
    for request in tender.requests:
        timeline.record("tender_published", actor, request=request, tender_id=tender.id, title=tender.title)
    unit.flush()


def rerun(actor: User, failed: Tender, method: str, reason: str) -> Tender:
    """A failed tender is run again, by the same or another method, as a new draft; the reason is recorded."""
    TENDER_ACTIONS.require(actor, failed, "rerun")
    _method_rules(method)
    reason = text.required(reason, 1000, _("Give the reason for running it again this way."),
                           code="rerun_reason_missing")
    again = Tender(created_at=clock.now(), created_by_id=actor.id, status="draft", rerun_of_id=failed.id)
    for name in ("department_id", "catalog_item_id", "category_id", "title", "description", "service_standards",
                 "budget_ceiling_fen", "contract_months", "catalog_only", "min_grade", "trim_extremes",
                 "questions_deadline", "bid_deadline", "opening_at"):
        setattr(again, name, getattr(failed, name))
    again.method = method
    weights = _method_rules(method)["price_weight"]
    again.price_weight = (
        None if weights is None else min(max(failed.price_weight or weights[0], weights[0]), weights[1])
    )
    criteria = [(c.name, c.points) for c in failed.criteria]
    if again.price_weight == 100:  # decided on price alone: nothing else is scored
        criteria = []
    elif criteria:  # keep the total at 100 when the price weight changes
        name, points = criteria[0]
        criteria[0] = (name, points + (failed.price_weight or 0) - (again.price_weight or 0))
    again.criteria = [TenderCriterion(position=i, name=n, points=p) for i, (n, p) in enumerate(criteria)]
    again.communities, again.requests, again.invited = (
        list(failed.communities),
        list(failed.requests),
        list(failed.invited),
    )
    db.session.add(again)
    db.session.flush()
    TENDER_MACHINE.start(again, actor, _("Run again after failure: %(reason)s", reason=reason))
    unit.flush()
    return again


def notify_bidders(tender: Tender, kind: str, mail_subject, **detail) -> None:
    """Tell every member of every bidding organization of a step of the tender (`kind`, its words in
    steps.py), in Market and by mail as each chose; `mail_subject()` runs in each reader's language."""
    members = db.session.scalars(select(Membership).join(Bid, Bid.organization_id == Membership.organization_id)
                                 .where(Bid.tender_id == tender.id)).all()
    for member in {m.user_id: m for m in members}.values():
        notifications.notify(member.user, kind, {"title": tender.title, **detail},
                             ("procurement.tender", {"tender_id": tender.id}), mail_subject=mail_subject)


def tell_purchasers(tender: Tender, kind: str, actor, **detail) -> None:
    """Notify the department's purchasers of a step that waits on them (the person acting aside)."""
    for person in accounts.holders_of(Role.PURCHASER, {tender.department_id}).get(tender.department_id, []):
        if actor is None or person.id != actor.id:
            notifications.notify(person, kind, {"title": tender.title, **detail},
                                 ("procurement.tender", {"tender_id": tender.id}))


def tell_organization(organization_id: int, tender: Tender, kind: str, **detail) -> None:
    """Notify an organization's members of a step of the tender that concerns it."""
    for person in organizations.members_of({organization_id}).get(organization_id, []):
        notifications.notify(person, kind, {"title": tender.title, **detail},
                             ("procurement.tender", {"tender_id": tender.id}))


def cancel(actor: User, tender: Tender, reason: str) -> None:
    TENDER_ACTIONS.require(actor, tender, "cancel")
    reason = text.required(reason, 1000, _("Give the reason for cancelling."))
    TENDER_MACHINE.move(tender, "cancelled", actor, reason)
    tender.outcome_note = reason
    notify_bidders(tender, "bidder_tender_cancelled", lambda: _("“%(title)s” is cancelled", title=tender.title),
                   reason=reason)
    for request in tender.requests:
        timeline.record("tender_cancelled", actor, request=request, tender_id=tender.id, reason=reason)
    unit.flush()


# --- time --------------------------------------------------------------------------------------

def advance(tender: Tender, now: datetime | None = None) -> bool:
    """Apply every step that time has made due; safe to call any number of times."""
    now = now or clock.now()
    changed = False
    if tender.status == "published" and now >= tender.bid_deadline:
        # No stored reason for the clock's own steps: the status label says it in the reader's language.
        TENDER_MACHINE.move(tender, "bidding_closed", None, "")
        changed = True
    if tender.status == "bidding_closed" and now >= tender.opening_at and not unanswered(tender):
        _open(tender, now)
        changed = True
    if changed:
        unit.flush()
    return changed


def unanswered(tender: Tender) -> int:
    return sum(1 for q in tender.questions if not q.answered_at)


def _open(tender: Tender, now: datetime) -> None:
    """Open the bids: prices become public, and too few valid bids fail the tender."""
    bids = db.session.scalars(select(Bid).where(Bid.tender_id == tender.id, Bid.status == "submitted")).all()
    for bid in bids:
        bid.price_fen = sealing.unseal(bid.sealed)["price_fen"]
        bid.opened_at = now
    tender.opened_at = now
    minimum = _method_rules(tender.method)["min_suppliers"]
    if len(bids) < minimum:
        reason = _("%(n)s valid bids; the method needs at least %(min)s.", n=len(bids), min=minimum)
        TENDER_MACHINE.move(tender, "failed", None, reason)
        tender.outcome_note = reason
        for request in tender.requests:
            timeline.record("tender_failed", None, request=request, tender_id=tender.id, reason=reason)
        notify_bidders(tender, "bidder_tender_failed", lambda: _("“%(title)s” has failed", title=tender.title),
                       valid=len(bids), minimum=minimum)
    else:
        TENDER_MACHINE.move(tender, "opened", None, "")
        notify_bidders(tender, "bidder_bids_opened",
                       lambda: _("Bids for “%(title)s” are opened", title=tender.title))


def get_tender(viewer, tender_id: int) -> Tender:
    """Drafts only to the department's purchasers; everything else is public."""
    tender = db.session.get(Tender, tender_id)
    if tender is None or (tender.status == "draft" and not is_purchaser_of(viewer, tender.department_id)):
        raise NotFound(_("This tender does not exist or is not published yet."))
    advance(tender)
    return tender


# --- lists -------------------------------------------------------------------------------------

def public_select(category_id=None, district_id=None, method=None, status=None, min_budget=None, max_budget=None,
                  street_id=None):
    statement = select(Tender).where(Tender.status != "draft").order_by(Tender.id.desc())
    if street_id:  # bought by the street's office, or serving one of its communities (each side by an index)
        by_office = select(Tender.id).join(Department, Tender.department_id == Department.id) \
            .where(Department.street_id == street_id)
        serving = (
            select(tender_community.c.tender_id)
            .join(Community, Community.id == tender_community.c.community_id)
            .where(Community.street_id == street_id)
        )
        statement = statement.where(Tender.id.in_(by_office.union(serving)))
    if category_id:
        statement = statement.where(Tender.category_id == category_id)
    if district_id:
        statement = statement.join(Department, Tender.department_id == Department.id) \
            .where(Department.district_id == district_id)
    if method in TENDER_METHODS:
        statement = statement.where(Tender.method == method)
    if status in TENDER_MACHINE.labels:
        statement = statement.where(Tender.status == status)
    if min_budget is not None:
        statement = statement.where(Tender.budget_ceiling_fen >= min_budget)
    if max_budget is not None:
        statement = statement.where(Tender.budget_ceiling_fen <= max_budget)
    return statement


def advance_due(now: datetime | None = None) -> int:
    """Advance every tender whose deadline or opening has come (for a periodic command)."""
    now = now or clock.now()
    due = db.session.scalars(select(Tender).where(
        ((Tender.status == "published") & (Tender.bid_deadline <= now))
        | ((Tender.status == "bidding_closed") & (Tender.opening_at <= now)))).all()
    return sum(advance(t, now) for t in due)


def department_tenders(actor: User) -> list[Tender]:
    return db.session.scalars(select(Tender).where(Tender.department_id.in_(actor.department_ids()))
                              .order_by(Tender.id.desc()).limit(100)).all()


def published_items(actor: User) -> list[CatalogItem]:
    return db.session.scalars(select(CatalogItem).join(PurchaseCatalog).where(
        PurchaseCatalog.department_id.in_(actor.department_ids()), PurchaseCatalog.status == "published")
        .order_by(CatalogItem.catalog_id, CatalogItem.position)).all()


def forwarded_requests() -> list[CommunityRequest]:
    return db.session.scalars(select(CommunityRequest).where(CommunityRequest.status == "forwarded",
                                                             CommunityRequest.track == "government_purchase")
                              .order_by(CommunityRequest.id.desc()).limit(200)).all()


def criteria_source() -> signals.CriteriaSource | None:
    """Where a new tender's criteria may be filled from (published bid rubrics), if anywhere."""
    answers = [answer for _receiver, answer in signals.criteria_sources.send()]
    return answers[0] if answers else None
