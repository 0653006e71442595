"""When the demo's steps happen: the seeding modules run parts of the demo in the past. A module of
its own so that `seed` and the modules it calls share it without importing each other."""
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from flask import current_app

from market import clock


@contextmanager
def clock_at(moment):
    """Run part of the seed at an earlier time, so the demo has a past (the clock is injectable)."""
    previous = current_app.extensions.get("market.clock", clock.SystemClock())
    clock.install(current_app, clock.FrozenClock(moment))
    try:
        yield
    finally:
        clock.install(current_app, previous)


def day(when: date) -> datetime:
    return datetime.combine(when, datetime.min.time()) + timedelta(hours=2)  # 10:00 in Suzhou
