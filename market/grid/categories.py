"""What a problem is about: the ledger's categories, which are also the Open311 services. Codes are
stable (rules and the API name them); the words are the interface's."""
from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "sanitation": (_l("Sanitation"), _l("Rubbish not collected, things piled in stairwells, dirty public areas")),
    "facilities": (_l("Public facilities"), _l("Street lamps, manhole covers, benches, fitness equipment")),
    "property": (_l("Property services"), _l("Lifts, leaks in common areas, entrance doors, security")),
    "greening": (_l("Greening"), _l("Trees, lawns and flower beds to trim or replant")),
    "parking": (_l("Parking and traffic"), _l("Cars blocking passages, bicycle sheds, fire lanes")),
    "noise": (_l("Noise"), _l("Building work, shops or neighbours too loud")),
    "neighbours": (_l("Neighbour disputes"), _l("Disagreements between neighbours, for mediation")),
    "safety": (_l("Safety hazards"), _l("E-bikes charged indoors, blocked fire exits, loose wiring")),
}

URGENCIES = {"urgent": _l("Urgent"), "normal": _l("Normal")}

CHANNELS = {"visit": _l("Met on a visit"), "phone": _l("By phone"), "app": _l("From an app (Open311)"),
            "need": _l("Posted as a need")}
RECORDED_CHANNELS = ("visit", "phone")  # what a leader's form offers: the others come by their own way

RATINGS = {"satisfied": _l("Satisfied"), "fairly_satisfied": _l("Fairly satisfied"),
           "unsatisfied": _l("Not satisfied")}
SATISFIED = ("satisfied", "fairly_satisfied")  # what the satisfaction rate counts

RESOLUTIONS = {"resolved": _l("Resolved"), "unresolved": _l("Closed without a solution")}


def label(code: str) -> str:
    return str(CATEGORIES[code][0]) if code in CATEGORIES else code


def choices() -> list[tuple[str, str]]:
    return [(code, words) for code, (words, _hint) in CATEGORIES.items()]
