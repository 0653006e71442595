"""No page falls over, in any state, for any role: the state-space crawler (tests/world/crawl.py)
requests every GET rule with records in every status, as anonymous, as each demo role and as a
stranger holding the same role for somebody else, then the query strings its pages offered.
English on SQLite, Chinese on PostgreSQL (the same world, built once per run; the crawl is the
`world_crawl` fixture's, which the phone sweep reads too)."""
import json
import os

from conftest import CRAWL_LANGUAGE
from market.extensions import db
from tests.world import statuses
from tests.world.build import STEP_MODULES
from tests.world.crawl import Report

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "test-artifacts")


def test_the_world_has_a_record_in_every_status(world):
    with world.app.app_context():
        missing = statuses.coverage()
        counted = {model.__name__: len(states) for model, states in statuses.lifecycles().items()}
    assert not missing, f"statuses with no record in the crawler's world: {missing}"
    assert counted["Tender"] == 9 and counted["Milestone"] == 10  # the enumeration reads the machines
    assert len(counted) >= 20


def _write(world, language: str, report: Report) -> None:
    with world.app.app_context():
        dialect = db.engine.dialect.name
        states = sum(len(s) for s in statuses.lifecycles().values())
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, f"crawl-{dialect}-{language}.json"), "w") as out:
        json.dump({"rules": len(report.rules), "urls": len(report.urls), "requests": report.requests,
                   "roles": len(world.roles) + 1, "statuses": states, "responses": report.statuses,
                   "builders": STEP_MODULES, "failures": [str(f) for f in report.failures]}, out, indent=1,
                  ensure_ascii=False)


def test_no_page_falls_over(world, world_crawl):
    _write(world, CRAWL_LANGUAGE, world_crawl)
    assert world_crawl.requests > 1000 and len(world_crawl.rules) > 90
    failures = "\n".join(sorted({str(f) for f in world_crawl.failures}))
    assert not world_crawl.failures, f"{len(world_crawl.failures)} requests fell over:\n{failures}"
