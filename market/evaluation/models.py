"""Rubrics, evaluations, residents' ratings, two-way ratings and grade applications."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.workflow import StateMachine
from market.extensions import db

RUBRIC_PURPOSES = {
    "performance": _l("Performance of a purchased service"),
    "grading": _l("Grading of an organization"),
    "bid": _l("Bid evaluation"),
    "proposal": _l("Venture-philanthropy proposal"),
}
RUBRIC_STATUSES = {"draft": _l("Draft"), "published": _l("Published, in use"), "retired": _l("Retired")}
INDICATOR_SOURCES = {"manual": _l("Scored by the evaluator"),
                     "satisfaction": _l("Filled from residents' ratings")}
BANDS = {"excellent": _l("Excellent (优)"), "good": _l("Good (良)"), "fair": _l("Fair (中)"), "poor": _l("Poor (差)"),
         "5A": "5A", "4A": "4A", "3A": "3A", "2A": "2A", "1A": "1A"}
EVALUATION_KINDS = {"mid_term": _l("Mid-term evaluation"), "final": _l("Final evaluation"),
                    "grading": _l("Grading evaluation")}

# A rubric is drafted, published (then only copied, never changed) and retired; the shipped ones
# start published.
RUBRIC_MACHINE = StateMachine(
    subject_type="rubric",
    initial="draft",
    also_starts_in=frozenset({"published"}),
    transitions={"draft": frozenset({"published"}), "published": frozenset({"retired"}), "retired": frozenset()},
    labels=RUBRIC_STATUSES,
)

EVALUATION_MACHINE = StateMachine(
    subject_type="evaluation",
    initial="commissioned",
    transitions={
        # The evaluator declares its conflicts first: a conflict declines the commission.
        "commissioned": frozenset({"scoring", "declined", "cancelled"}),
        "scoring": frozenset({"submitted", "cancelled"}),
        "submitted": frozenset({"published", "scoring"}),  # back to scoring if the commissioner returns it
        "published": frozenset(), "declined": frozenset(), "cancelled": frozenset(),
    },
    labels={"commissioned": _l("Commissioned, conflicts to declare"), "scoring": _l("Being scored"),
            "submitted": _l("Submitted, to be published"), "published": _l("Published"),
            "declined": _l("Declined (conflict of interest)"), "cancelled": _l("Cancelled")},
)

GRADING_MACHINE = StateMachine(
    subject_type="grade_application",
    initial="applied",
    transitions={
        "applied": frozenset({"evaluating", "refused", "withdrawn"}),
        "evaluating": frozenset({"noticed", "refused", "applied"}),  # back to applied if the evaluator declines
        "noticed": frozenset({"appealed", "issued"}),  # public notice (公示), open to appeal
        "appealed": frozenset({"noticed"}),  # the answer puts the (possibly changed) grade back on notice
        "issued": frozenset(), "refused": frozenset(), "withdrawn": frozenset(),
    },
    labels={"applied": _l("Applied, waiting for an evaluator"), "evaluating": _l("Being evaluated"),
            "noticed": _l("On public notice"), "appealed": _l("Appealed"), "issued": _l("Grade issued"),
            "refused": _l("Refused"), "withdrawn": _l("Withdrawn")},
)


class Rubric(db.Model):
    """An indicator system (指标体系): a tree of indicators with points and scoring guides.

    A published rubric never changes, so no evaluation's rules move under it; it is adapted by
    copying it into a new draft."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(20), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    cap: Mapped[int]  # the highest total, bonus points included (the tree's points when nothing more)
    bands: Mapped[list] = mapped_column(JSON)  # [[minimum, band key], ...], highest first
    status: Mapped[str] = mapped_column(String(20))
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("rubric.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    indicators = relationship("Indicator", order_by="Indicator.position", cascade="all, delete-orphan",
                              back_populates="rubric")


class Indicator(db.Model):
    __table_args__ = (Index("ix_indicator_rubric", "rubric_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    position: Mapped[int]  # order in the whole tree, depth first
    code: Mapped[str] = mapped_column(String(12))  # "2", "2.1", "2.1.3"
    name: Mapped[str] = mapped_column(String(200))
    points: Mapped[int]
    guide: Mapped[str] = mapped_column(Text, default="")  # how to score it
    evidence: Mapped[str] = mapped_column(Text, default="")  # what proves it
    source: Mapped[str] = mapped_column(String(20), default="manual")
    bonus: Mapped[bool] = mapped_column(default=False)
    allow_na: Mapped[bool] = mapped_column(default=False)

    rubric = relationship("Rubric", back_populates="indicators")

    @property
    def depth(self) -> int:
        return self.code.count(".")


class Evaluation(db.Model):
    """An evaluation by a third-party evaluator organization: of a contract (mid-term or final)
    or of an organization applying for a grade."""

    __table_args__ = (Index("ix_evaluation_contract", "contract_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("grade_application.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"), index=True)
    evaluator_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    commissioned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    commissioned_at: Mapped[datetime]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    conflict: Mapped[bool | None]
    conflict_note: Mapped[str] = mapped_column(Text, default="")
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    declared_at: Mapped[datetime | None]
    total_cp: Mapped[int | None]  # the total in hundredths of a point
    band: Mapped[str] = mapped_column(String(10), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    rubric = relationship("Rubric", lazy="joined")
    evaluator = relationship("Organization", lazy="joined")
    contract = relationship("Contract")
    scores = relationship("IndicatorScore", lazy="selectin", cascade="all, delete-orphan")


class IndicatorScore(db.Model):
    __table_args__ = (UniqueConstraint("evaluation_id", "indicator_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    points_cp: Mapped[int | None]  # hundredths of a point; None: not applicable
    evidence: Mapped[str] = mapped_column(Text, default="")
    automatic: Mapped[bool] = mapped_column(default=False)  # filled from residents' ratings
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    scored_at: Mapped[datetime]


class Beneficiary(db.Model):
    """A resident the organization registered as served by a contract: they may rate it."""

    __table_args__ = (UniqueConstraint("contract_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    registered_at: Mapped[datetime]


class RatingCode(db.Model):
    """A one-time code handed out at the service; whoever redeems it may rate once. Only the hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[datetime]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    used_at: Mapped[datetime | None]


class Rating(db.Model):
    """A resident's rating (1–5) of a service they received, once per contract period."""

    __table_args__ = (UniqueConstraint("contract_id", "user_id", "period"),
                      Index("ix_rating_community", "community_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    period: Mapped[int]  # the contract year it falls in: 1, 2, 3
    stars: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    basis: Mapped[str] = mapped_column(String(12))  # beneficiary | code
    created_at: Mapped[datetime]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    community = relationship("Community", lazy="joined")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class DepartmentRating(db.Model):
    """The organization's rating of the purchasing department (双向评估), after a milestone or the contract."""

    __table_args__ = (UniqueConstraint("contract_id", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # "milestone:<id>" or "contract"
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    paid_on_time: Mapped[int]
    clear_requirements: Mapped[int]
    no_interference: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]

    organization = relationship("Organization", lazy="joined")
    contract = relationship("Contract")


class GradeApplication(db.Model):
    """An organization's application for a grade (等级评估), through evaluation, notice and appeal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubric.id"))
    status: Mapped[str] = mapped_column(String(20))
    self_assessment: Mapped[str] = mapped_column(Text)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    applied_at: Mapped[datetime]
    proposed_grade: Mapped[int | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    notice_ends_on: Mapped[date | None]
    appeal_grounds: Mapped[str] = mapped_column(Text, default="")
    appealed_at: Mapped[datetime | None]
    appeal_answer: Mapped[str] = mapped_column(Text, default="")
    appeal_answered_at: Mapped[datetime | None]
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("organization_grade.id"))

    organization = relationship("Organization", lazy="joined")
    rubric = relationship("Rubric")
