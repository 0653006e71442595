from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.uploads import StoredFileColumns
from market.core.workflow import StateMachine
from market.extensions import db

# 派单 → 受理 or 退单 → 办结 (销号) → 评价; a rated or closed item may be reopened once.
PROBLEM_MACHINE = StateMachine(
    subject_type="problem",
    initial="recorded",
    transitions={
        "recorded": frozenset({"dispatched", "to_need"}),
        "dispatched": frozenset({"accepted", "returned", "dispatched"}),  # re-dispatched after escalation
        "returned": frozenset({"dispatched", "to_need"}),
        "accepted": frozenset({"closed", "dispatched"}),
        "closed": frozenset({"rated", "reopened"}),
        "rated": frozenset({"reopened"}),
        "reopened": frozenset({"dispatched", "to_need"}),
        "to_need": frozenset(),  # a service need after all (meals for an old man): followed as a need
    },
    labels={"recorded": _l("Waiting for dispatch"), "dispatched": _l("Dispatched"),
            "returned": _l("Sent back"), "accepted": _l("Being handled"), "closed": _l("Closed"),
            "rated": _l("Rated"), "reopened": _l("Reopened"), "to_need": _l("Turned into a service need")},
)
OPEN_STATUSES = ("recorded", "dispatched", "returned", "accepted", "reopened")  # the deadline runs
TO_DISPATCH = ("recorded", "returned", "reopened")  # waiting for the community (or the level above)
DONE_STATUSES = ("closed", "rated")
ENDED_STATUSES = (*DONE_STATUSES, "to_need")  # closed for Open311

BODY_KINDS = {"department": _l("Department"), "organization": _l("Property-management company"),
              "community": _l("The community itself"), "street": _l("Street office"),
              "district": _l("District")}
LEVELS = {0: _l("Community"), 1: _l("Street"), 2: _l("District")}  # where an item is followed up


class Problem(db.Model):
    """One item of the problem ledger (问题台账): what a resident raised, where, and its way to a close.
    The reporter's name and phone are private (the recorder, the community and the body handling it
    read them) and are deleted `private_details_days` after the close."""

    __table_args__ = (
        Index("ix_problem_community_status", "community_id", "status"),
        Index("ix_problem_status_due", "status", "due_at"),
        Index("ix_problem_created", "created_at"),
        Index("ix_problem_body", "body_kind", "body_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    address: Mapped[str] = mapped_column(String(120), default="")  # where the problem is: public
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    category: Mapped[str] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(10))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    reporter_name: Mapped[str] = mapped_column(String(40), default="")  # private
    reporter_phone: Mapped[str] = mapped_column(String(20), default="")  # private
    private_deleted_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]  # the deadline of its first dispatch (限期办结), or of the one after a reopening
    dispatch_by: Mapped[datetime | None]  # while it waits for a dispatch: by when (the rules' dispatch_hours)
    dispatch_count: Mapped[int] = mapped_column(default=0)  # claimed by each dispatch: two at once make one
    first_dispatched_at: Mapped[datetime | None] = mapped_column(index=True)  # its month counts its resolution
    body_kind: Mapped[str] = mapped_column(String(12), default="")  # whom it is dispatched to now (the last
    body_id: Mapped[int | None]  # Dispatch's), for the desks' lists
    level: Mapped[int] = mapped_column(default=0)  # 0 the community follows it, 1 the street, 2 the district
    overdue_at: Mapped[datetime | None]  # when it was first found past its deadline
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str] = mapped_column(String(12), default="")  # resolved | unresolved
    result: Mapped[str] = mapped_column(Text, default="")  # what was done
    rating: Mapped[str] = mapped_column(String(20), default="")
    rating_note: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]  # once only
    from_need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"))  # a need turned into this problem
    to_need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"))  # the need this problem turned into

    community = relationship("Community", lazy="joined")
    grid = relationship("Grid")
    building = relationship("Building")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    reporter = relationship("User", foreign_keys=[reporter_id])
    dispatches = relationship("Dispatch", back_populates="problem", order_by="Dispatch.id")
    photos = relationship("ProblemPhoto", order_by="ProblemPhoto.id")
    from_need = relationship("Need", foreign_keys=[from_need_id])
    to_need = relationship("Need", foreign_keys=[to_need_id])

    @property
    def current_dispatch(self) -> "Dispatch | None":
        return self.dispatches[-1] if self.dispatches else None


class Dispatch(db.Model):
    """One 派单: the body an item was sent to, the times to answer and to finish by, and its answer
    (accepted, or returned with a reason). The response rate counts these."""

    __table_args__ = (Index("ix_dispatch_body", "body_kind", "body_id", "dispatched_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    body_kind: Mapped[str] = mapped_column(String(12))
    body_id: Mapped[int]
    body_name: Mapped[str] = mapped_column(String(80))  # as it was named when dispatched
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_rule.id"))
    dispatched_at: Mapped[datetime]
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    respond_by: Mapped[datetime]
    due_at: Mapped[datetime]
    answer: Mapped[str] = mapped_column(String(10), default="")  # accepted | returned; empty while waiting
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    return_reason: Mapped[str] = mapped_column(Text, default="")

    problem = relationship("Problem", back_populates="dispatches")


class ProblemNote(db.Model):
    """A step of an item that is not a change of status: progress the body records, the deadline
    passing, an escalation. Public, on the item's timeline."""

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # progress | overdue | undispatched | escalated
    after_change_id: Mapped[int] = mapped_column(ForeignKey("status_change.id"))  # its place on the timeline
    text: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime]

    actor = relationship("User", lazy="joined")  # named on the timeline beside each note


class ProblemPhoto(StoredFileColumns, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    stage: Mapped[str] = mapped_column(String(10))  # reported | done


class DispatchRule(db.Model):
    """Who answers a category of problem in a district, and by when: kept as data with a version and
    the days it applies (from `effective_from`, until the day before `effective_until` if set); two
    versions of one district's category may not overlap. `body_id` is empty for "the community itself"."""

    __tablename__ = "dispatch_rule"
    __table_args__ = (UniqueConstraint("district_id", "category", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    category: Mapped[str] = mapped_column(String(30))
    version: Mapped[int]
    effective_from: Mapped[date]
    effective_until: Mapped[date | None]
    body_kind: Mapped[str] = mapped_column(String(12))
    body_id: Mapped[int | None]
    respond_hours: Mapped[int]  # to accept or return it
    urgent_amount: Mapped[int]
    urgent_unit: Mapped[str] = mapped_column(String(12))  # hours | working_days
    normal_amount: Mapped[int]
    normal_unit: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    district = relationship("District")
