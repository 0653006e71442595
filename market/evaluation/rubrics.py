"""Rubrics: the shipped defaults, copying and adapting them, and reading them as a tree.

A rubric is edited as an outline (one indicator per line) while it is a draft; publishing
checks that every parent's points are the sum of its children's and freezes it. Evaluations
only use published rubrics, so nothing changes under a running evaluation.
"""
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from market import clock
from market.accounts.models import User
from market.core import scoring, text, unit
from market.core.errors import ServiceError, existing
from market.evaluation import defaults
from market.evaluation.actions import RUBRIC_ACTIONS
from market.evaluation.models import BANDS, RUBRIC_MACHINE, RUBRIC_PURPOSES, Evaluation, Indicator, Rubric
from market.extensions import db

FLAGS = {"na", "bonus", "satisfaction"}
CODE = re.compile(r"^\d{1,2}(\.\d{1,2}){0,2}$")
MAX_INDICATORS = 200


@dataclass
class OutlineError:
    line: int
    message: str


def parse_outline(outline: str) -> tuple[list[dict], list[OutlineError]]:
    """Read an outline into indicator rows, with every error found (nothing is saved on any error)."""
    rows, errors, seen = [], [], {}
    for number, line in enumerate((outline or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        cells += [""] * (6 - len(cells))
        code, name, points, guide, evidence, flags = cells[:6]
        if not CODE.match(code):
            errors.append(OutlineError(number, _("Start the line with a code such as 2 or 2.1 (not “%(code)s”).",
                                                 code=code)))
            continue
        if code in seen:
            errors.append(OutlineError(number, _("The code %(code)s is used twice.", code=code)))
            continue
        parent = code.rsplit(".", 1)[0] if "." in code else None
        if parent is not None and parent not in seen:
            errors.append(OutlineError(number, _("%(code)s comes before its parent %(parent)s.", code=code,
                                                 parent=parent)))
            continue
        name = text.clean(name, 200)
        if not name:
            errors.append(OutlineError(number, _("Give indicator %(code)s a name.", code=code)))
        if not points.isdigit() or not 0 < int(points) <= 10000:
            errors.append(OutlineError(number, _("Give indicator %(code)s points as a whole number above zero.",
                                                 code=code)))
            points = "0"
        flag_set = {f for f in flags.replace(",", " ").split() if f}
        if flag_set - FLAGS:
            errors.append(OutlineError(number, _("Unknown flags “%(flags)s”; use na, bonus or satisfaction.",
                                                 flags=" ".join(sorted(flag_set - FLAGS)))))
        row = {"code": code, "parent": parent, "name": name, "points": int(points), "guide": text.clean(guide, 2000),
               "evidence": text.clean(evidence, 2000), "flags": flag_set}
        seen[code] = row
        rows.append(row)
    if not rows and not errors:
        errors.append(OutlineError(0, _("Write at least one indicator.")))
    if len(rows) > MAX_INDICATORS:
        errors.append(OutlineError(0, _("A rubric has at most %(n)s indicators.", n=MAX_INDICATORS)))
    for row in rows:
        children = [r for r in rows if r["parent"] == row["code"]]
        if children and sum(c["points"] for c in children) != row["points"]:
            errors.append(OutlineError(0, _("The points of %(code)s (%(points)s) must equal the sum of its "
                                            "sub-indicators (%(sum)s).", code=row["code"], points=row["points"],
                                            sum=sum(c["points"] for c in children))))
        if children and "satisfaction" in row["flags"]:
            errors.append(OutlineError(0, _("Only an indicator without sub-indicators can be filled from ratings "
                                            "(%(code)s).", code=row["code"])))
    return rows, errors


def outline_of(rubric: Rubric) -> str:
    lines = []
    for i in rubric.indicators:
        flags = " ".join(f for f, on in (("na", i.allow_na), ("bonus", i.bonus),
                                         ("satisfaction", i.source == "satisfaction")) if on)
        lines.append(" | ".join([i.code, i.name, str(i.points), i.guide, i.evidence, flags]))
    return "\n".join(lines) + "\n"


def _set_indicators(rubric: Rubric, rows: list[dict]) -> None:
    if rubric.id is not None:  # children point at parents: unlink them first (PostgreSQL checks each delete)
        db.session.execute(update(Indicator).where(Indicator.rubric_id == rubric.id).values(parent_id=None)
                           .execution_options(synchronize_session=False))
    rubric.indicators = []
    db.session.flush()
    by_code = {}
    for position, row in enumerate(rows):
        indicator = Indicator(position=position, code=row["code"], name=row["name"], points=row["points"],
                              guide=row["guide"], evidence=row["evidence"], allow_na="na" in row["flags"],
                              bonus="bonus" in row["flags"],
                              source="satisfaction" if "satisfaction" in row["flags"] else "manual")
        rubric.indicators.append(indicator)
        db.session.flush()
        if row["parent"]:
            indicator.parent_id = by_code[row["parent"]].id
        by_code[row["code"]] = indicator


def ensure_defaults() -> int:
    """Create the shipped rubrics that are missing (by name), published; how many were created."""
    created = 0
    for name, purpose, description, outline, bands, cap in defaults.RUBRICS:
        if db.session.scalar(select(Rubric.id).where(Rubric.name == name)) is not None:
            continue
        rows, errors = parse_outline(outline)
        if errors:
            raise ValueError(f"default rubric {name}: {errors}")
        now = clock.now()
        rubric = Rubric(name=name, purpose=purpose, description=description, cap=cap, bands=bands,
                        created_at=now, published_at=now)
        db.session.add(rubric)
        RUBRIC_MACHINE.start(rubric, None, _("Shipped with Market"), "published")
        _set_indicators(rubric, rows)
        created += 1
    unit.flush()
    return created


def get_rubric(rubric_id: int) -> Rubric:
    return existing(Rubric, rubric_id, _("This rubric does not exist."))


def rubrics_select(purpose: str | None = None):
    """(rubric, number of indicators) rows, retired ones left out."""
    count = select(func.count(Indicator.id)).where(Indicator.rubric_id == Rubric.id).scalar_subquery()
    statement = select(Rubric, count).where(Rubric.status != "retired").order_by(Rubric.purpose, Rubric.id)
    return statement.where(Rubric.purpose == purpose) if purpose else statement


def published(purpose: str) -> list[Rubric]:
    return db.session.scalars(select(Rubric).where(Rubric.purpose == purpose, Rubric.status == "published")
                              .order_by(Rubric.id)).all()


def in_use(rubric: Rubric) -> int:
    return db.session.scalar(select(func.count(Evaluation.id)).where(Evaluation.rubric_id == rubric.id))


def copy(actor: User, rubric: Rubric) -> Rubric:
    """A draft copy to adapt; the original stays as it is."""
    RUBRIC_ACTIONS.require(actor, rubric, "copy")
    draft = Rubric(name=_("%(name)s (copy)", name=rubric.name)[:120], purpose=rubric.purpose,
                   description=rubric.description, cap=rubric.cap, bands=list(rubric.bands),
                   copied_from_id=rubric.id, created_by_id=actor.id, created_at=clock.now())
    db.session.add(draft)
    RUBRIC_MACHINE.start(draft, actor, _("Copied from “%(name)s”", name=rubric.name))
    rows, _errors = parse_outline(outline_of(rubric))
    _set_indicators(draft, rows)
    unit.flush()
    return draft


def save_draft(actor: User, rubric: Rubric, name: str, description: str, outline: str, cap: int,
               bands: str) -> list[OutlineError]:
    """Replace a draft's indicators from an outline; returns the errors (and saves nothing) if any."""
    RUBRIC_ACTIONS.require(actor, rubric, "edit")
    name = text.required(name, 120, _("Give the rubric a name."), "name")
    parsed_bands = parse_bands(bands)
    rows, errors = parse_outline(outline)
    if errors:
        return errors
    regular = sum(r["points"] for r in rows if r["parent"] is None and "bonus" not in r["flags"])
    if not 0 < cap <= regular + sum(r["points"] for r in rows if r["parent"] is None and "bonus" in r["flags"]):
        raise ServiceError(_("The cap must be above zero and at most the points of the whole tree (%(n)s).",
                             n=regular), field="cap")
    rubric.name, rubric.description, rubric.cap, rubric.bands = name, text.clean(description, 2000), cap, parsed_bands
    _set_indicators(rubric, rows)
    unit.flush()
    return []


def parse_bands(value: str) -> list:
    """'90 excellent, 80 good, 60 fair, 0 poor' → [[90, 'excellent'], ...], highest first."""
    bands = []
    for part in (value or "").replace("，", ",").split(","):
        pieces = part.split()
        if len(pieces) != 2 or not pieces[0].isdigit() or pieces[1] not in BANDS:
            raise ServiceError(_("Write bands as “minimum key” pairs separated by commas, for example "
                                 "“90 excellent, 80 good, 60 fair, 0 poor” or “951 5A, 901 4A, …, 0 1A”."),
                               field="bands")
        bands.append([int(pieces[0]), pieces[1]])
    bands.sort(key=lambda b: -b[0])
    if bands[-1][0] != 0:
        raise ServiceError(_("The lowest band starts at 0."), field="bands")
    return bands


def bands_text(rubric: Rubric) -> str:
    return ", ".join(f"{minimum} {key}" for minimum, key in rubric.bands)


def publish(actor: User, rubric: Rubric) -> None:
    RUBRIC_ACTIONS.require(actor, rubric, "publish")
    if rubric.purpose not in RUBRIC_PURPOSES:
        raise ServiceError(_("Choose what the rubric is for."))
    RUBRIC_MACHINE.move(rubric, "published", actor, "")
    rubric.published_at = clock.now()
    unit.flush()


def retire(actor: User, rubric: Rubric) -> None:
    """No new evaluation may use it; evaluations already using it keep it."""
    RUBRIC_ACTIONS.require(actor, rubric, "retire")
    RUBRIC_MACHINE.move(rubric, "retired", actor, "")
    unit.flush()


def tree(rubric: Rubric) -> list[scoring.Node]:
    """The rubric's indicators as the arithmetic reads them."""
    nodes = {i.id: scoring.Node(i.id, i.points, bonus=i.bonus) for i in rubric.indicators}
    roots = []
    for indicator in rubric.indicators:
        if indicator.parent_id is None:
            roots.append(nodes[indicator.id])
        else:
            nodes[indicator.parent_id].children.append(nodes[indicator.id])
    return roots


def leaves(rubric: Rubric) -> list[Indicator]:
    parents = {i.parent_id for i in rubric.indicators}
    return [i for i in rubric.indicators if i.id not in parents]


def regular_points(rubric: Rubric) -> int:
    return sum(i.points for i in rubric.indicators if i.parent_id is None and not i.bonus)


def criteria_of(rubric: Rubric) -> list[tuple[str, int]]:
    """A bid rubric's first-level indicators as a tender's weighted criteria (price is scored apart)."""
    if rubric.purpose != "bid" or rubric.status != "published":
        raise ServiceError(_("Choose a published bid rubric."))
    return [(i.name, i.points) for i in rubric.indicators if i.parent_id is None and not i.bonus]
