"""No page scrolls sideways on a phone: every page the crawler's world holds (every GET rule, with
records in every status, tests/world/crawl.py) is opened in Chromium at 390 × 844 as anonymous and
as each demo role, and `document.documentElement.scrollWidth` must stay within 390 px. Tables turn
into stacked cards below 600 px (static/css/market.css), so this holds for every table.

The layout does not depend on the database, so each pass looks in one language: English on SQLite
(its words are the longer ones), Chinese on PostgreSQL. In large text (长者模式, a quarter larger),
the busiest pages are looked at too.

Every page the sweep opens is also checked by axe-core (tests/axe, from npm, injected into Chromium
through Playwright as an init script, so the pages' strict CSP stays): no serious or critical
violation of its WCAG 2 A and AA rules. Like the layout, its rules do not depend on the database:
it runs in the English pass (SQLite), which keeps `make test` well inside its time. axe looks at each
distinct rendering once: a page whose main part and header (tokens and return addresses left out)
were both checked already, on another page or as another person, is measured for width only."""
import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from browser import ARTIFACTS
from market.demo.seed import DEMO_PASSWORD
from market.extensions import db
from tests.world.crawl import targets
from tests.world.people import DEMO_ROLES

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_CHECK = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                          resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def axe_context(browser):
    """A phone-sized context whose every page carries axe-core (in the pass that checks with it)."""
    context = browser.new_context(viewport=PHONE)
    if CHECK_ACCESSIBILITY:
        if not AXE.exists():  # not a skip: `make test` installs it (npm ci in tests/axe)
            raise RuntimeError(f"axe-core is missing at {AXE}: run `make test` or `cd tests/axe && npm ci`")
        context.add_init_script(path=str(AXE))
    return context
LANGUAGE = "zh" if os.environ.get("TEST_DATABASE_URL") else "en"
CHECK_ACCESSIBILITY = LANGUAGE == "en"
NOT_PAGES = ("api.",)  # JSON for machines; CSV downloads are skipped by name below
# Public figures that read the same for everyone (only the header differs, and every other page checks
# the header as each person): read once, by the anonymous visitor, in every scope the crawler samples.
SAME_FOR_EVERYONE = ("outcomes.",)
# What a rendering is, for axe: its main part and its header, without what changes on every request
# or page but never how it reads (one-time tokens, the address a language switch returns to).
RENDERING = r"""() => ['main', 'header'].map(selector => {
  const element = document.querySelector(selector);
  return element ? element.outerHTML.replace(/<input type="hidden" name="(csrf_token|next)" value="[^"]*">/g, '') : '';
})"""


@pytest.fixture
def world_server(world):
    server = make_server("127.0.0.1", 0, world.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _choose_language(page, base: str, language: str) -> None:
    page.goto(base + "/")
    switch = page.locator(f"[data-test=lang-{language}]")
    if switch.count():  # the page is in the other language
        switch.click()
        page.wait_for_load_state()


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"


def test_no_page_scrolls_sideways_on_a_phone(world, world_server, browser):
    with world.app.app_context():
        pages_of = [(endpoint, url) for endpoint, url in targets(world.app)
                    if not endpoint.startswith(NOT_PAGES) and not endpoint.endswith("_csv")]
        db.session.remove()
    people = [None, *sorted(set(DEMO_ROLES.values()))]
    urls_of = {email: [url for endpoint, url in pages_of if email is None or not endpoint.startswith(SAME_FOR_EVERYONE)]
               for email in people}
    wide, pages, inaccessible = [], 0, []
    checked, axed = set(), 0  # the main parts and headers axe has looked at
    seconds = {"loading": 0.0, "axe": 0.0}  # where the sweep's time goes, for the artifact
    probed = 0  # addresses answered with no page for this person
    for email in people:
        context = axe_context(browser)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            if email:
                _sign_in(page, world_server, email)
            _choose_language(page, world_server, LANGUAGE)
            for url in urls_of[email]:
                # Asked first without the browser (same cookies): a refusal, a redirect (its target is a
                # page of the list too), a file or an answer in JSON is no page to lay out, and costs
                # a browser's navigation (about 80 ms) for nothing. The crawler checks those answers.
                probe = context.request.get(world_server + url, max_redirects=0)
                if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
                    probed += 1
                    continue
                started = time.perf_counter()
                try:
                    response = page.goto(world_server + url, wait_until="load")
                except PlaywrightError as error:
                    if "Download is starting" in str(error):
                        continue  # a file (an attachment, a report's file): not a page
                    raise
                if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                    continue
                pages += 1
                seconds["loading"] += time.perf_counter() - started
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    wide.append(f"{email or 'anonymous'} {url}: {width} px")
                if CHECK_ACCESSIBILITY:
                    parts = [hashlib.sha1(part.encode()).digest() for part in page.evaluate(RENDERING)]
                    if not all(part in checked for part in parts):
                        checked.update(parts)
                        axed += 1
                        started = time.perf_counter()
                        inaccessible += [f"{email or 'anonymous'} {url}: {v}" for v in page.evaluate(AXE_CHECK)]
                        seconds["axe"] += time.perf_counter() - started
        finally:
            if email:
                _choose_language(page, world_server, "zh")  # the world stays as built: Chinese for everybody
            context.close()
    with world.app.app_context():
        dialect = db.engine.dialect.name
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"phone-{dialect}-{LANGUAGE}.json").write_text(json.dumps(
        {"urls": len(pages_of), "people": len(people), "pages": pages, "checked_by_axe": axed, "no_page": probed,
         "seconds": {k: round(v) for k, v in seconds.items()}, "wide": wide,
         "inaccessible": inaccessible},
        ensure_ascii=False, indent=1))
    assert pages > 1000, pages
    assert wide == [], "pages wider than a 390 px phone:\n" + "\n".join(wide)
    assert inaccessible == [], "serious or critical accessibility violations (axe-core):\n" + "\n".join(
        inaccessible[:50])


# The pages with the most columns, figures and forms: one record each, in large text.
BUSIEST = ("site.home", "procurement.tender_list", "procurement.tender", "contracts.show", "contracts.printable",
           "philanthropy.round", "audit.log", "transparency.index", "needs.show", "places.community",
           "spending.overview", "evaluation.organization", "incubation.dashboard")


def test_large_text_fits_a_phone_too(world, world_server, browser):
    with world.app.app_context():
        first = {}
        for endpoint, url in targets(world.app):
            first.setdefault(endpoint, url)
        db.session.remove()
    assert set(BUSIEST) <= set(first), set(BUSIEST) - set(first)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        _choose_language(page, world_server, LANGUAGE)
        page.click("[data-test=display-large]")
        page.wait_for_load_state()
        wide = []
        for endpoint in BUSIEST:
            page.goto(world_server + first[endpoint])
            assert page.evaluate("document.documentElement.classList.contains('large')"), endpoint
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide.append(f"{first[endpoint]}: {width} px")
        page.screenshot(path=str(ARTIFACTS / f"phone-large-{LANGUAGE}.png"), full_page=True)
    finally:
        context.close()
    assert wide == [], "pages wider than a 390 px phone in large text:\n" + "\n".join(wide)
