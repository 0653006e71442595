from market import create_app
from market.core.unit import command
from market.extensions import db


def test_security_headers_on_every_page(client):
    response = client.get("/")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_secure_cookies_and_hsts_in_production(app, database_url, monkeypatch):
    monkeypatch.setenv("MARKET_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    production = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert production.config["SESSION_COOKIE_SECURE"] and production.config["REMEMBER_COOKIE_SECURE"]
    response = production.test_client().get("/login")
    assert "Strict-Transport-Security" in response.headers
    assert "Secure" in response.headers["Set-Cookie"]
    with production.app_context():
        db.engine.dispose()
        # passwords at Werkzeug's full scrypt work factor (the tests' own app uses a lower one)
        from market.core.security import hash_password

        assert "PASSWORD_HASH_METHOD" not in production.config
        assert hash_password("correct-horse-42").startswith("scrypt:32768:8:1$")


def test_production_refuses_to_start_without_secret(monkeypatch):
    monkeypatch.setenv("MARKET_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    try:
        create_app()
    except RuntimeError as error:
        assert "SECRET_KEY" in str(error)
    else:
        raise AssertionError("must refuse")


def test_error_pages_are_friendly_and_translated(client, make_user, login):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "您要找的页面不存在" in page.get_data(as_text=True)
    make_user("a@example.cn")
    login("a@example.cn")
    page = client.get("/admin/users")  # refused with the reason, in words
    assert page.status_code == 403 and "只有民政管理员可以执行此操作" in page.get_data(as_text=True)


def test_server_error_page_shows_no_traceback(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "t"})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and "出错了" in text and "secret internals" not in text
    with command(app):
        db.engine.dispose()


def test_user_text_is_escaped(client, make_user, login, app):
    make_user("a@example.cn", name="<script>alert(1)</script>")
    login("a@example.cn")
    page = client.get("/profile").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_pages_work_on_a_phone_layout(client):
    page = client.get("/").get_data(as_text=True)
    assert 'name="viewport"' in page and "<details class=\"menu\">" in page


def test_redirect_after_language_switch_stays_on_site(client):
    response = client.submit("/language", {"lang": "en", "next": "//evil.example/"}, form_url="/")
    assert response.location == "/"
    assert "Community public services" in client.get("/").get_data(as_text=True)


def test_static_files_are_kept_by_the_browser_until_they_change(client):
    """Each page links its stylesheet and scripts with a version of their content; that version is
    kept a year (no request again on the next page), any other address is asked for again."""
    import re

    page = client.get("/").get_data(as_text=True)
    links = re.findall(r'"(/static/[^"?]+)\?v=([0-9a-f]{12})"', page)
    assert {path for path, _version in links} >= {"/static/css/market.css", "/static/js/market.js"}
    for path, version in links:
        with client.get(f"{path}?v={version}") as kept:
            assert kept.status_code == 200 and "max-age=31536000" in kept.headers["Cache-Control"]
            assert "immutable" in kept.headers["Cache-Control"]
        with client.get(f"{path}?v=000000000000") as other:
            assert "max-age" not in other.headers.get("Cache-Control", "")
    with client.get("/static/css/no-such.css") as missing:
        assert missing.status_code == 404
