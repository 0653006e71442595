"""The ledger's three monthly rates (接诉即办's 响应率、解决率、满意率), computed from the ledger by
community, street and responsible body, with the definitions the rates page shows:
- response rate: of the dispatches made in the month that were answered or whose time to answer has
  passed, the share accepted or sent back within that time (`respond_by`);
- resolution rate: of the problems first dispatched in the month, the share closed as resolved: one
  still open, or closed without a solution, counts against (solved, not merely closed); one turned
  into a service need is not counted (it left the ledger);
- satisfaction rate: of the ratings given in the month, the share "satisfied" or "fairly satisfied"
  (a problem rated, reopened and rated again counts twice: each rating was the resident's word).
A problem counts for the body it is with now (its last dispatch); a dispatch for the body it went to."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, or_, select

from market import clock
from market.core.workflow import StatusChange
from market.extensions import db
from market.grid import dispatch_rules
from market.grid.categories import SATISFIED
from market.grid.models import Dispatch, Problem
from market.places.models import Community, Street

GROUPINGS = {"community": _l("Community"), "street": _l("Street or town"), "body": _l("Responsible body")}
RATES = ("response", "resolution", "satisfaction")
LABELS = {"response": _l("Response rate"), "resolution": _l("Resolution rate"),
          "satisfaction": _l("Satisfaction rate")}


@dataclass
class Row:
    key: str  # "community:12", "street:3", "department:7"…
    name: str
    dispatched: int = 0  # dispatches counted for the response rate
    answered_in_time: int = 0
    handled: int = 0  # problems first dispatched in the month
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    rank: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def response(self) -> float | None:
        return self._share(self.answered_in_time, self.dispatched)

    @property
    def resolution(self) -> float | None:
        return self._share(self.resolved, self.handled)

    @property
    def satisfaction(self) -> float | None:
        return self._share(self.satisfied, self.rated)


def month_of(value: str | None, today: date | None = None) -> date:
    """The first day of a month given as "2026-11"; the current month otherwise."""
    today = today or clock.today()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def _bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime.combine(month, datetime.min.time()) - timedelta(hours=8)  # months of Beijing time
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, datetime.combine(following, datetime.min.time()) - timedelta(hours=8)


def _key(grouping: str, problem_body: bool = True):
    """The SQL expressions a row is grouped by: a kind and an id."""
    if grouping == "community":
        return literal("community"), Problem.community_id
    if grouping == "street":
        return literal("street"), Community.street_id
    return (Problem.body_kind, Problem.body_id) if problem_body else (Dispatch.body_kind, Dispatch.body_id)


def _grouped(grouping: str, counted, hit, *where):
    """Per group, how many `counted` rows (dispatches, problems or their ratings) `where` selects,
    and how many of them `hit`."""
    kind, id_ = _key(grouping, problem_body=counted is not Dispatch)
    statement = select(kind, id_, func.count(), func.sum(case((hit, 1), else_=0))).select_from(counted)
    if counted is Dispatch:
        statement = statement.join(Problem, Problem.id == Dispatch.problem_id)
    elif counted is StatusChange:
        statement = statement.join(Problem, (StatusChange.subject_type == "problem")
                                   & (StatusChange.subject_id == Problem.id))
    return statement.join(Community, Community.id == Problem.community_id).where(*where).group_by(kind, id_)


def monthly(month: date, grouping: str) -> list[Row]:
    """The month's rows, best first: by resolution, then satisfaction, then response (a rate with
    nothing to count comes last), each with its rank."""
    start, end = _bounds(month)
    now = clock.now()
    rows: dict[str, Row] = {}
    measures = (  # (what is counted, what of it counts for the rate): the query that counts both
        (("dispatched", "answered_in_time"), _grouped(
            grouping, Dispatch, Dispatch.answered_at <= Dispatch.respond_by, Dispatch.dispatched_at >= start,
            Dispatch.dispatched_at < end, or_(Dispatch.answered_at.is_not(None), Dispatch.respond_by < now))),
        (("handled", "resolved"), _grouped(grouping, Problem, Problem.resolution == "resolved",
                                           Problem.first_dispatched_at >= start, Problem.first_dispatched_at < end,
                                           Problem.status != "to_need")),
        # every rating given in the month, a problem reopened since included (its rating is the
        # status change's reason: the rating's code)
        (("rated", "satisfied"), _grouped(grouping, StatusChange, StatusChange.reason.in_(SATISFIED),
                                          StatusChange.to_status == "rated", StatusChange.at >= start,
                                          StatusChange.at < end)),
    )
    for (whole, part), statement in measures:
        for kind, id_, count, hits in db.session.execute(statement):
            found = rows.setdefault(f"{kind}:{id_}", Row(f"{kind}:{id_}", ""))
            setattr(found, whole, count)
            setattr(found, part, int(hits or 0))
    _name(rows.values())
    ranked = sorted(rows.values(), key=lambda r: tuple(
        (-(getattr(r, rate)) if getattr(r, rate) is not None else 1) for rate in ("resolution", "satisfaction",
                                                                                  "response")) + (r.name,))
    for position, found in enumerate(ranked, 1):
        found.rank = position
    return ranked


def _name(rows) -> None:
    communities = {c.id: c.name for c in db.session.scalars(select(Community).where(Community.id.in_(
        [int(r.key.split(":")[1]) for r in rows if r.key.startswith("community:")])))}
    streets = {s.id: s.name for s in db.session.scalars(select(Street).where(Street.id.in_(
        [int(r.key.split(":")[1]) for r in rows if r.key.startswith("street:")])))}
    for found in rows:
        kind, _sep, raw = found.key.partition(":")
        id_ = int(raw) if raw.isdigit() else None
        found.name = {"community": communities, "street": streets}.get(kind, {}).get(id_) \
            or dispatch_rules.body_name(kind, id_)


def months_with_problems() -> list[date]:
    """The months the ledger has problems in, newest first (for the page's choice of month)."""
    first, last = db.session.execute(select(func.min(Problem.created_at), func.max(Problem.created_at))).one()
    if first is None:
        return []
    month, last_month = (first + timedelta(hours=8)).date().replace(day=1), (last + timedelta(hours=8)).date()
    months = []
    while month <= last_month:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months[::-1]
