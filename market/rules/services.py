"""Reading the rules in force and counting working days."""
from datetime import date, datetime, timedelta

from sqlalchemy import select

from market import clock
from market.extensions import db
from market.places.models import City
from market.rules.models import CalendarDay, RuleSet


def in_force(on: date | None = None, city_id: int | None = None) -> dict:
    """The values of the newest rule set in effect on a day (today by the injected clock)."""
    on = on or clock.now().date()
    if city_id is None:
        city_id = db.session.scalar(select(City.id).order_by(City.id))
    rules = db.session.scalar(
        select(RuleSet).where(RuleSet.city_id == city_id, RuleSet.effective_from <= on)
        .order_by(RuleSet.effective_from.desc(), RuleSet.version.desc())
    )
    if rules is None:
        raise LookupError(f"no rules in force on {on} for city {city_id}: run `flask seed reference`")
    return rules.values


def _exceptions(start: date, end: date) -> dict[date, bool]:
    return dict(db.session.execute(
        select(CalendarDay.day, CalendarDay.is_workday).where(CalendarDay.day.between(start, end))
    ).all())


def is_workday(day: date, exceptions: dict[date, bool] | None = None) -> bool:
    exceptions = _exceptions(day, day) if exceptions is None else exceptions
    return exceptions.get(day, day.weekday() < 5)


def add_working_days(start: datetime, days: int) -> datetime:
    """The same time of day, `days` working days after `start` (holidays and 调休 counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    exceptions = _exceptions(start.date(), start.date() + timedelta(days=days * 3 + 30))
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_workday(current.date(), exceptions):
            remaining -= 1
    return current


def add_period(start: datetime, days: int, day_kind: str) -> datetime:
    return add_working_days(start, days) if day_kind == "working" else start + timedelta(days=days)
