"""The grid ledger's numbers in the rules in force (rules/defaults.py, "grid")."""
from dataclasses import dataclass
from datetime import date

from market import clock
from market.rules import defaults
from market.rules.services import in_force


@dataclass(frozen=True)
class GridRules:
    private_details_days: int
    reopen_days: int
    dispatch_hours: int
    district_after_hours: int


def grid_rules(on: date | None = None) -> GridRules:
    """The numbers in force on a day (today in China by default)."""
    return GridRules(**{**defaults.SUZHOU_2026["grid"], **in_force(on or clock.today()).get("grid", {})})
