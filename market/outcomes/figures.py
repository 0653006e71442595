"""How well a place's needs are answered: the definitions, and the figures of a community, street,
district, service category or the whole city, each broken down one level further, in a fixed
number of queries over the kept outcome rows (kept.py) whatever the city's size.

The definitions (shown on the pages too, `DEFINITIONS`):
- needs posted: every need residents posted in the place, except those a worker hid;
- answered: a signed contract or grant agreement serves it, or the community took it on itself
  (a request on the self-governance track); its share is of the needs posted;
- days to a service: from the day a need was posted to the start date of the first contract or
  grant serving it, for the needs a service answers; the median of those;
- still waiting past 30 or 90 days: neither answered nor stopped (declined, withdrawn, closed, or
  moved to the problem ledger)
  and posted more than 30 or 90 days before today; its share is of the needs posted;
- satisfaction of those who asked: the residents' ratings (1–5 stars, not hidden) of the services
  answering the needs, by the residents who posted or supported those needs; a rating counts once
  in a place even when the resident asked for several of its needs."""
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, extract, func, or_, select

from market import clock
from market.core.errors import existing
from market.evaluation.models import Rating
from market.extensions import db
from market.needs.models import Need, NeedSupport
from market.organizations.models import ServiceCategory
from market.outcomes.models import NeedOutcome, NeedService
from market.places.models import City, Community, District, Street

KINDS = ("city", "district", "street", "community", "category")
WAITING_DAYS = (30, 90)
DEFINITIONS = (
    (_l("Needs posted"), _l("Every need residents posted here, except those a community worker hid.")),
    (_l("Answered"), _l("A signed contract or grant agreement serves the need, or the community took it on "
                        "itself; the share is of the needs posted.")),
    (_l("Days to a service"), _l("From the day a need was posted to the start date of the first contract or "
                                 "grant serving it: the median, over the needs a service answers.")),
    (_l("Still waiting"), _l("Neither answered nor declined, withdrawn, closed or moved to the problem ledger, and "
                             "posted more than 30 (or 90) days ago; the share is of the needs posted.")),
    (_l("Satisfaction of those who asked"), _l("The stars the residents who posted or supported the needs gave "
                                               "the services answering them (1 to 5).")),
)


@dataclass
class Figures:
    posted: int = 0
    answered: int = 0
    by_service: int = 0
    in_community: int = 0
    stopped: int = 0
    waiting_30: int = 0
    waiting_90: int = 0
    days: list[int] = field(default_factory=list)  # posting to service start, a need answered by a service
    stars: dict[int, int] = field(default_factory=dict)  # rating id → stars, of those who asked

    def share(self, count: int) -> float | None:
        return round(100 * count / self.posted, 1) if self.posted else None

    @property
    def answered_share(self) -> float | None:
        return self.share(self.answered)

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def ratings(self) -> int:
        return len(self.stars)

    @property
    def satisfaction(self) -> float | None:
        return round(sum(self.stars.values()) / len(self.stars), 1) if self.stars else None


@dataclass
class Scope:
    kind: str
    id: int
    title: str
    by: str  # the kind of place (or category) its figures break down into

    @property
    def by_label(self) -> str:
        return {"district": _("District"), "street": _("Street or town"), "community": _("Community"),
                "category": _("Service category")}[self.by]

    @property
    def by_heading(self) -> str:
        return {"district": _("By district"), "street": _("By street or town"), "community": _("By community"),
                "category": _("By service category")}[self.by]


BREAKDOWN = {"city": "district", "district": "street", "street": "community", "community": "category",
             "category": "district"}
MODELS = {"city": City, "district": District, "street": Street, "community": Community, "category": ServiceCategory}


def scope(kind: str, scope_id: int = 0) -> Scope:
    if kind == "city":
        city = db.session.scalar(select(City).order_by(City.id))
        return Scope("city", 0, city.name if city else _("The whole city"), "district")
    record = existing(MODELS[kind], scope_id, _("This page does not exist."))
    return Scope(kind, scope_id, record.name, BREAKDOWN[kind])


def _group_column(by: str):
    return {"district": Street.district_id, "street": Community.street_id, "community": Need.community_id,
            "category": Need.category_id}[by]


def _where(where: Scope, statement):
    statement = statement.join(Need, Need.id == NeedOutcome.need_id) \
        .join(Community, Community.id == Need.community_id).join(Street, Street.id == Community.street_id) \
        .where(Need.hidden_at.is_(None))
    if where.kind == "district":
        return statement.where(Street.district_id == where.id)
    if where.kind == "street":
        return statement.where(Community.street_id == where.id)
    if where.kind == "community":
        return statement.where(Need.community_id == where.id)
    if where.kind == "category":
        return statement.where(Need.category_id == where.id)
    return statement


def figures(where: Scope, today: date | None = None) -> tuple[Figures, list[tuple[str, int, Figures]]]:
    """The place's figures and, for each place (or category) one level down that has needs, its
    own: [(name, id, Figures)], most needs first. Four queries over every need of the place, so they
    are kept for OUTCOME_FIGURES_SECONDS (by place, day and language) in each process: statistics a
    few minutes old, instead of reading a city's needs for every signed-in visit to the home page."""
    today = today or clock.today()
    seconds = current_app.config["OUTCOME_FIGURES_SECONDS"]
    key = (where.kind, where.id, today, str(get_locale()))
    kept = _kept.get(key)
    if seconds > 0 and kept and timedelta(0) <= clock.now() - kept[0] < timedelta(seconds=seconds):
        return kept[1]
    found = _figures(where, today)
    if seconds > 0:
        if len(_kept) >= KEPT_FIGURES:
            _kept.clear()  # at most a few hundred places and categories: rarely reached
        _kept[key] = (clock.now(), found)
    return found


KEPT_FIGURES = 2000
_kept: dict = {}  # (kind, id, day, language) → (when counted, figures), in this process


def _figures(where: Scope, today: date) -> tuple[Figures, list[tuple[str, int, Figures]]]:
    group = _group_column(where.by)
    waiting = and_(NeedOutcome.answer == "", NeedOutcome.stop == "")
    conditions = (NeedOutcome.answer != "", NeedOutcome.answer == "service", NeedOutcome.answer == "community",
                  NeedOutcome.stop != "", *[and_(waiting, NeedOutcome.posted_on < today - timedelta(days=days))
                                            for days in WAITING_DAYS])
    counts = db.session.execute(_where(where, select(
        group, func.count(), *[func.sum(case((condition, 1), else_=0)) for condition in conditions])
        .select_from(NeedOutcome)).group_by(group)).all()
    groups = {key: Figures(*[int(value or 0) for value in values]) for key, *values in counts}
    for key, posted_on, answered_on in db.session.execute(_where(where, select(
            group, NeedOutcome.posted_on, NeedOutcome.answered_on).select_from(NeedOutcome)
            .where(NeedOutcome.answer == "service"))):
        groups[key].days.append(max(0, (answered_on - posted_on).days))  # a need joining a running service: 0
    asked = or_(Rating.user_id == Need.author_id, exists().where(
        NeedSupport.need_id == NeedOutcome.need_id, NeedSupport.user_id == Rating.user_id))
    for key, rating_id, stars in db.session.execute(_where(where, select(group, Rating.id, Rating.stars).select_from(
            NeedOutcome).join(NeedService, NeedService.need_id == NeedOutcome.need_id)
            .join(Rating, Rating.contract_id == NeedService.contract_id)
            .where(Rating.hidden_at.is_(None), asked)).distinct()):
        groups[key].stars[rating_id] = stars
    model = MODELS[where.by]
    names = {record.id: record.name for record in db.session.scalars(select(model).where(
        model.id.in_(list(groups))))} if groups else {}  # a category's name is in the reader's language
    whole = Figures()
    for part in groups.values():
        for name in ("posted", "answered", "by_service", "in_community", "stopped", "waiting_30", "waiting_90"):
            setattr(whole, name, getattr(whole, name) + getattr(part, name))
        whole.days += part.days
        whole.stars.update(part.stars)
    rows = sorted(((names.get(key, ""), key, part) for key, part in groups.items()), key=lambda r: (-r[2].posted, r[1]))
    return whole, rows


def by_month(where: Scope, today: date | None = None, months: int = 12) -> list[tuple[str, int, int]]:
    """Needs posted and needs answered in each of the last `months` months: [("2026-03", posted,
    answered)], oldest first. Two queries."""
    today = today or clock.today()
    first = date(today.year, today.month, 1)
    for _month in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    keys = []
    cursor = first
    while cursor <= today:
        keys.append((cursor.year, cursor.month))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    posted = _monthly(where, NeedOutcome.posted_on, first)
    answered = _monthly(where, NeedOutcome.answered_on, first)
    return [(f"{y}-{m:02d}", posted.get((y, m), 0), answered.get((y, m), 0)) for y, m in keys]


def _monthly(where: Scope, column, first: date) -> dict[tuple[int, int], int]:
    year, month = extract("year", column), extract("month", column)
    return {(int(y), int(m)): n for y, m, n in db.session.execute(_where(where, select(year, month, func.count())
            .select_from(NeedOutcome).where(column >= first)).group_by(year, month))}
