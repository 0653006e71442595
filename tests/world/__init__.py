"""The crawler's world: the demo, then at least one record in every status of every state machine
(and of every status list not yet under a machine), built through the services, never by writing
status columns. It lives in a database of its own, built once per test run, so the suite's
per-test cleanup never touches it and later tests (the desk's phone checks, the guides' pictures)
can crawl the same world.

Each area adds what the demo lacks in a module of its own (`build(world)`); `STEPS` runs them in
order. `statuses.coverage()` says which statuses still have no record.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from market import clock
from market.accounts import services as accounts
from market.accounts.models import User
from market.accounts.roles import Role
from market.extensions import db

WORLD_PASSWORD = "world-Horse-42"
# The demo is seeded at WORLD_START (its past reaches back a year); builders act at moments up to
# CRAWL_AT, when the crawl happens, so a deadline they set falls before or after the crawl as they chose.
WORLD_START = datetime(2026, 11, 30, 2, 0)  # 10:00 in Suzhou
CRAWL_AT = datetime(2027, 1, 29, 2, 0)


@dataclass(repr=False)  # short, for failure reports (hypothesis prints its arguments)
class World:
    """What the builders share: the clock, the people by e-mail, the demo's organizations."""

    app: object
    clock: clock.FrozenClock
    people: dict[str, int] = field(default_factory=dict)  # e-mail -> user id
    roles: dict[str, str] = field(default_factory=dict)  # crawl role name -> e-mail
    notes: dict[str, object] = field(default_factory=dict)  # ids a builder wants to show others

    def __repr__(self) -> str:
        return f"World(roles={sorted(self.roles)})"

    def user(self, email: str) -> User:
        return db.session.scalar(select(User).where(User.email == email))

    @contextmanager
    def at(self, moment: datetime):
        """Run a step at another moment; the clock goes back afterwards."""
        previous = self.clock.at
        self.clock.at = moment
        try:
            yield
        finally:
            self.clock.at = previous

    def person(self, email: str, name: str, password: str | None = None) -> User:
        """A registered person (through the accounts service), created once."""
        existing = self.user(email)
        if existing is not None:
            return existing
        user = accounts.register(email, name, password or WORLD_PASSWORD)
        db.session.commit()
        self.people[email] = user.id
        return user

    def grant(self, email: str, role: Role, **scope) -> None:
        admin = self.user("admin@demo.market")
        accounts.grant_role(admin, self.user(email), role, **scope)
        db.session.commit()
