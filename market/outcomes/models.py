from datetime import date

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import db


class NeedOutcome(db.Model):
    """Where one need ended up, kept as its timeline moves (kept.py), so a place's figures are one
    grouped query over these rows at any city size. Derived data: `flask outcomes rebuild` makes it
    again from the records."""

    __tablename__ = "need_outcome"
    __table_args__ = (Index("ix_need_outcome_posted_on", "posted_on"),
                      Index("ix_need_outcome_answered_on", "answered_on"))
    # Only what the timeline decides: the need's own place, category, author and hiding are read from
    # the need itself, so editing one of them cannot leave a row behind.
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), primary_key=True)
    posted_on: Mapped[date]  # in China, like every date here
    answer: Mapped[str] = mapped_column(String(10), default="")  # "" | service | community
    answered_on: Mapped[date | None]  # the service's start date, or the day the community took it on
    stop: Mapped[str] = mapped_column(String(10), default="")  # "" | declined | withdrawn | closed | moved
    stopped_on: Mapped[date | None]


class NeedService(db.Model):
    """A contract or grant agreement whose service answers a need: the residents who asked rate it."""

    __tablename__ = "need_service"
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), primary_key=True, index=True)
