"""The one source of "now". Deadlines and expiries read it so tests can set the time."""
from datetime import datetime, timedelta, timezone

from flask import current_app, has_app_context


class SystemClock:
    def now(self) -> datetime:
        # Naive UTC everywhere in storage; pages convert to the user's time zone.
        return datetime.now(timezone.utc).replace(tzinfo=None)


class FrozenClock:
    """A clock that stands still until moved; used by tests and demo scripts."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at


_system = SystemClock()


def now() -> datetime:
    if has_app_context():
        return current_app.extensions.get("market.clock", _system).now()
    return _system.now()


def install(app, clock) -> None:
    app.extensions["market.clock"] = clock


CHINA_OFFSET = timedelta(hours=8)  # China Standard Time has no daylight saving


def china_date(moment: datetime):
    """The date in China of a stored (naive UTC) moment."""
    return (moment + CHINA_OFFSET).date()


def today():
    """Today's date where the services happen (China): due dates and pay-by dates are local dates."""
    return china_date(now())
