"""No page falls over, in any state, for any role: the state-space crawler (tests/world/crawl.py)
requests every GET rule with records in every status, as anonymous, as each demo role and as a
stranger holding the same role for somebody else, then the query strings its pages offered.
English on SQLite, Chinese on PostgreSQL (the same world, built once per run)."""
import json
import os

import pytest

from conftest import FormClient
from market.demo.seed import DEMO_PASSWORD
from market.extensions import db
from tests.world import WORLD_PASSWORD, statuses
from tests.world.build import STEP_MODULES
from tests.world.crawl import Report, crawl, targets

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "test-artifacts")


def test_the_world_has_a_record_in_every_status(world):
    with world.app.app_context():
        missing = statuses.coverage()
        counted = {model.__name__: len(states) for model, states in statuses.lifecycles().items()}
    assert not missing, f"statuses with no record in the crawler's world: {missing}"
    assert counted["Tender"] == 9 and counted["Milestone"] == 10  # the enumeration reads the machines
    assert len(counted) >= 20


def _clients(world, language: str) -> dict:
    app = world.app
    clients = {"anonymous": FormClient(app.test_client())}
    for role, email in sorted(world.roles.items()):
        client = FormClient(app.test_client())
        password = DEMO_PASSWORD if email.endswith("@demo.market") else WORLD_PASSWORD
        response = client.submit("/login", {"email": email, "password": password}, form_url="/login")
        assert response.status_code == 302, f"{role} could not sign in"
        clients[role] = client
    for client in clients.values():
        assert client.submit("/language", {"lang": language, "next": "/"}).status_code == 302
    return clients


def _crawl(world, language: str) -> Report:
    report = Report()
    with world.app.app_context():
        urls = targets(world.app)
        db.session.remove()
    clients = _clients(world, language)
    try:
        crawl(world.app, clients, urls, report)
    finally:
        for client in clients.values():  # the world stays as built: Chinese for everybody
            client.submit("/language", {"lang": "zh", "next": "/"})
    return report


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


def _assert_clean(report: Report) -> None:
    assert report.requests > 1000 and len(report.rules) > 90
    failures = "\n".join(sorted({str(f) for f in report.failures}))
    assert not report.failures, f"{len(report.failures)} requests fell over:\n{failures}"


# One language a pass, both in each `make test`: English on SQLite, Chinese on PostgreSQL. What can
# fall over differs by database in the queries and by language in the catalogs and templates, and
# the same pages are requested in both passes (each language costs about 100 s).
LANGUAGES = ["zh"] if os.environ.get("TEST_DATABASE_URL") else ["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_falls_over(world, language):
    report = _crawl(world, language)
    _write(world, language, report)
    _assert_clean(report)
