from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Column, ForeignKey, Index, LargeBinary, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.uploads import StoredFileColumns
from market.core.workflow import StateMachine
from market.extensions import db

# How contestable a function to be transferred is; it decides the purchase method (DOMAIN.md).
COMPETITION_CLASSES = {
    "full": _l("Fully competitive (充分竞争)"),
    "moderate": _l("Moderately competitive (适度竞争)"),
    "none": _l("Non-competitive (非竞争)"),
}

CATALOG_MACHINE = StateMachine(
    subject_type="purchase_catalog",
    initial="draft",
    transitions={"draft": frozenset({"published"}), "published": frozenset({"withdrawn"}), "withdrawn": frozenset()},
    labels={"draft": _l("Draft"), "published": _l("Published"), "withdrawn": _l("Withdrawn")},
)


class PurchaseCatalog(db.Model):
    """A department's purchase guidance catalog (政府购买服务指导目录) for one year.

    A published catalog never changes: a correction is a new version, and the old one is
    withdrawn when the new one is published.
    """

    __tablename__ = "purchase_catalog"
    __table_args__ = (UniqueConstraint("department_id", "year", "version"),
                      Index("ix_purchase_catalog_status_year", "status", "year"))
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    year: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None]

    department = relationship("Department")
    items = relationship("CatalogItem", back_populates="catalog", order_by="CatalogItem.position",
                         cascade="all, delete-orphan")


class CatalogItem(db.Model):
    __tablename__ = "catalog_item"
    __table_args__ = (UniqueConstraint("catalog_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_id: Mapped[int] = mapped_column(ForeignKey("purchase_catalog.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(20))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    competition: Mapped[str] = mapped_column(String(10))
    min_grade: Mapped[int] = mapped_column(default=0, server_default="0")  # the grade an undertaker needs; 0: none

    catalog = relationship("PurchaseCatalog", back_populates="items")
    category = relationship("ServiceCategory", lazy="joined")


UNDERTAKER_MACHINE = StateMachine(
    subject_type="undertaker_entry",
    initial="applied",
    transitions={"applied": frozenset({"listed", "refused"}), "listed": frozenset({"removed"}),
                 "refused": frozenset(), "removed": frozenset()},
    labels={"applied": _l("Applied"), "listed": _l("Listed"), "refused": _l("Refused"), "removed": _l("Removed")},
)


class UndertakerEntry(db.Model):
    """An organization's place in the qualified undertaker catalog (承接主体目录) for one service category."""

    __tablename__ = "undertaker_entry"
    __table_args__ = (Index("ix_undertaker_entry_status_category", "status", "category_id"),
                      Index("ix_undertaker_entry_organization", "organization_id", "category_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"))
    status: Mapped[str] = mapped_column(String(20))
    applied_at: Mapped[datetime]
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    organization = relationship("Organization", lazy="joined")
    category = relationship("ServiceCategory", lazy="joined")


TENDER_METHODS = {
    "open_tender": _l("Open tender (公开招标)"),
    "invited_tender": _l("Invited tender (邀请招标)"),
    "competitive_negotiation": _l("Competitive negotiation (竞争性谈判)"),
    "competitive_consultation": _l("Competitive consultation (竞争性磋商)"),
    "single_source": _l("Single source (单一来源)"),
    "request_for_quotation": _l("Request for quotation (询价)"),
}
INVITATION_METHODS = ("invited_tender", "single_source")

# A bid is saved as a draft or sent; sent, it is withdrawn by its bidder or returned when the tender
# changes, and then sent (or saved) again. Amending a sent bid is a new version, not a move.
BID_MACHINE = StateMachine(
    subject_type="bid",
    initial="draft",
    also_starts_in=frozenset({"submitted"}),
    transitions={
        "draft": frozenset({"submitted"}),
        "submitted": frozenset({"draft", "withdrawn", "returned"}),
        "withdrawn": frozenset({"draft", "submitted"}),
        "returned": frozenset({"draft", "submitted"}),
    },
    labels={"draft": _l("Draft, not submitted"), "submitted": _l("Submitted"), "withdrawn": _l("Withdrawn"),
            "returned": _l("Returned after a change: resubmit")},
)

TENDER_MACHINE = StateMachine(
    subject_type="tender",
    initial="draft",
    transitions={
        "draft": frozenset({"published", "cancelled"}),
        "published": frozenset({"bidding_closed", "cancelled"}),
        "bidding_closed": frozenset({"opened", "failed", "cancelled"}),
        "opened": frozenset({"evaluated", "failed", "cancelled"}),
        "evaluated": frozenset({"awarded", "failed", "cancelled"}),
        "awarded": frozenset({"contracted", "cancelled"}),
        "contracted": frozenset(), "cancelled": frozenset(), "failed": frozenset(),
    },
    labels={"draft": _l("Draft"), "published": _l("Open for bids"), "bidding_closed": _l("Bidding closed"),
            "opened": _l("Bids opened"), "evaluated": _l("Evaluated"), "awarded": _l("Awarded (in notice)"),
            "contracted": _l("Contracted"), "cancelled": _l("Cancelled"), "failed": _l("Failed")},
)

tender_community = Table(
    "tender_community", db.metadata,
    Column("tender_id", ForeignKey("tender.id"), primary_key=True),
    Column("community_id", ForeignKey("community.id"), primary_key=True, index=True),
)
tender_request = Table(
    "tender_request", db.metadata,
    Column("tender_id", ForeignKey("tender.id"), primary_key=True),
    Column("request_id", ForeignKey("community_request.id"), primary_key=True, index=True),
)
tender_invitation = Table(
    "tender_invitation", db.metadata,
    Column("tender_id", ForeignKey("tender.id"), primary_key=True),
    Column("organization_id", ForeignKey("organization.id"), primary_key=True),
)


class Tender(db.Model):
    """A purchase of a service (采购项目), from a published catalog item, answering community requests."""

    # Each filter of the public list with the list's order (newest first): see tests/test_indexes.py.
    __table_args__ = (Index("ix_tender_status_deadline", "status", "bid_deadline"),
                      Index("ix_tender_department", "department_id", "id"),
                      Index("ix_tender_category", "category_id", "id"), Index("ix_tender_method", "method", "id"),
                      # the public list is mostly read by status within a category
                      Index("ix_tender_category_status", "category_id", "status", "id"),
                      Index("ix_tender_status", "status", "id"), Index("ix_tender_budget", "budget_ceiling_fen"))
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    catalog_item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    service_standards: Mapped[str] = mapped_column(Text)
    budget_ceiling_fen: Mapped[int] = mapped_column(BigInteger)
    contract_months: Mapped[int]
    method: Mapped[str] = mapped_column(String(30))
    catalog_only: Mapped[bool] = mapped_column(default=True)
    price_weight: Mapped[int | None]  # percent of the score; None where price is not scored
    trim_extremes: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )  # drop each criterion's highest and lowest score
    min_grade: Mapped[int] = mapped_column(default=0, server_default="0")  # 0: no grade required; 3: 3A or better
    questions_deadline: Mapped[datetime]
    bid_deadline: Mapped[datetime]
    opening_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    rerun_of_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id"))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]

    department = relationship("Department", lazy="joined")
    category = relationship("ServiceCategory", lazy="joined")
    catalog_item = relationship("CatalogItem")
    communities = relationship("Community", secondary=tender_community)
    requests = relationship("CommunityRequest", secondary=tender_request)
    invited = relationship("Organization", secondary=tender_invitation)
    criteria = relationship("TenderCriterion", order_by="TenderCriterion.position", cascade="all, delete-orphan")
    questions = relationship("TenderQuestion", order_by="TenderQuestion.id")


class TenderCriterion(db.Model):
    """A weighted scoring criterion published with the tender; with the price weight they make 100."""

    __tablename__ = "tender_criterion"
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    points: Mapped[int]


class TenderQuestion(db.Model):
    """A bidder's question. The answer is public; who asked never is."""

    __tablename__ = "tender_question"
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime]
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class Bid(db.Model):
    """One organization's bid on one tender. Its content is encrypted (`sealed`) until opening;
    `digest` is the SHA-256 of exactly what was submitted, given to the bidder as a receipt."""

    __table_args__ = (UniqueConstraint("tender_id", "organization_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime]
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    price_fen: Mapped[int | None] = mapped_column(
        BigInteger
    )  # copied out of the sealed content at opening, never before
    opened_at: Mapped[datetime | None]

    organization = relationship("Organization", lazy="joined")
    tender = relationship("Tender")
    attachments = relationship("BidAttachment", order_by="BidAttachment.id", cascade="all, delete-orphan")


class BidAttachment(StoredFileColumns, db.Model):
    """An attachment of a bid, stored encrypted (and padded) like the bid itself, under a random name.
    Its name, size and SHA-256 are in the bid's sealed content (`bids.bid_files`): here the columns
    hold placeholders ("", 0), except on rows saved before that, which the next amendment blanks."""

    __tablename__ = "bid_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), index=True)


class PanelMember(db.Model):
    """An expert reviewer on a tender's evaluation panel."""

    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("tender_id", "expert_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime]
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    expert = relationship("User", foreign_keys=[expert_id], lazy="joined")


class ConflictDeclaration(db.Model):
    """An expert's declaration for one bidder, made before seeing any bid."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("tender_id", "expert_id", "bid_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    conflicted: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    automatic: Mapped[bool] = mapped_column(default=False)  # membership of the bidding organization
    declared_at: Mapped[datetime]


class Score(db.Model):
    __table_args__ = (UniqueConstraint("expert_id", "bid_id", "criterion_id"),
                      Index("ix_score_tender", "tender_id", "bid_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("tender_criterion.id"))
    points: Mapped[int]
    comment: Mapped[str] = mapped_column(Text)
    scored_at: Mapped[datetime]


class BidResult(db.Model):
    """The combined score and rank of a bid, computed once when the evaluation is completed.
    Scores are kept as exact decimal strings (two places), never floats."""

    __tablename__ = "bid_result"
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), unique=True)
    technical: Mapped[str] = mapped_column(String(12))
    price_score: Mapped[str] = mapped_column(String(12))
    total: Mapped[str] = mapped_column(String(12))
    rank: Mapped[int]
    tie_note: Mapped[str] = mapped_column(Text, default="")

    bid = relationship("Bid", lazy="joined")


class Award(db.Model):
    __table_args__ = (UniqueConstraint("tender_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why not the top-ranked bid, when it is not
    awarded_at: Mapped[datetime]
    awarded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    notice_ends_at: Mapped[datetime]

    bid = relationship("Bid", lazy="joined")


class Challenge(db.Model):
    """A bidder's written challenge (质疑) to an award, answered by the purchaser."""

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    grounds: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime]
    answer_due_at: Mapped[datetime]
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    organization = relationship("Organization", lazy="joined")


class TenderAmendment(db.Model):
    """A change to a tender after publication, with its reason; submitted bids go back to their bidders."""

    __tablename__ = "tender_amendment"
    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    bid_deadline_before: Mapped[datetime]
    bid_deadline_after: Mapped[datetime]
    bids_returned: Mapped[int]
    amended_at: Mapped[datetime]
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
