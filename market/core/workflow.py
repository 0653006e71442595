"""Explicit state machines with a recorded history.

Each stateful model declares its machine once; every change of status goes through
`StateMachine.move`, which checks the transition and records who, when and why.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, String, Text, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market import clock
from market.core.errors import InvalidTransition
from market.core.text import moment
from market.extensions import db


class StatusChange(db.Model):
    """One transition of one object: the audit trail of every state machine."""

    __tablename__ = "status_change"
    __table_args__ = (Index("ix_status_change_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")

    actor = relationship("User", lazy="joined")


@dataclass(frozen=True)
class StateMachine:
    subject_type: str
    initial: str
    transitions: dict[str, frozenset[str]] = field(default_factory=dict)
    labels: dict = field(default_factory=dict)  # status -> lazily translated name
    also_starts_in: frozenset[str] = frozenset()  # statuses a subject may be created in besides `initial`

    def label(self, status: str | None) -> str:
        return str(self.labels.get(status, status or ""))

    def allowed(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, frozenset())

    def start(self, subject, actor, reason: str = "", status: str | None = None) -> None:
        """Record the creation of a subject in its initial status, or in another it may start in
        (a bid sent at once, a rubric shipped published)."""
        status = status or self.initial
        if status != self.initial and status not in self.also_starts_in:
            raise ValueError(f"a {self.subject_type} does not start as {status!r}")
        subject.status = status
        self._record(subject, None, status, actor, reason)

    def move(self, subject, target: str, actor, reason: str = "") -> None:
        current = subject.status
        if not self.allowed(current, target):
            raise InvalidTransition(
                _("This action is not possible while the status is “%(status)s”.", status=self.label(current))
            )
        subject.status = target
        self._record(subject, current, target, actor, reason)

    def claim(self, subject, source: str, target: str, actor, reason: str = "", *still) -> bool:
        """Move `subject` from `source` to `target` only if the row is still in `source` (and `still`
        holds: conditions on other columns that a move of the same status would change).

        A conditional UPDATE: of two people acting on the same row at the same moment, exactly
        one wins (the other's UPDATE waits for the first and then matches nothing), on SQLite and
        PostgreSQL alike. Returns whether this caller won."""
        if not self.allowed(source, target):
            raise InvalidTransition(
                _("This action is not possible while the status is “%(status)s”.", status=self.label(source))
            )
        model = type(subject)
        won = db.session.execute(
            update(model).where(model.id == subject.id, model.status == source, *still).values(status=target)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if won:
            db.session.expire(subject, ["status"])
            self._record(subject, source, target, actor, reason)
        return won

    def history(self, subject) -> list[StatusChange]:
        return db.session.scalars(
            db.select(StatusChange)
            .filter_by(subject_type=self.subject_type, subject_id=subject.id)
            .order_by(StatusChange.id)
        ).all()

    def last_change(self, subject) -> StatusChange | None:
        return db.session.scalar(db.select(StatusChange).filter_by(
            subject_type=self.subject_type, subject_id=subject.id).order_by(StatusChange.id.desc()).limit(1))

    def taken_by_other(self, subject, user) -> str:
        """"Done by 李敏 at 11-30 10:02: now “accepted”." when the last move of `subject` was someone
        else's, so whoever arrives second learns what happened; empty when it was theirs or the system's."""
        change = self.last_change(subject)
        if change is None or change.actor_id is None or change.actor_id == getattr(user, "id", None):
            return ""
        return _("Already done by %(who)s at %(when)s: now “%(status)s”.", who=change.actor.display_name,
                 when=moment(change.at), status=self.label(change.to_status))

    def _record(self, subject, from_status, to_status, actor, reason) -> None:
        if subject.id is None:
            db.session.flush()
        db.session.add(
            StatusChange(
                subject_type=self.subject_type,
                subject_id=subject.id,
                from_status=from_status,
                to_status=to_status,
                actor_id=actor.id if actor is not None else None,
                at=clock.now(),
                reason=reason or "",
            )
        )
