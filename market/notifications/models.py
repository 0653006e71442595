from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import db


class Notification(db.Model):
    """One thing a person is told: a kind of step with its details (read in the reader's language,
    see wording.py) and the page it is about, as an endpoint and its values."""

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    endpoint: Mapped[str] = mapped_column(String(80))
    endpoint_values: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]  # in its own mail or in a digest; never for who wants no mail


class Reminder(db.Model):
    """A reminder of a dated duty, written once per stage (due soon, a day late, a week late...), so
    the scheduled run can be repeated without telling anyone twice."""

    __table_args__ = (UniqueConstraint("duty", "subject_id", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    duty: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    stage: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime]
