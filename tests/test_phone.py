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
it runs in the English pass (SQLite), which keeps `make test` well inside its time.

Which pages each person has, and what each is, comes from the crawl of the same world in the same
language (the `world_crawl` fixture): a refusal, a redirect, a file or JSON is no page to lay out.
Each distinct rendering is then opened once. A page is the site's header, its main part and a footer
that never changes, stacked one under the other: none is laid out by the others, so a page fits a
phone when its header and its main part do. A page whose main part and header (tokens and return
addresses left out) were both laid out already, on another page or as another person, is not opened
again; every other page is opened, measured and checked by axe, and what it was is read from the
answer the browser got."""
import json
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from browser import ARTIFACTS
from conftest import CRAWL_LANGUAGE
from market.demo.seed import DEMO_PASSWORD
from market.extensions import db
from tests.world.crawl import rendering, targets
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
LANGUAGE = CRAWL_LANGUAGE  # the crawl's: it tells which pages are pages, in that language
CHECK_ACCESSIBILITY = LANGUAGE == "en"
NOT_PAGES = ("api.",)  # JSON for machines; CSV downloads are skipped by name below
# Public figures that read the same for everyone (only the header differs, and every other page checks
# the header as each person): read once, by the anonymous visitor, in every scope the crawler samples.
SAME_FOR_EVERYONE = ("outcomes.",)
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


def test_no_page_scrolls_sideways_on_a_phone(world, world_crawl, world_server, browser):
    people = {"anonymous": None, **{role: email for role, email in sorted(DEMO_ROLES.items())}}
    pages_of = {role: [] for role in people}  # each person's pages, as the crawl read them, in its order
    for (role, url), (endpoint, parts) in world_crawl.renderings.items():
        if role in people and not endpoint.startswith(NOT_PAGES) and not endpoint.endswith("_csv") and (
                role == "anonymous" or not endpoint.startswith(SAME_FOR_EVERYONE)):
            pages_of[role].append((url, parts))
    wide, pages, inaccessible = [], 0, []
    laid_out = set()  # the headers and main parts measured (and checked by axe) already
    seconds = {"loading": 0.0, "axe": 0.0}  # where the sweep's time goes, for the artifact
    seen = 0  # pages whose parts were laid out already
    for role, email in people.items():
        context = axe_context(browser)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            if email:
                _sign_in(page, world_server, email)
            _choose_language(page, world_server, LANGUAGE)
            for url, parts in pages_of[role]:
                if all(part in laid_out for part in parts):
                    seen += 1
                    continue
                started = time.perf_counter()
                response = page.goto(world_server + url, wait_until="load")
                assert response.status == 200 and "text/html" in response.headers.get("content-type", ""), (
                    f"{role} {url}: {response.status} in the browser, a page in the crawl")
                pages += 1
                seconds["loading"] += time.perf_counter() - started
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    wide.append(f"{role} {url}: {width} px")
                laid_out.update(rendering(response.text()))  # what was measured: the browser's own answer
                if CHECK_ACCESSIBILITY:
                    started = time.perf_counter()
                    inaccessible += [f"{role} {url}: {v}" for v in page.evaluate(AXE_CHECK)]
                    seconds["axe"] += time.perf_counter() - started
        finally:
            if email:
                _choose_language(page, world_server, "zh")  # the world stays as built: Chinese for everybody
            context.close()
    with world.app.app_context():
        dialect = db.engine.dialect.name
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"phone-{dialect}-{LANGUAGE}.json").write_text(json.dumps(
        {"people": len(people), "pages": sum(map(len, pages_of.values())), "laid_out": pages,
         "laid_out_before": seen, "seconds": {k: round(v) for k, v in seconds.items()}, "wide": wide,
         "inaccessible": inaccessible}, ensure_ascii=False, indent=1))
    assert pages + seen > 2000 and pages > 300, (pages, seen)
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
