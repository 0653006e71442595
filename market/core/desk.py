"""The desk (工作台): what waits for a person, by the roles they hold.

Each area declares its piles in its own `desk.py` with `@pile(section, key, label)`: a function of
the person, today and the deadline thresholds in force (rules/deadlines.py) that answers None when
the person does not hold the role, or a `Waiting`: a select of the records that wait for them, most
urgent first, and how one row reads as an `Item` with its one next action. Every pile costs two
queries (its count and its first rows) whatever the size of the city, so a desk costs a fixed number
of queries per role."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from market.extensions import db

SHOWN = 5  # rows shown in a pile; the count says how many wait in all

SECTIONS = {
    "resident": _l("As a resident"),
    "community_worker": _l("Community work"),
    "purchaser": _l("Purchasing"),
    "organization": _l("My organizations"),
    "expert": _l("Expert review"),
    "evaluator": _l("Evaluation"),
    "incubator_staff": _l("Incubation"),
    "civil_affairs": _l("Civil affairs"),
    "grid": _l("Grid work"),
    "problems": _l("Problems to handle"),
}

Page = tuple[str, dict]  # an endpoint and its values


@dataclass(frozen=True)
class Item:
    title: str
    page: Page
    action: str  # the one next action, in words
    due: date | None = None  # the date it is due by, if it has one
    note: str = ""


@dataclass(frozen=True)
class Waiting:
    select: sa.Select  # the waiting records, most urgent first
    item: Callable[..., Item]  # a row's columns -> its Item
    more: Page | None = None  # the page listing them all, if there is one
    # What the row's next action is, in its area's declaration (core/actions.py): the ActionSet and
    # the action names of which one at least is allowed on the row's first column. The select is the
    # fast, countable form of that rule; `refused_rows` holds the two to each other.
    action: tuple | None = None


@dataclass
class Pile:
    key: str
    label: str
    count: int
    items: list[Item]
    more: Page | None


@dataclass
class Section:
    key: str
    label: str
    piles: list[Pile] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return sum(p.count for p in self.piles)


@dataclass(frozen=True)
class _Declared:
    section: str
    key: str
    label: str
    make: Callable  # (user, today, limits) -> Waiting | None


_PILES: list[_Declared] = []


def pile(section: str, key: str, label):
    """Declare a pile of `section` (a key of SECTIONS)."""
    if section not in SECTIONS:
        raise ValueError(f"unknown desk section {section!r}")

    def register(make):
        if not any(p.section == section and p.key == key for p in _PILES):
            _PILES.append(_Declared(section, key, label, make))
        return make
    return register


def declared() -> list[tuple[str, str]]:
    return [(p.section, p.key) for p in _PILES]


def count_of(statement: sa.Select) -> int:
    inner = statement.options(orm.lazyload("*")).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(inner))


def refused_rows(user, today: date, limits) -> list[tuple[str, int, str]]:
    """Rows a pile lists whose next action its area's rules refuse the person now, with the reason
    (pile, record id, why): none, if the piles list through the declared actions."""
    refused = []
    for declared_pile in _PILES:
        waiting = declared_pile.make(user, today, limits)
        if waiting is None or waiting.action is None:
            continue
        actions, *names = waiting.action
        for row in db.session.execute(waiting.select).unique().all():
            verdicts = actions.of(user, row[0])
            if not any(verdicts.can(name) for name in names):
                refused.append((declared_pile.key, row[0].id, verdicts.why(names[0])))
    return refused


def desk_of(user, today: date, limits) -> list[Section]:
    """The sections of the person's roles, in SECTIONS' order, each with its piles; `limits` are the
    deadline thresholds in force, read once for all the piles."""
    sections = {key: Section(key, label) for key, label in SECTIONS.items()}
    for declared_pile in _PILES:
        waiting = declared_pile.make(user, today, limits)
        if waiting is None:
            continue
        count = count_of(waiting.select)
        rows = db.session.execute(waiting.select.limit(SHOWN)).unique().all()
        sections[declared_pile.section].piles.append(Pile(
            declared_pile.key, declared_pile.label, count, [waiting.item(*row) for row in rows], waiting.more))
    return [s for s in sections.values() if s.piles]
