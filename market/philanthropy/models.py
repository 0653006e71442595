"""Venture philanthropy (公益创投): rounds, proposals and their reviews, gifts and matched funding."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.workflow import StateMachine
from market.extensions import db

# The phases of a round (DOMAIN.md): call → screening → expert review → pitch (路演) → selection
# (with public giving and the live match) → agreement → delivery → mid-term → final review.
ROUND_MACHINE = StateMachine(
    subject_type="round",
    initial="draft",
    transitions={
        "draft": frozenset({"call", "cancelled"}),
        "call": frozenset({"screening", "cancelled"}),
        "screening": frozenset({"review", "cancelled"}),
        "review": frozenset({"pitch", "cancelled"}),
        "pitch": frozenset({"selection", "cancelled"}),
        "selection": frozenset({"agreement", "cancelled"}),  # moving on closes giving and freezes the match
        "agreement": frozenset({"delivery"}),
        "delivery": frozenset({"midterm"}),
        "midterm": frozenset({"final"}),
        "final": frozenset({"closed"}),
        "closed": frozenset(), "cancelled": frozenset(),
    },
    labels={"draft": _l("Draft"), "call": _l("Call for proposals"), "screening": _l("Eligibility check"),
            "review": _l("Expert review"), "pitch": _l("Pitch (路演)"),
            "selection": _l("Selected; public giving open"), "agreement": _l("Grant agreements"),
            "delivery": _l("Delivery"), "midterm": _l("Mid-term review"), "final": _l("Final review"),
            "closed": _l("Closed"), "cancelled": _l("Cancelled")},
)
ROUND_PHASES = ("call", "screening", "review", "pitch", "selection", "agreement", "delivery", "midterm", "final",
                "closed")

PROPOSAL_MACHINE = StateMachine(
    subject_type="proposal",
    initial="submitted",
    transitions={
        "submitted": frozenset({"eligible", "ineligible", "withdrawn"}),
        "eligible": frozenset({"shortlisted", "declined", "withdrawn"}),
        "shortlisted": frozenset({"selected", "declined", "withdrawn"}),
        "selected": frozenset({"funded", "cancelled"}),
        "funded": frozenset(),
        "ineligible": frozenset(), "declined": frozenset(), "withdrawn": frozenset(), "cancelled": frozenset(),
    },
    labels={"submitted": _l("Submitted"), "eligible": _l("Eligible, under review"),
            "ineligible": _l("Not eligible"), "shortlisted": _l("Shortlisted for the pitch"),
            "declined": _l("Not selected"), "selected": _l("Selected"), "funded": _l("Grant agreement drafted"),
            "withdrawn": _l("Withdrawn"), "cancelled": _l("Cancelled; gifts refunded")},
)

POTS = {"grants": _l("Grants pool"), "matching": _l("Matching pool")}
FUNDER_KINDS = {"government": _l("Government (welfare lottery funds)"), "foundation": _l("Foundation"),
                "company": _l("Company"), "incubator": _l("Incubator")}

round_request = Table(
    "round_request", db.metadata,
    Column("round_id", ForeignKey("round.id"), primary_key=True),
    Column("request_id", ForeignKey("community_request.id"), primary_key=True, index=True),
)

proposal_request = Table(
    "proposal_request", db.metadata,
    Column("proposal_id", ForeignKey("proposal.id"), primary_key=True),
    Column("request_id", ForeignKey("community_request.id"), primary_key=True, index=True),
)


class Round(db.Model):
    """A venture-philanthropy round (公益创投大赛), opened by a department or by an organization
    (a foundation or an incubator's operator). Its money is in the ledger: round:N:grants and
    round:N:matching."""

    __table_args__ = (Index("ix_round_status", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    themes: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"))
    max_grant_fen: Mapped[int] = mapped_column(BigInteger)
    match_cap_fen: Mapped[int | None] = mapped_column(BigInteger)  # the most one project's match may be
    donor_cap_fen: Mapped[int] = mapped_column(BigInteger)  # the most of one resident's gifts the match counts
    # Eligibility: registered at most this many years ago; incubated organizations only; grade at most.
    max_age_years: Mapped[int | None]
    incubated_only: Mapped[bool] = mapped_column(Boolean, default=False)
    max_grade: Mapped[int | None]  # 0: organizations without a grade only
    pitch_weight: Mapped[int] = mapped_column(default=40)  # percent of the final score from the pitch
    proposals_due_at: Mapped[datetime]
    giving_ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    department = relationship("Department", lazy="joined")
    organization = relationship("Organization", lazy="joined")
    rubric = relationship("Rubric")
    requests = relationship("CommunityRequest", secondary=round_request)

    @property
    def sponsor_name(self) -> str:
        return self.department.name if self.department is not None else self.organization.name


class RoundReviewer(db.Model):
    """An expert on the round's review panel."""

    __tablename__ = "round_reviewer"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime]

    user = relationship("User", lazy="joined")


class RoundFunding(db.Model):
    """Money put into a round's pot by its sponsor or a co-funder, with the ledger posting's key."""

    __tablename__ = "round_funding"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    pot: Mapped[str] = mapped_column(String(20))  # grants | matching
    funder_name: Mapped[str] = mapped_column(String(100))
    funder_kind: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(200))
    ledger_key: Mapped[str] = mapped_column(String(120), unique=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime]


class Proposal(db.Model):
    """An organization's project proposal to a round, with its logic model and budget."""

    __table_args__ = (Index("ix_proposal_round_status", "round_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"))
    title: Mapped[str] = mapped_column(String(120))
    problem: Mapped[str] = mapped_column(Text)
    target_group: Mapped[str] = mapped_column(Text)
    inputs: Mapped[str] = mapped_column(Text)
    activities: Mapped[str] = mapped_column(Text)
    outputs: Mapped[str] = mapped_column(Text)
    outcomes: Mapped[str] = mapped_column(Text)
    months: Mapped[int]
    requested_fen: Mapped[int] = mapped_column(BigInteger)  # the sum of its budget lines
    status: Mapped[str] = mapped_column(String(20))
    screening_note: Mapped[str] = mapped_column(Text, default="")
    review_cp: Mapped[int | None]  # the review panel's mean, hundredths of a point
    pitch_cp: Mapped[int | None]
    final_cp: Mapped[int | None]
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime]

    round = relationship("Round", lazy="joined")
    organization = relationship("Organization", lazy="joined")
    category = relationship("ServiceCategory", lazy="joined")
    budget_lines = relationship("ProposalBudgetLine", order_by="ProposalBudgetLine.position",
                                cascade="all, delete-orphan")
    requests = relationship("CommunityRequest", secondary=proposal_request)


class ProposalBudgetLine(db.Model):
    __tablename__ = "proposal_budget_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(String(120))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class ProposalReview(db.Model):
    """One expert's declaration and rubric sheet for one proposal; points per leaf indicator."""

    __tablename__ = "proposal_review"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    conflict_note: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[dict] = mapped_column(JSON, default=dict)  # {indicator id: hundredths, or None for n/a}
    comment: Mapped[str] = mapped_column(Text, default="")
    total_cp: Mapped[int | None]  # set when submitted
    declared_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]

    reviewer = relationship("User", lazy="joined")


class PitchScore(db.Model):
    """An expert's score (0–100) for a shortlisted project's pitch (路演)."""

    __tablename__ = "pitch_score"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    points_cp: Mapped[int]
    recorded_at: Mapped[datetime]


class Donation(db.Model):
    """A gift by card to a selected project. `counts_for_match` is fixed when it is made: only a
    verified resident's gift counts (one person, one voice)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    incoming_id: Mapped[int] = mapped_column(ForeignKey("incoming_payment.id"), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(100))  # a person's or a company's name
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    counts_for_match: Mapped[bool] = mapped_column(Boolean, default=False)
    receipt_number: Mapped[str] = mapped_column(String(30), unique=True)
    created_at: Mapped[datetime]

    proposal = relationship("Proposal")
    incoming = relationship("IncomingPayment", lazy="joined")

    @property
    def status(self) -> str:
        """The card payment's: pending | succeeded | failed | refunded."""
        return self.incoming.status


class MatchResult(db.Model):
    """A project's match as frozen when giving closed, and how it was reached."""

    __tablename__ = "match_result"
    __table_args__ = (UniqueConstraint("round_id", "proposal_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    donors: Mapped[int]  # verified residents counted
    counted_fen: Mapped[int] = mapped_column(BigInteger)  # their gifts, each capped
    raw_match: Mapped[str] = mapped_column(String(40))  # (Σ√c)² − Σc, exact to the printed places
    match_fen: Mapped[int] = mapped_column(BigInteger)
    capped: Mapped[bool] = mapped_column(Boolean, default=False)
