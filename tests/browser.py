"""A live server and Debian's Chromium for browser tests (no browser download: see STACK_NOTES)."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        # Not a skip: a missing browser is a broken setup (scripts/system-deps.sh installs it).
        raise RuntimeError("Chromium is not installed; run scripts/system-deps.sh")
    return path


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    """A page the size of a phone, in a fresh context (no cookies)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, email: str, english: bool = False) -> None:
    from conftest import PASSWORD

    page.goto(base + "/login")
    page.get_by_label("E-mail address" if english else "电子邮箱").fill(email)
    page.get_by_label("Password" if english else "密码").fill(PASSWORD)
    page.get_by_role("button", name="Sign in" if english else "登录").click()


def open_menu(page) -> None:
    """The navigation, on a phone behind its "Menu" button (on a wide screen market.js keeps it open
    once it has run: wait for that before deciding)."""
    page.wait_for_load_state()
    summary = page.locator("details.menu > summary")
    if page.locator("details.menu").get_attribute("open") is None and summary.is_visible():
        summary.click()


def open_person_menu(page) -> None:
    """The signed-in person's own menu (their community, organizations, desks, settings, sign-out)."""
    open_menu(page)
    person = page.locator("[data-test=person-menu]")
    if person.get_attribute("open") is None:
        person.locator("summary").click()


def signed_in_phone(browser, base: str, email: str):
    """A page 390 px wide, in Chinese, signed in as this person."""
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, email)
    return page


def fits_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
