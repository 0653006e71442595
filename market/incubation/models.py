"""Incubators (公益孵化园): cohorts, the organizations they take in, what they give and how the
organizations grow until they graduate (出孵)."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.workflow import StateMachine
from market.extensions import db

INCUBATION_MACHINE = StateMachine(
    subject_type="incubation",
    initial="admitted",
    transitions={"admitted": frozenset({"graduated", "withdrawn"}), "graduated": frozenset(),
                 "withdrawn": frozenset()},
    labels={"admitted": _l("In the incubator (入孵)"), "graduated": _l("Graduated (出孵)"),
            "withdrawn": _l("Left before graduating")},
)

SERVICE_KINDS = {"training": _l("Training (hours)"), "mentoring": _l("Mentoring (hours)"),
                 "office_space": _l("Office space (square-metre months)"), "seed_money": _l("Seed money"),
                 "registration_help": _l("Help with registration (hours)")}
CAPACITY_AREAS = {"governance": _l("Governance"), "finance": _l("Finance"), "staff": _l("Staff"),
                  "projects": _l("Projects")}


class Incubator(db.Model):
    """An incubator, run by a support organization whose members act for it (incubator staff)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]

    operator = relationship("Organization", lazy="joined")
    district = relationship("District", lazy="joined")
    cohorts = relationship("Cohort", order_by="Cohort.starts_on.desc()", back_populates="incubator")


class Cohort(db.Model):
    __table_args__ = (UniqueConstraint("incubator_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incubator_id: Mapped[int] = mapped_column(ForeignKey("incubator.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    capacity: Mapped[int] = mapped_column(default=15)

    incubator = relationship("Incubator", back_populates="cohorts", lazy="joined")


class Incubation(db.Model):
    """One organization's stay in a cohort, from admission to graduation."""

    __table_args__ = (UniqueConstraint("cohort_id", "organization_id"),
                      Index("ix_incubation_status", "status", "cohort_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    admitted_on: Mapped[date]
    planned_exit_on: Mapped[date]
    # Halfway between admission and the planned exit: past it without a contract or a grant, the
    # organization is falling behind (kept, so the desk can ask for it in a query).
    halfway_on: Mapped[date]
    mentor: Mapped[str] = mapped_column(String(100), default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    exit_review: Mapped[str] = mapped_column(Text, default="")
    left_on: Mapped[date | None]

    cohort = relationship("Cohort", lazy="joined")
    organization = relationship("Organization", lazy="joined")


class IncubationService(db.Model):
    """Something the incubator gave: training or mentoring hours, office space, seed money."""

    __tablename__ = "incubation_service"
    id: Mapped[int] = mapped_column(primary_key=True)
    incubation_id: Mapped[int] = mapped_column(ForeignKey("incubation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(default=0)  # hours or square-metre months; 0 for money
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # seed money, posted in the ledger
    given_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))


class CapacityAssessment(db.Model):
    """The incubator's assessment of an organization's capacity, 1–5 in each area."""

    __tablename__ = "capacity_assessment"
    id: Mapped[int] = mapped_column(primary_key=True)
    incubation_id: Mapped[int] = mapped_column(ForeignKey("incubation.id"), index=True)
    assessed_on: Mapped[date]
    governance: Mapped[int]
    finance: Mapped[int]
    staff: Mapped[int]
    projects: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    @property
    def mean(self) -> Decimal:
        return (Decimal(self.governance + self.finance + self.staff + self.projects) / 4).quantize(Decimal("0.01"))
