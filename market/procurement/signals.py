"""What procurement tells the areas built on it. Receivers run in the sender's transaction, and a
ServiceError they raise refuses the step (the sender rolls back)."""
from collections.abc import Callable
from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()

award_made = _signals.signal("award-made", doc="""
An award is made. Sender: the `Award`; keyword `actor`. Contracts draft the contract from it and
commit the department's budget; if the budget cannot carry the price, the award is refused.""")

criteria_sources = _signals.signal("criteria-sources", doc="""
Ready-made scoring criteria a purchaser may start a tender from. Sender: None. A receiver returns a
`CriteriaSource` (evaluation answers with its published bid rubrics).""")


@dataclass(frozen=True)
class CriteriaSource:
    choices: Callable[[], list[tuple[int, str]]]  # (id, name) to pick from
    criteria: Callable[[int], list[tuple[str, int]]]  # (name, points) of one; ServiceError if it is not there
