"""A need's journey, from a resident's post to a rated service (民有所呼，我有所应).

The stages are read from the public timeline, which every area writes as the need moves on (needs,
procurement, philanthropy, contracts, evaluation): no area is asked, so the journey costs nothing
beyond the timeline a page loads anyway, and residents' ratings, which are not timeline steps, come
from the areas that keep them (`signals.journey_ratings`). A journey shows where the need stands,
how long each stage took, who holds it now and what comes next; a need declined, withdrawn, or
handled by the community itself ends its journey there, with the reason."""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from market import clock
from market.needs import signals
from market.needs.models import TimelineEvent


@dataclass(frozen=True)
class Stage:
    key: str
    label: object  # a lazily translated name
    kinds: tuple[str, ...]  # the timeline steps that show the stage reached (the first one counts)
    holder: object  # who holds the need while this is the furthest stage reached
    next: object  # what comes next
    optional: bool = False  # a need may pass it by (not every need gathers supports or a meeting)


STAGES = (
    Stage("posted", _l("Posted by a resident"), ("need_posted", "need_from_problem"), _l("The community's workers"),
          _l("Neighbours support it; a community worker looks at it")),
    Stage("agenda", _l("On the community's agenda"), ("need_on_agenda",), _l("The community's workers"),
          _l("A community worker brings it into a community request"), optional=True),
    Stage("request", _l("In a community request"), ("need_merged", "request_created"), _l("The community's workers"),
          _l("A meeting hears the residents, then the request is put forward")),
    Stage("hearing", _l("Heard at a meeting"), ("hearing_closed",), _l("The community's workers"),
          _l("The request is put forward"), optional=True),
    Stage("forwarded", _l("Put forward"), ("request_forwarded",), _l("The purchasing department or a round's sponsor"),
          _l("A tender or a venture-philanthropy round is opened")),
    Stage("call", _l("Tender or round open"), ("tender_published", "round_opened"),
          _l("The organizations bidding or applying"), _l("Experts score the bids and one is chosen")),
    Stage("chosen", _l("Organization chosen"), ("tender_awarded", "project_selected"),
          _l("The purchaser and the organization chosen"), _l("Both sides sign the agreement")),
    # A grant agreement is drafted (grant_agreed) before it is signed: the service starts at the signature.
    Stage("started", _l("Service started"), ("contract_signed",), _l("The organization serving"),
          _l("It reports each milestone; the purchaser accepts and pays")),
    Stage("delivered", _l("Delivered and paid"), ("milestone_accepted", "tranche_paid"), _l("The organization serving"),
          _l("An independent evaluation of the service")),
    Stage("evaluated", _l("Service evaluated"), ("evaluation_published",), _l("The residents served"),
          _l("The residents served rate it")),
    Stage("rated", _l("Rated by residents"), (), _l("The residents served"), _l("More ratings as the service goes on")),
)

# Steps that end a journey before a service, with how they read (the reason is the step's detail).
ENDINGS = {
    "need_declined": _l("Declined by the community"),
    "need_withdrawn": _l("Withdrawn by the resident"),
    "request_closed": _l("Closed by the community"),
    "need_to_problem": _l("Moved to the problem ledger"),  # followed there (grid/transfers.py)
    "contract_terminated": _l("The contract was terminated"),
}
# A request the community handles itself (自治事务) is answered there: its journey ends well, with no
# tender or round to wait for.
HANDLED_IN_COMMUNITY = _l("Handled by the community itself")
# Steps that set a journey back without ending it: the stage is run again.
SETBACKS = {"tender_failed": _l("A tender failed and is run again"),
            "tender_cancelled": _l("A tender was cancelled")}


@dataclass
class Step:
    stage: Stage
    reached_at: datetime | None
    state: str  # done, current, passed (an optional stage passed by), waiting
    days: int | None = None  # from this stage to the next one reached (to today, for the current one)


@dataclass
class Journey:
    steps: list[Step]
    current: Stage
    ended: object | None = None  # why the journey stopped before a service, if it did
    ended_reason: str = ""
    answered_in_community: bool = False  # it stopped because the community handled it itself
    setbacks: list[object] = field(default_factory=list)
    ratings: int = 0
    stars: float | None = None  # the residents' average, once they rate
    contract_ids: list[int] = field(default_factory=list)  # the services that answer it: where to rate them

    @property
    def done(self) -> bool:
        return self.ended is None and self.current.key == "rated"


def journey_of(events: list[TimelineEvent], start: str = "posted") -> Journey:
    """The journey the timeline tells (a need's, or from `start="request"` a community request's), in
    order of time."""
    stages = STAGES[next(i for i, stage in enumerate(STAGES) if stage.key == start):]
    reached: dict[str, datetime] = {}
    ended, ended_reason, ended_at, in_community, setbacks, contracts = None, "", None, False, [], []
    for event in events:
        detail = event.detail or {}
        for stage in stages:
            if event.kind in stage.kinds:
                reached.setdefault(stage.key, event.at)
        if event.kind in ENDINGS and not (event.kind == "request_closed" and "started" in reached):
            # a request closed once its service runs is done with, not stopped (outcomes counts it answered)
            ended, ended_reason, ended_at = ENDINGS[event.kind], detail.get("reason", "") or detail.get("cause", ""), \
                event.at
        elif event.kind == "request_forwarded" and detail.get("track") == "self_governance":
            ended, ended_at, in_community = HANDLED_IN_COMMUNITY, event.at, True
        elif event.kind in SETBACKS:
            setbacks.append(SETBACKS[event.kind])
        if event.kind == "contract_signed" and detail.get("contract_id"):
            contracts.append(event.detail["contract_id"])
            ended, ended_reason, ended_at = None, "", None  # a request closed before its tender's contract
    ratings, stars, first_rated = _ratings(contracts)
    if first_rated is not None and "delivered" in reached:  # a rating before any delivery is no result yet
        reached["rated"] = first_rated
    last = max((i for i, s in enumerate(stages) if s.key in reached), default=0)
    steps, previous = [], None
    for index, stage in enumerate(stages):
        at = reached.get(stage.key)
        # A stage left behind unrecorded still happened if the need had to pass it (a request made
        # without its own timeline step); only an optional one may have been passed by.
        state = "current" if index == last else "waiting" if index > last else \
            "done" if at or not stage.optional else "passed"
        step = Step(stage, at, state)
        if at is not None and previous is not None:  # a need that joined a request late: never below 0
            previous.days = max(0, (at - previous.reached_at).days)
        if at is not None:
            previous = step
        steps.append(step)
    if previous is not None and previous.state == "current":  # a stopped journey counts to its stop, not today
        previous.days = max(0, ((ended_at or clock.now()) - previous.reached_at).days)
    return Journey(steps, stages[last], ended, ended_reason, in_community, setbacks, ratings, stars,
                   list(dict.fromkeys(contracts)))


def _ratings(contract_ids: list[int]) -> tuple[int, float | None, datetime | None]:
    """How many residents rated the services that answered the need, their average and the first
    rating's time (from the areas that keep ratings)."""
    count, total, first = 0, 0.0, None
    if not contract_ids:
        return 0, None, None
    for _receiver, answer in signals.journey_ratings.send(None, contract_ids=set(contract_ids)):
        if answer:
            n, average, at = answer
            count, total = count + n, total + (average or 0) * n
            first = at if first is None or (at is not None and at < first) else first
    return count, (round(total / count, 1) if count else None), first
