from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.workflow import StateMachine
from market.extensions import db

# A district's two lists, one version at a time: drafted, published (public, never changed), replaced
# by the next version from the day that one applies.
LIST_MACHINE = StateMachine(
    subject_type="task_list",
    initial="draft",
    transitions={"draft": frozenset({"published"}), "published": frozenset({"replaced"}),
                 "replaced": frozenset()},
    labels={"draft": _l("Draft"), "published": _l("Published"), "replaced": _l("Replaced by a later version")},
)
ITEM_KINDS = {"duty": _l("Duty by law"), "assistance": _l("Assisting the government")}
# 依法履行职责事项 / 协助政府工作事项: what the spreadsheets call them
KIND_WORDS = {"依法履行职责": "duty", "依法履行职责事项": "duty", "duty": "duty",
              "协助政府工作": "assistance", "协助政府工作事项": "assistance", "assistance": "assistance"}
KIND_CHINESE = {"duty": "依法履行职责", "assistance": "协助政府工作"}


class TaskList(db.Model):
    """One version of a district's two lists (两份清单): what its residents' committees do by law and
    what they help the government with. It applies from `effective_from` until the day the next
    published version does (`effective_until`)."""

    __tablename__ = "task_list"
    __table_args__ = (UniqueConstraint("district_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(300), default="")  # the document that set it
    effective_from: Mapped[date]
    effective_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None]

    district = relationship("District")
    items = relationship("TaskListItem", back_populates="task_list", order_by="TaskListItem.position",
                         cascade="all, delete-orphan")


class TaskListItem(db.Model):
    __tablename__ = "task_list_item"
    __table_args__ = (UniqueConstraint("task_list_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_list_id: Mapped[int] = mapped_column(ForeignKey("task_list.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12))  # duty | assistance
    title: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(String(300))

    task_list = relationship("TaskList", back_populates="items")


# 准入: a department's request to push work that is on neither list down to communities.
ADMISSION_MACHINE = StateMachine(
    subject_type="admission_request",
    initial="submitted",
    transitions={"submitted": frozenset({"admitted", "refused", "withdrawn"}),
                 "admitted": frozenset(), "refused": frozenset(), "withdrawn": frozenset()},
    labels={"submitted": _l("Waiting for a decision"), "admitted": _l("Admitted"), "refused": _l("Refused"),
            "withdrawn": _l("Withdrawn")},
)
FREQUENCIES = {"once": _l("Once"), "weekly": _l("Every week"), "monthly": _l("Every month"),
               "quarterly": _l("Every quarter"), "yearly": _l("Every year")}
TIMES_A_YEAR = {"once": 1, "weekly": 52, "monthly": 12, "quarterly": 4, "yearly": 1}


class AdmissionRequest(db.Model):
    """What a department wants communities to do beyond the two lists: for one community, or for every
    community of a street. Civil affairs admits it (with conditions) or refuses it; the request, the
    decision and its reason are public."""

    __tablename__ = "admission_request"
    __table_args__ = (Index("ix_admission_request_status", "status", "submitted_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)  # empty: the street's
    title: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    frequency: Mapped[str] = mapped_column(String(10))
    staff_hours: Mapped[int]  # a community's staff time each time it is done
    money_offered: Mapped[int]  # fen, a community a year
    status: Mapped[str] = mapped_column(String(12))
    submitted_at: Mapped[datetime]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")  # the conditions, or the reason refused

    department = relationship("Department")
    street = relationship("Street")
    community = relationship("Community")
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def hours_a_year(self) -> int:
        return self.staff_hours * TIMES_A_YEAR[self.frequency]


# A community's report of work a department pushed on it without admission; civil affairs looks into it.
PUSHED_MACHINE = StateMachine(
    subject_type="pushed_work",
    initial="reported",
    transitions={"reported": frozenset({"upheld", "dismissed"}), "upheld": frozenset(), "dismissed": frozenset()},
    labels={"reported": _l("Being looked into"), "upheld": _l("Upheld: pushed without admission"),
            "dismissed": _l("Dismissed")},
)


class PushedWork(db.Model):
    """Work a department pushed on a community that is on neither list and was never admitted, as the
    community reports it. Upheld, it counts against the department in the burden figures."""

    __tablename__ = "pushed_work"
    __table_args__ = (Index("ix_pushed_work_status", "status", "reported_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    details: Mapped[str] = mapped_column(Text)
    staff_hours: Mapped[int]  # the staff time it took or takes, in all
    status: Mapped[str] = mapped_column(String(12))
    reported_at: Mapped[datetime]
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    finding: Mapped[str] = mapped_column(Text, default="")  # civil affairs' reason, public

    community = relationship("Community")
    department = relationship("Department")


class EntrustedAgreement(db.Model):
    """Admitted work entrusted to one community's residents' committee or workstation by an agreement
    (一份协议) on the contracts machinery, which brings the money with the work (费随事转). One live
    agreement per community for each admitted request."""

    __tablename__ = "entrusted_agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admission_request.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    created_at: Mapped[datetime]

    admission = relationship("AdmissionRequest")
    contract = relationship("Contract", lazy="joined")
    community = relationship("Community")
    organization = relationship("Organization")


# The year-end evaluation both ways (双向评估) of entrusted work: what each side scores, 1 to 5.
REVIEW_ITEMS = {
    "of_community": {"to_standard": _l("Delivered to the agreed standards"),
                     "on_time": _l("Reported its delivery on time"),
                     "residents": _l("Residents served well")},
    "of_department": {"guidance": _l("Guidance given"), "paid_on_time": _l("Paid on time"),
                      "respects_lists": _l("Respects the two lists"),
                      "no_pushed_work": _l("Pushes no work down without admission")},
}
REVIEW_DIRECTIONS = {"of_community": _l("The department's evaluation of the community's entrusted work"),
                     "of_department": _l("The community's evaluation of the department")}


class YearReview(db.Model):
    """One side's year-end evaluation of the other: a department of a community body's entrusted work,
    or the body of the department. Public once given; given once."""

    __tablename__ = "year_review"
    __table_args__ = (UniqueConstraint("year", "direction", "department_id", "organization_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    direction: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    scores: Mapped[dict] = mapped_column(JSON)  # item → 1..5
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime]

    department = relationship("Department")
    organization = relationship("Organization")
