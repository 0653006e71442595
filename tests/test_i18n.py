"""Chinese is the default, English the second language, and the catalog is complete."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "market" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def _extracted_ids() -> set[str]:
    method_map = [("market/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_interface_text_has_a_chinese_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog  # a plural: its singular id
                  if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and not m.fuzzy}
    missing = sorted(_extracted_ids() - translated)
    assert not missing, f"run `make extract-messages` and translate: {missing}"


def test_chinese_by_default_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "登录" in page
    client.submit("/language", {"lang": "en", "next": "/login"}, form_url="/login")
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page and "登录" not in page
    # WTForms' own messages follow the language too.
    english = client.submit("/login", {"email": "x", "password": ""}, form_url="/login").get_data(as_text=True)
    assert "Invalid email address." in english and "This field is required." in english


def test_signed_in_person_keeps_their_language(client, make_user, login, app):
    make_user("a@example.cn")
    login("a@example.cn")
    client.submit("/language", {"lang": "en", "next": "/"}, form_url="/")
    fresh = app.test_client()
    from conftest import PASSWORD, FormClient

    fresh = FormClient(fresh)
    fresh.submit("/login", {"email": "a@example.cn", "password": PASSWORD}, form_url="/login")
    assert "Sign out" in fresh.get("/").get_data(as_text=True)


def test_categories_are_named_in_the_current_language(client):
    assert "养老" in client.get("/").get_data(as_text=True)
    client.submit("/language", {"lang": "en", "next": "/"}, form_url="/")
    assert "Elderly care" in client.get("/").get_data(as_text=True)
