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

bidder_notes = _signals.signal("bidder-notes", doc="""
What a purchaser should know of the organizations that bid, beside their names. Sender: None;
keyword `organization_ids`. A receiver returns {organization id: [short text]} (contracts answers
with an organization often late with its reports).""")


def notes_on(organization_ids) -> dict[int, list[str]]:
    """The notes every receiver of `bidder_notes` has on these organizations, merged."""
    merged: dict[int, list[str]] = {}
    if organization_ids:
        for _receiver, answer in bidder_notes.send(None, organization_ids=set(organization_ids)):
            for organization_id, notes in (answer or {}).items():
                merged.setdefault(organization_id, []).extend(notes)
    return merged


@dataclass(frozen=True)
class CriteriaSource:
    choices: Callable[[], list[tuple[int, str]]]  # (id, name) to pick from
    criteria: Callable[[int], list[tuple[str, int]]]  # (name, points) of one; ServiceError if it is not there
