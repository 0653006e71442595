"""How a step reads, by kind: for the timelines that show it and the notifications that tell of it.
Each area registers its kinds (needs in needs/timeline.py, the others in their steps.py), and the
words are made when read, in the reader's language."""
from collections.abc import Callable

from flask_babel import gettext as _

_DESCRIBERS: dict[str, Callable[[dict], str]] = {}


def describes(kind: str):
    """Register how a kind of step reads (a function of its details)."""
    def register(function):
        _DESCRIBERS[kind] = function
        return function
    return register


def describe(kind: str, detail: dict | None) -> str:
    describer = _DESCRIBERS.get(kind)
    return describer(detail or {}) if describer else kind


def due_words(detail: dict) -> str:
    """How a reminder says when its duty falls due: "due 2026-12-05" or "3 days late (due …)"."""
    late = detail.get("days_late", 0)
    return (_("%(n)s days late (due %(due)s)", n=late, due=detail.get("due", "")) if late
            else _("due %(due)s", due=detail.get("due", "")))
