from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import db


class RuleSet(db.Model):
    """One version of a city's rules; the newest version in effect on a day applies that day."""

    __tablename__ = "rule_set"
    __table_args__ = (UniqueConstraint("city_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    version: Mapped[int]
    effective_from: Mapped[date]
    values: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]


class CalendarDay(db.Model):
    """A day that breaks the Monday-to-Friday rule: a public holiday on a weekday, or a weekend
    day worked to make up for one (调休)."""

    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(40))
