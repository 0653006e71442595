"""The roles a person can hold, and what each is bound to."""
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    RESIDENT = "resident"
    COMMUNITY_WORKER = "community_worker"
    PURCHASER = "purchaser"
    INCUBATOR_STAFF = "incubator_staff"
    EVALUATOR = "evaluator"
    EXPERT = "expert"
    CIVIL_AFFAIRS = "civil_affairs"
    GRID_LEADER = "grid_leader"
    BUILDING_LEADER = "building_leader"
    STREET_STAFF = "street_staff"
    DISTRICT_STAFF = "district_staff"


ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.COMMUNITY_WORKER: _l("Community worker"),
    Role.PURCHASER: _l("Government purchaser"),
    Role.INCUBATOR_STAFF: _l("Incubator staff"),
    Role.EVALUATOR: _l("Third-party evaluator"),
    Role.EXPERT: _l("Expert reviewer"),
    Role.CIVIL_AFFAIRS: _l("Civil-affairs administrator"),
    Role.GRID_LEADER: _l("Grid leader"),
    Role.BUILDING_LEADER: _l("Building leader"),
    Role.STREET_STAFF: _l("Street office staff"),
    Role.DISTRICT_STAFF: _l("District staff"),
}

# What a grant of each role must name; the others are left empty.
ROLE_SCOPE = {
    Role.RESIDENT: None,
    Role.COMMUNITY_WORKER: "community",
    Role.PURCHASER: "department",
    Role.INCUBATOR_STAFF: "organization",
    Role.EVALUATOR: "organization",
    Role.EXPERT: None,
    Role.CIVIL_AFFAIRS: None,
    Role.GRID_LEADER: "grid",
    Role.BUILDING_LEADER: "building",
    Role.STREET_STAFF: "street",
    Role.DISTRICT_STAFF: "district",
}
SCOPES = ("community", "department", "organization", "grid", "building", "street", "district")


@dataclass(frozen=True)
class Scope:
    """What a role can be bound to: whether a record exists, and the ones to choose from."""

    exists: Callable[[int], bool]
    choices: Callable[[], list[tuple[int, str]]]
