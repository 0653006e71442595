"""Public pages kept for anonymous readers until the data changes (market/core/page_cache.py)."""
import re

import pytest

from conftest import FormClient
from market import clock, create_app
from market.core.unit import command
from market.extensions import db
from market.organizations.models import Organization
from market.procurement import tenders, undertakers
from tests.factories import published_tender, tender_data, user

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def cache_on(app):
    app.config["PAGE_CACHE_SECONDS"] = 60
    yield
    app.config["PAGE_CACHE_SECONDS"] = 0
    app.extensions["market.page_cache"].entries.clear()


def cached(response) -> bool:
    return response.headers.get("X-Page-Cache") == "hit"


def test_a_page_is_rendered_once_and_each_reader_gets_a_token_of_their_own(app, tender_world, cache_on):
    tender = published_tender(app, tender_world)
    first, second = app.test_client(), FormClient(app.test_client())
    miss = first.get(f"/procurement/tenders/{tender}")
    hit = second.get(f"/procurement/tenders/{tender}")
    assert not cached(miss) and cached(hit)
    page = hit.get_data(as_text=True)
    assert "桐芳社区老年助餐服务项目" in page and "csrf-token" not in page
    mine, theirs = TOKEN.search(page).group(1), TOKEN.search(miss.get_data(as_text=True)).group(1)
    assert mine != theirs
    # The token in the cached page is valid for its reader: the language form works, in English afresh
    response = second.post("/language", data={"csrf_token": mine, "lang": "en", "next": "/procurement/tenders"})
    assert response.status_code == 302
    english = second.get(f"/procurement/tenders/{tender}")
    assert not cached(english) and 'lang="en"' in english.get_data(as_text=True)


def test_a_change_in_another_process_reaches_every_cache(app, tender_world, cache_on, frozen):
    world = tender_world
    published_tender(app, world)
    reader = app.test_client()
    assert "桐芳社区老年助餐服务项目" in reader.get("/procurement/tenders").get_data(as_text=True)
    assert cached(reader.get("/procurement/tenders"))
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
                        "PAGE_CACHE_SECONDS": 60, "SEARCH_BACKEND": "none", "MAIL_BACKEND": "outbox",
                        "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"]})
    clock.install(other, frozen)
    with command(other):  # a second server process publishes a tender
        tender = tenders.create_tender(user(world["buyer"]), tender_data(world, title="金鸡湖社区助浴服务项目"))
        tenders.publish(user(world["buyer"]), tender)
    with other.app_context():
        db.engine.dispose()
    fresh = reader.get("/procurement/tenders")
    assert not cached(fresh) and "金鸡湖社区助浴服务项目" in fresh.get_data(as_text=True)
    assert cached(reader.get("/procurement/tenders"))
    frozen.advance(minutes=2)  # kept no longer than PAGE_CACHE_SECONDS on the clock
    assert not cached(reader.get("/procurement/tenders"))


def test_signed_in_people_and_waiting_messages_are_never_served_from_the_cache(
        app, tender_world, cache_on, client, login):
    published_tender(app, tender_world)
    anonymous = app.test_client()
    anonymous.get("/procurement/tenders")
    assert cached(anonymous.get("/procurement/tenders"))
    login("buyer@example.cn")
    page = client.get("/procurement/tenders")
    assert "X-Page-Cache" not in page.headers and "陈志强" in page.get_data(as_text=True)
    # A page that shows a message for its reader is not kept
    flashed = anonymous.get("/procurement/tenders?min_budget=abc")
    assert "X-Page-Cache" not in flashed.headers and "Enter budgets in yuan" not in flashed.get_data(as_text=True)
    assert not cached(anonymous.get("/procurement/tenders?min_budget=abc"))


def test_grade_badges_are_kept_filled_in(app, tender_world, cache_on, frozen):
    world = tender_world
    with command(app):
        undertakers.record_grade(user(world["admin"]), db.session.get(Organization, world["org0"]), 4,
                                 frozen.now().date().replace(month=1, day=1))
    reader = app.test_client()
    reader.get(f"/evaluation/organizations/{world['org0']}")
    hit = reader.get(f"/evaluation/organizations/{world['org0']}")
    page = hit.get_data(as_text=True)
    assert cached(hit) and 'data-test="grade-badge">4A<' in page and "grade-badge:" not in page


def test_the_api_counts_cached_answers_and_reading_does_not_empty_the_cache(app, tender_world, cache_on):
    published_tender(app, tender_world)
    app.config["API_RATE_ANONYMOUS"] = 3
    try:
        reader = app.test_client()
        answers = [reader.get("/api/v1/datasets/tenders") for _ in range(4)]
        # each answer wrote its rate count, and the second and third still came from the cache
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [cached(a) for a in answers[:3]] == [False, True, True]
        assert answers[2].get_json()["items"][0]["title"] == "桐芳社区老年助餐服务项目"
        assert answers[2].headers["X-RateLimit-Remaining"] == "0"
    finally:
        app.config["API_RATE_ANONYMOUS"] = 60


def test_off_means_off(app, tender_world):
    published_tender(app, tender_world)
    reader = app.test_client()
    reader.get("/procurement/tenders")
    assert "X-Page-Cache" not in reader.get("/procurement/tenders").headers
    assert not app.extensions["market.page_cache"].entries


def test_a_savepoint_is_not_a_commit(app, cache_on):
    from market.core import page_cache
    from market.money import ledger

    with command(app):
        before = page_cache.current_version()
        ledger.account("contract", 4242, "committed")  # written in a savepoint of the open transaction
        assert page_cache.current_version() == before  # nothing committed, nothing announced
        db.session.commit()
        assert page_cache.current_version() == before + 1


def test_mail_waits_for_the_outermost_commit(app, cache_on):
    import os

    from market.core import mail
    from market.money import ledger

    outbox = app.config["MAIL_OUTBOX_DIR"]
    with command(app):
        mail.send_after_commit("a@example.cn", "通知", "正文")
        ledger.account("contract", 4343, "committed")  # a savepoint inside the transaction
        assert not os.path.isdir(outbox) or not os.listdir(outbox)
        db.session.rollback()
    assert not os.path.isdir(outbox) or not os.listdir(outbox)  # rolled back: never sent
