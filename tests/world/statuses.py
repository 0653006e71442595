"""Every status a record can have, read from the code: each state machine's statuses. A model with
a status column has a machine, unless it declares `STATUSES = ()` (a copy of another record's
status, with no lifecycle of its own). A new machine, status or model with a status column is
covered without editing the crawler."""
import importlib
import pkgutil

from sqlalchemy import func, select

import market
from market.core.workflow import StateMachine
from market.extensions import db


def machines() -> dict[str, StateMachine]:
    """Every module-level StateMachine in the market package, by subject type."""
    found = {}
    for info in pkgutil.walk_packages(market.__path__, "market."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, StateMachine):
                found[value.subject_type] = value
    return found


def lifecycles() -> dict[type, tuple[str, ...]]:
    """Model -> every status it can be in."""
    by_subject = machines()
    result = {}
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if "status" not in mapper.columns:
            continue
        machine = by_subject.get(model.__tablename__)
        if machine is not None:
            result[model] = tuple(machine.transitions)
            continue
        if getattr(model, "STATUSES", None) != ():
            raise AssertionError(f"{model.__name__} has a status column but no state machine")
    return result


def counts(model) -> dict[str, int]:
    return dict(db.session.execute(select(model.status, func.count()).group_by(model.status)).all())


def coverage() -> dict[str, list[str]]:
    """Model name -> the statuses no record is in now (empty when the world is complete)."""
    missing = {}
    for model, statuses in lifecycles().items():
        have = counts(model)
        lacking = [status for status in statuses if not have.get(status)]
        if lacking:
            missing[model.__name__] = lacking
    return missing


def sample_ids(model, others: int = 2) -> list[int]:
    """One record in each status (the oldest), and a few more, for the crawler."""
    ids = []
    if "status" in model.__mapper__.columns:
        ids = list(db.session.scalars(select(func.min(model.id)).group_by(model.status)))
    ids += [i for i in db.session.scalars(select(model.id).order_by(model.id.desc()).limit(others)) if i not in ids]
    return sorted(ids)
