from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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

    catalog = relationship("PurchaseCatalog", back_populates="items")
    category = relationship("ServiceCategory", lazy="joined")


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
