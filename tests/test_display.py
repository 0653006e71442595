"""Large text and high contrast (长者模式): a switch in the header, kept on the device for a year in its
own cookie (never by making the sign-in session permanent), and pages answer with it, the cached
ones too."""
import re

from market.core import display

HTML_CLASS = re.compile(r'<html lang="[^"]+"( class="large")?>')


def _switch(client, value: str, next_url: str = "/procurement/tenders"):
    return client.post("/display", data={"csrf_token": client.token("/"), "display": value, "next": next_url})


def _large(page: str) -> bool:
    return HTML_CLASS.search(page).group(1) is not None


def test_the_switch_is_kept_on_the_device_and_can_be_undone(client):
    page = client.get("/procurement/tenders").get_data(as_text=True)
    assert not _large(page) and 'data-test="display-large"' in page and "长者模式" in page
    response = _switch(client, "large")
    assert response.status_code == 302 and response.headers["Location"] == "/procurement/tenders"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{display.COOKIE}={display.LARGE};") and "Max-Age=31536000" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/procurement/tenders").get_data(as_text=True)
    assert _large(page) and 'aria-pressed="true"' in page and "标准模式" in page
    assert _large(client.get("/").get_data(as_text=True))  # every page
    _switch(client, "standard")
    assert not _large(client.get("/procurement/tenders").get_data(as_text=True))


def test_a_bad_value_a_forged_form_or_a_foreign_next_changes_nothing_harmful(client):
    assert f"{display.COOKIE}=" not in _switch(client, "huge").headers.get("Set-Cookie", "")
    assert not _large(client.get("/").get_data(as_text=True))
    forged = client.post("/display", data={"display": "large", "next": "/"})
    assert forged.status_code == 400 and f"{display.COOKIE}=" not in forged.headers.get("Set-Cookie", "")
    assert _switch(client, "large", "//evil.example/").headers["Location"] == "/"
    assert client.get("/display").status_code == 405


def test_cached_pages_are_kept_apart_by_display(app, client):
    app.config["PAGE_CACHE_SECONDS"] = 60
    try:
        assert not _large(client.get("/").get_data(as_text=True))
        assert client.get("/").headers.get("X-Page-Cache") == "hit"
        _switch(client, "large", "/")
        large = client.get("/")
        assert _large(large.get_data(as_text=True)) and large.headers.get("X-Page-Cache") == "miss"
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
