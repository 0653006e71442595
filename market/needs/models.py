from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.uploads import StoredFileColumns
from market.core.workflow import StateMachine
from market.extensions import db

URGENCIES = {"low": _l("Can wait"), "normal": _l("Normal"), "high": _l("Pressing"), "urgent": _l("Urgent")}
URGENCY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}

NEED_MACHINE = StateMachine(
    subject_type="need",
    initial="open",
    transitions={
        "open": frozenset({"on_agenda", "merged", "declined", "withdrawn", "moved_out"}),
        "on_agenda": frozenset({"merged", "declined", "withdrawn", "moved_out"}),
        "merged": frozenset(),
        "declined": frozenset(),
        "withdrawn": frozenset(),
        "moved_out": frozenset(),  # it was something else (a broken lamp for the grid ledger): followed there
    },
    labels={"open": _l("Open"), "on_agenda": _l("On the community's agenda"), "merged": _l("In a community request"),
            "declined": _l("Declined"), "withdrawn": _l("Withdrawn"), "moved_out": _l("Moved to the problem ledger")},
)
ACTIVE_NEED_STATUSES = ("open", "on_agenda")


class Need(db.Model):
    __table_args__ = (
        Index("ix_need_community_status_support", "community_id", "status", "support_count"),
        Index("ix_need_community_created", "community_id", "created_at"),
        Index("ix_need_community_support", "community_id", "support_count", "id"),  # the community page's order
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(10))
    urgency_rank: Mapped[int]  # URGENCY_RANK of urgency, stored so the queue can sort by it
    people_affected: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    support_count: Mapped[int] = mapped_column(default=0)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("community_request.id"), index=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    community = relationship("Community")
    author = relationship("User", foreign_keys=[author_id])
    category = relationship("ServiceCategory")
    request = relationship("CommunityRequest", back_populates="needs")
    photos = relationship("NeedPhoto", order_by="NeedPhoto.id", cascade="all, delete-orphan")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_NEED_STATUSES


class NeedPhoto(StoredFileColumns, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), index=True)


class NeedSupport(db.Model):
    """One neighbour's support; the unique key makes a second support impossible, even at once."""

    __table_args__ = (UniqueConstraint("need_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime]


class Comment(db.Model):
    __table_args__ = (Index("ix_comment_need_id_id", "need_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    author = relationship("User", foreign_keys=[author_id], lazy="joined")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Flag(db.Model):
    """Someone says a need or a comment is abusive; a community worker resolves it."""

    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "reporter_id"),
        Index("ix_flag_community_open", "community_id", "resolved_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(10))  # need | comment
    subject_id: Mapped[int]
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolution: Mapped[str] = mapped_column(String(10), default="")  # hidden | dismissed

    reporter = relationship("User", foreign_keys=[reporter_id])


TRACKS = {
    "self_governance": _l("Handled by the community itself (自治事务)"),
    "government_purchase": _l("Put forward for government purchase"),
    "venture_philanthropy": _l("Put forward for venture philanthropy"),
}

REQUEST_MACHINE = StateMachine(
    subject_type="community_request",
    initial="proposed",
    transitions={
        "proposed": frozenset({"forwarded", "in_community", "closed"}),
        "forwarded": frozenset({"closed"}),  # the procurement and philanthropy areas add their stages
        "in_community": frozenset({"closed"}),
        "closed": frozenset(),
    },
    labels={"proposed": _l("Proposed"), "forwarded": _l("Put forward"),
            "in_community": _l("Handled by the community"), "closed": _l("Closed")},
)


class CommunityRequest(db.Model):
    __tablename__ = "community_request"
    __table_args__ = (Index("ix_community_request_community_status", "community_id", "status"),
                      Index("ix_community_request_community", "community_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"))
    beneficiaries: Mapped[int]
    estimated_budget_fen: Mapped[int] = mapped_column(BigInteger)
    track: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    hearing_outcome: Mapped[str] = mapped_column(String(10), default="")  # of the latest closed hearing
    created_at: Mapped[datetime]

    community = relationship("Community")
    category = relationship("ServiceCategory")
    created_by = relationship("User")
    needs = relationship("Need", back_populates="request", order_by="Need.id")
    hearings = relationship("Hearing", back_populates="request", order_by="Hearing.scheduled_at")


HEARING_KINDS = {"hearing": _l("Hearing (听证会)"), "coordination": _l("Coordination meeting (协调会)"),
                 "review": _l("Review meeting (评议会)")}
VOTE_CHOICES = {"for": _l("For"), "against": _l("Against"), "abstain": _l("Abstain")}
OUTCOMES = {"passed": _l("Passed"), "rejected": _l("Rejected"), "tied": _l("Tied"), "no_votes": _l("No votes")}

HEARING_MACHINE = StateMachine(
    subject_type="hearing",
    initial="scheduled",
    transitions={
        "scheduled": frozenset({"voting", "cancelled"}),
        "voting": frozenset({"closed"}),
        "closed": frozenset(),
        "cancelled": frozenset(),
    },
    labels={"scheduled": _l("Scheduled"), "voting": _l("Voting open"), "closed": _l("Closed"),
            "cancelled": _l("Cancelled")},
)


class Hearing(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("community_request.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    scheduled_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(120))
    agenda: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    attendance: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[str] = mapped_column(Text, default="")
    votes_for: Mapped[int] = mapped_column(default=0)
    votes_against: Mapped[int] = mapped_column(default=0)
    votes_abstain: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(10), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]

    request = relationship("CommunityRequest", back_populates="hearings")


class HearingVote(db.Model):
    """One verified resident, one vote: the unique key refuses a second one, even sent at once."""

    __table_args__ = (UniqueConstraint("hearing_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearing.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    choice: Mapped[str] = mapped_column(String(10))
    cast_at: Mapped[datetime]


class TimelineEvent(db.Model):
    """A step in the life of a need or a community request, shown on their public timelines.

    Other areas (procurement, contracts, evaluation) append their steps here through
    `market.needs.timeline.record`, so a need's timeline follows it to the money and the result.
    """

    __table_args__ = (
        Index("ix_timeline_event_need", "need_id", "id"),
        Index("ix_timeline_event_request", "request_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("community_request.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime]

    actor = relationship("User", lazy="joined")


class CommunitySettings(db.Model):
    """Per-community participation rules, set by its workers."""

    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), primary_key=True)
    support_threshold: Mapped[int] = mapped_column(default=10)
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

DEFAULT_SUPPORT_THRESHOLD = 10
