"""How near or late a dated duty is, by the thresholds in the rules in force (`deadlines`)."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from market import clock
from market.rules import defaults
from market.rules.services import in_force

DUE_SOON, OVERDUE, LONG_OVERDUE = "due_soon", "overdue", "long_overdue"
LABELS = {DUE_SOON: _l("Due soon"), OVERDUE: _l("Overdue"), LONG_OVERDUE: _l("Long overdue")}


@dataclass(frozen=True)
class Thresholds:
    due_soon_days: int
    long_overdue_days: int
    remind_days_before: int
    remind_every_days_after: int
    late_reports_to_flag: int
    assessment_every_days: int


def thresholds(on: date | None = None) -> Thresholds:
    values = {**defaults.SUZHOU_2026["deadlines"], **in_force(on).get("deadlines", {})}
    return Thresholds(**values)


def state(due: date | None, today: date | None = None, limits: Thresholds | None = None) -> str | None:
    """DUE_SOON, OVERDUE, LONG_OVERDUE or None (not due yet, or no date)."""
    if due is None:
        return None
    today = today or clock.today()
    limits = limits or thresholds(today)
    late = (today - due).days
    if late > limits.long_overdue_days:
        return LONG_OVERDUE
    if late > 0:
        return OVERDUE
    return DUE_SOON if -late <= limits.due_soon_days else None


def days_late(due: date, today: date | None = None) -> int:
    return ((today or clock.today()) - due).days
