from datetime import date, datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.uploads import StoredFileColumns
from market.core.workflow import StateMachine
from market.extensions import db

organization_category = Table(
    "organization_category",
    db.metadata,
    Column("organization_id", ForeignKey("organization.id"), primary_key=True),
    Column("category_id", ForeignKey("service_category.id"), primary_key=True, index=True),  # lists by category
)

organization_community = Table(
    "organization_community",
    db.metadata,
    Column("organization_id", ForeignKey("organization.id"), primary_key=True),
    Column("community_id", ForeignKey("community.id"), primary_key=True, index=True),
)


class ServiceCategory(db.Model):
    """The service taxonomy; names are data in both interface languages."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(default=0)

    @property
    def name(self) -> str:
        return self.name_en if str(get_locale()).startswith("en") else self.name_zh


ORGANIZATION_MACHINE = StateMachine(
    subject_type="organization",
    initial="pending",
    transitions={
        "pending": frozenset({"approved", "rejected"}),
        "rejected": frozenset({"pending"}),  # resubmitted after corrections
        "approved": frozenset({"suspended"}),
        "suspended": frozenset({"approved"}),
    },
    labels={"pending": _l("Waiting for civil-affairs approval"), "approved": _l("Approved by civil affairs"),
            "rejected": _l("Returned for corrections"), "suspended": _l("Suspended")},
)

# a property-management company (物业服务企业) answers for its estates' common parts in the grid ledger;
# a residents' committee (居民委员会) or a community workstation (社区工作站) serves one community and takes
# on admitted work by agreement (委托协议), never by bidding
COMMUNITY_BODY_TYPES = ("residents_committee", "workstation")
ORG_TYPES = ("social_group", "social_service", "foundation", "property_management", *COMMUNITY_BODY_TYPES)


class Organization(db.Model):
    __table_args__ = (Index("ix_organization_status_name", "status", "name", "id"),  # the public list's order
                      Index("ix_organization_status_district", "status", "district_id", "name", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    org_type: Mapped[str] = mapped_column(String(20))
    registered_on: Mapped[date]
    registration_authority: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    staff_count: Mapped[int] = mapped_column(default=0)
    volunteer_count: Mapped[int] = mapped_column(default=0)
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    district = relationship("District")
    categories = relationship(
        "ServiceCategory", secondary=organization_category, order_by="ServiceCategory.sort_order"
    )
    communities = relationship("Community", secondary=organization_community)
    members = relationship(
        "Membership", back_populates="organization", cascade="all, delete-orphan", order_by="Membership.id"
    )
    documents = relationship(
        "OrganizationDocument", back_populates="organization", order_by="OrganizationDocument.id"
    )

    @property
    def is_public(self) -> bool:
        return self.status == "approved"

    @property
    def is_community_body(self) -> bool:
        return self.org_type in COMMUNITY_BODY_TYPES


class Membership(db.Model):
    """A person acting for an organization; every organization has at least one owner."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (db.UniqueConstraint("user_id", "organization_id"),)

    user = relationship("User", back_populates="memberships", foreign_keys=[user_id])
    organization = relationship("Organization", back_populates="members", lazy="joined")


DOCUMENT_TYPES = ("registration_certificate", "charter", "annual_report", "audit_report", "other")


class OrganizationDocument(StoredFileColumns, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(120))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_at: Mapped[datetime]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    organization = relationship("Organization", back_populates="documents")


# --- standing: annual inspections, debarments and grades (procurement and grading read them) ---

INSPECTION_RESULTS = {"qualified": _l("Qualified (合格)"), "basically_qualified": _l("Basically qualified (基本合格)"),
                      "unqualified": _l("Unqualified (不合格)")}


class AnnualInspection(db.Model):
    """The result of an organization's annual inspection (年检) or annual report, recorded by civil affairs."""

    __tablename__ = "annual_inspection"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    year: Mapped[int]
    result: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))


class Debarment(db.Model):
    """A period in which an organization may not undertake purchased services."""

    __table_args__ = (Index("ix_debarment_organization_ends", "organization_id", "ends_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    reason: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))


GRADES = {1: "1A", 2: "2A", 3: "3A", 4: "4A", 5: "5A"}


class OrganizationGrade(db.Model):
    """An organization's grade (等级评估, 1A–5A) with its validity; the newest valid one counts.
    Civil affairs records it; the evaluation area's grading process issues it."""

    __tablename__ = "organization_grade"
    __table_args__ = (Index("ix_organization_grade_org_until", "organization_id", "valid_until"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    grade: Mapped[int]
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
