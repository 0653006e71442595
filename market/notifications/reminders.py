"""Reminders of dated duties: a report to send, a tranche to pay, a challenge to answer, an
evaluation to finish. Each area declares its duties with `@duty(name)`: a function of today and the
deadline thresholds in force that lists what falls due by `remind_days_before` days from now or is
late, as `Due` records. `run_due` (from `flask tasks run-due`, on the injected clock) reminds the
people concerned once before the date and then once every `remind_every_days_after` days while it
is late, and never twice for the same stage, however often it runs."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.core import unit
from market.extensions import db
from market.notifications.models import Reminder
from market.notifications.services import Page, notify


@dataclass(frozen=True)
class Due:
    subject_id: int
    due: date
    recipients: list[User]
    kind: str  # the notification's kind (its words: wording.py); its detail gains "due" and "days_late"
    detail: dict
    page: Page
    cycle: str = ""  # a duty that comes back (an assessment every 120 days): which round of it this is


_DUTIES: dict[str, Callable[..., Iterable[Due]]] = {}


def duty(name: str):
    def register(function):
        _DUTIES[name] = function
        return function
    return register


def stage(due: date, today: date, limits) -> str | None:
    """"before" within `remind_days_before` days of the date (the day itself included); "late-0" from
    the day after it, "late-1" `remind_every_days_after` days later, and so on; None before that."""
    days_left = (due - today).days
    if 0 <= days_left <= limits.remind_days_before:
        return "before"
    if days_left < 0:
        return f"late-{(-days_left - 1) // limits.remind_every_days_after}"
    return None


def run_due(today: date, limits) -> int:
    """Send the reminders due today; returns how many people were reminded."""
    reminded = 0
    for name, function in _DUTIES.items():
        items = list(function(today, limits))
        sent_before = set(db.session.execute(select(Reminder.subject_id, Reminder.stage).where(
            Reminder.duty == name, Reminder.subject_id.in_([i.subject_id for i in items]))).all()) if items else set()
        for item in items:
            at = stage(item.due, today, limits)
            if at is None:
                continue
            at = f"{item.cycle}:{at}" if item.cycle else at
            if (item.subject_id, at) in sent_before:
                continue
            db.session.add(Reminder(duty=name, subject_id=item.subject_id, stage=at, sent_at=clock.now()))
            detail = {**item.detail, "due": item.due.isoformat(), "days_late": max(0, (today - item.due).days)}
            for person in {p.id: p for p in item.recipients}.values():
                notify(person, item.kind, detail, item.page)
                reminded += 1
    unit.flush()
    return reminded
