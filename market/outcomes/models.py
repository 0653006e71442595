from datetime import date

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import db


class NeedOutcome(db.Model):
    """Where one need ended up, kept as its timeline moves (kept.py), so a place's figures are one
    grouped query over these rows at any city size. Derived data: `flask outcomes rebuild` makes it
    again from the records."""

    __tablename__ = "need_outcome"
    __table_args__ = (Index("ix_need_outcome_community", "community_id", "posted_on"),
                      Index("ix_need_outcome_category", "category_id"))
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_category.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    posted_on: Mapped[date]  # in China, like every date here
    answer: Mapped[str] = mapped_column(String(10), default="")  # "" | service | community
    answered_on: Mapped[date | None]  # the service's start date, or the day the community took it on
    stop: Mapped[str] = mapped_column(String(10), default="")  # "" | declined | withdrawn | closed
    stopped_on: Mapped[date | None]
    hidden: Mapped[bool] = mapped_column(default=False)  # hidden by a worker: out of the public figures


class NeedService(db.Model):
    """A contract or grant agreement whose service answers a need: the residents who asked rate it."""

    __tablename__ = "need_service"
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), primary_key=True, index=True)
