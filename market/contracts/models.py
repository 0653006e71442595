"""Contracts, their milestones, delivery reports, checks and acceptances."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.uploads import StoredFileColumns
from market.core.workflow import StateMachine
from market.extensions import db

CONTRACT_MACHINE = StateMachine(
    subject_type="contract",
    initial="draft",
    transitions={
        "draft": frozenset({"active", "cancelled"}),  # active once both sides sign the same terms
        "active": frozenset({"completed", "terminated"}),
        "completed": frozenset(), "terminated": frozenset(), "cancelled": frozenset(),
    },
    labels={"draft": _l("Draft, to be signed"), "active": _l("In force"), "completed": _l("Completed"),
            "terminated": _l("Terminated"), "cancelled": _l("Cancelled")},
)

# Signed contracts: public, rateable, counted on scorecards and in the money reports.
SIGNED_STATUSES = ("active", "completed", "terminated")

MILESTONE_MACHINE = StateMachine(
    subject_type="milestone",
    initial="pending",
    transitions={
        "pending": frozenset({"reported", "cancelled"}),
        # "held": accepted, but a tranche tied to the final evaluation waits for its score.
        "reported": frozenset({"accepted", "held", "withheld", "returned", "rejected"}),
        "held": frozenset({"accepted", "withheld"}),
        "returned": frozenset({"reported", "cancelled"}),
        "accepted": frozenset({"paying"}),
        "paying": frozenset({"paid", "accepted"}),  # back to accepted when the provider refuses
        "paid": frozenset(), "rejected": frozenset(), "cancelled": frozenset(), "withheld": frozenset(),
    },
    labels={"pending": _l("Not reported"), "reported": _l("Reported, awaiting acceptance"),
            "held": _l("Accepted, waiting for the final evaluation's score"),
            "withheld": _l("Accepted, withheld by the evaluation score"),
            "returned": _l("Returned for revision"), "accepted": _l("Accepted, payable"),
            "paying": _l("Payment in progress"), "paid": _l("Paid"), "rejected": _l("Rejected"),
            "cancelled": _l("Cancelled")},
)

SIDES = {"purchaser": _l("Purchaser (甲方)"), "organization": _l("Service provider (乙方)")}
INSPECTION_KINDS = {"site_visit": _l("Site visit"), "financial_check": _l("Financial spot check")}
AMENDMENT_STATUSES = {"proposed": _l("Waiting for the other side"), "agreed": _l("Agreed and in force"),
                      "refused": _l("Refused")}
# A change of terms proposed by one side waits for the other, which agrees or refuses.
AMENDMENT_MACHINE = StateMachine(
    subject_type="contract_amendment",
    initial="proposed",
    transitions={"proposed": frozenset({"agreed", "refused"}), "agreed": frozenset(), "refused": frozenset()},
    labels=AMENDMENT_STATUSES,
)
DECISIONS = {"accepted": _l("Accepted"), "returned": _l("Returned for revision"), "rejected": _l("Rejected")}

contract_community = Table(
    "contract_community", db.metadata,
    Column("contract_id", ForeignKey("contract.id"), primary_key=True),
    Column("community_id", ForeignKey("community.id"), primary_key=True, index=True),
)


class Contract(db.Model):
    """A contract (项目承包责任书) between a purchasing department and an organization, or a grant
    agreement (资助协议) between a venture-philanthropy round's sponsor and a selected project's
    organization: the same machinery of terms, signatures, milestones and tranches."""

    __table_args__ = (
        Index("ix_contract_status", "status", "id"),
        Index("ix_contract_department", "department_id", "id"),
        Index("ix_contract_organization", "organization_id", "id"),
        Index("ix_contract_category", "category_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), unique=True)
    tender_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # A grant agreement of a round sponsored by a foundation or an incubator: its members sign as funder.
    funder_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"))
    title: Mapped[str] = mapped_column(String(120))
    service_standards: Mapped[str] = mapped_column(Text)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    ceiling_fen: Mapped[int] = mapped_column(BigInteger)  # the price never exceeds it (terms.price_refusal)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    payment_days: Mapped[int]
    # The last tranche follows the final evaluation's score: nothing below `score_withhold_below`,
    # all from `score_full_from`, in proportion between. Both empty: not tied.
    score_withhold_below: Mapped[int | None]
    score_full_from: Mapped[int | None]
    final_score_cp: Mapped[int | None]  # the published final evaluation's total, in hundredths
    terms_version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_cause: Mapped[str] = mapped_column(Text, default="")

    department = relationship("Department", lazy="joined")
    organization = relationship("Organization", lazy="joined", foreign_keys=[organization_id])
    funder_organization = relationship("Organization", lazy="joined", foreign_keys=[funder_organization_id])
    category = relationship("ServiceCategory", lazy="joined")
    tender = relationship("Tender")
    proposal = relationship("Proposal")
    communities = relationship("Community", secondary=contract_community)
    milestones = relationship("Milestone", order_by="Milestone.position", back_populates="contract",
                              cascade="all, delete-orphan")

    @property
    def purchaser_name(self) -> str:
        """Who pays (甲方): the department, or the foundation or incubator funding a grant."""
        return self.department.name if self.department is not None else self.funder_organization.name

    @property
    def score_tied(self) -> bool:
        return self.score_full_from is not None


class Milestone(db.Model):
    """A stage of delivery and the tranche of the price it releases once accepted (验收)."""

    __table_args__ = (Index("ix_milestone_contract", "contract_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    deliverables: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    share_bp: Mapped[int]  # share of the price in basis points (1/100 of a percent)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payable_fen: Mapped[int | None] = mapped_column(BigInteger)  # set when a score cuts the tranche
    status: Mapped[str] = mapped_column(String(20))
    accepted_at: Mapped[datetime | None]
    pay_by: Mapped[date | None]
    paid_at: Mapped[datetime | None]

    contract = relationship("Contract", back_populates="milestones")
    reports = relationship("DeliveryReport", order_by="DeliveryReport.id", back_populates="milestone")

    @property
    def due_fen(self) -> int:
        """What this tranche pays: its amount, or less when an evaluation score cut it."""
        return self.amount_fen if self.payable_fen is None else self.payable_fen


class ContractSignature(db.Model):
    """One side's signature on one version of the terms, with the digest of what was signed."""

    __table_args__ = (UniqueConstraint("contract_id", "terms_version", "side"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    terms_version: Mapped[int]
    side: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime]
    terms_digest: Mapped[str] = mapped_column(String(64))

    user = relationship("User", lazy="joined")


class ContractAmendment(db.Model):
    """A change to signed terms: proposed by one side, in force once the other side agrees."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    from_version: Mapped[int]
    proposed_terms: Mapped[dict] = mapped_column(JSON)
    previous_terms: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    proposed_by_side: Mapped[str] = mapped_column(String(20))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    proposed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")

    proposed_by = relationship("User", foreign_keys=[proposed_by_id])


class DeliveryReport(db.Model):
    """What the organization did for a milestone; a returned report is revised as a new version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"), index=True)
    version: Mapped[int]
    activities: Mapped[str] = mapped_column(Text)
    beneficiaries: Mapped[int]
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime]

    milestone = relationship("Milestone", back_populates="reports")
    spending = relationship("SpendingLine", order_by="SpendingLine.position", cascade="all, delete-orphan",
                            lazy="selectin")
    files = relationship("ReportFile", order_by="ReportFile.id", lazy="selectin")
    submitted_by = relationship("User")

    @property
    def spent_fen(self) -> int:
        return sum(line.spent_fen for line in self.spending)


class SpendingLine(db.Model):
    """Spending against a budget line of the contract, as reported."""

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("delivery_report.id"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(String(120))
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    spent_fen: Mapped[int] = mapped_column(BigInteger)


class ReportFile(StoredFileColumns, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("delivery_report.id"), index=True)


class Inspection(db.Model):
    """A site visit or a financial spot check by an evaluator commissioned for the contract."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestone.id"))
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date]
    findings: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime]

    recorded_by = relationship("User")


class Acceptance(db.Model):
    """The purchaser's decision (验收) on a reported milestone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("delivery_report.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime]

    decided_by = relationship("User")
