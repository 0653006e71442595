"""Search in Chromium over the demo: each of the five topic words typed into the header's search box
puts the relevant needs, tenders and organizations first, highlighted; filters narrow the list."""
import pytest
from playwright.sync_api import expect

from browser import screenshot
from market.core.unit import command
from tests.factories import TOPICS

pytestmark = pytest.mark.browser


def test_topic_searches_from_the_search_box(live_server, browser, app, whoosh):
    from market.demo.seed import seed_demo
    from market.extensions import db

    with command(app):
        seed_demo()
        db.session.remove()
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/")
    for word, expected in TOPICS.items():
        box = page.locator("#site-q")
        box.fill(word)
        box.press("Enter")
        expect(page.locator("h1")).to_have_text("搜索")
        hits = page.locator("[data-test=hit]")
        first = [(hits.nth(i).get_attribute("data-kind"), hits.nth(i).locator("a").inner_text())
                 for i in range(min(hits.count(), len(expected) + 1))]
        assert first[0] in expected and expected <= set(first), (word, first)
        expect(hits.first.locator("mark", has_text=word).first).to_be_visible()  # synonyms are marked too
    screenshot(page, "search-topic")
    # Only organizations, then open the first.
    page.locator("#kind").select_option("organization")
    page.get_by_role("button", name="搜索", exact=True).click()
    kinds = {page.locator("[data-test=hit]").nth(i).get_attribute("data-kind")
             for i in range(page.locator("[data-test=hit]").count())}
    assert kinds == {"organization"}
    page.locator("[data-test=hit] a").first.click()
    expect(page.locator("h1")).to_contain_text("新航社区矫正服务社")
