"""Hostile input as a test: hypothesis drives every path argument, every query parameter the pages
offer and every field of the forms they show (huge, negative, non-numeric, unicode, NUL, long) and
each answer must be a page or a refusal, never a server error.

It runs on the crawler's world (built once per run). The form part posts, so it can change that
world: it comes after tests/test_crawler.py and leaves what a hostile visitor could leave."""
import os
import re
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from conftest import FormClient
from market.demo.seed import DEMO_PASSWORD
from market.extensions import db
from tests.world.crawl import links_with_queries, targets

NASTY = ["99999999999999999999", "9223372036854775808", "2147483648", "-1", "-99999999999999999999", "0",
         "1e999", "-1e999", "NaN", "inf", "1.5", "0x10", "１２", "١٢", "\x00", "%00", "'", "\"><script>", "",
         " ", "a" * 5000, "🙂" * 300, "\u202e", "..", "../../etc/passwd", "None", "null", "[]", "{}"]
values = st.one_of(st.sampled_from(NASTY), st.integers(min_value=-(2**80), max_value=2**80).map(str),
                   st.text(max_size=300))
# 60 examples a test in the suite; HOSTILE_EXAMPLES=1000 for a longer hunt.
HOSTILE = settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", 60)), deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _no_server_error(client, method: str, url: str, data=None):
    try:
        response = client.open(url, method=method, data=data)
        response.get_data()  # a streamed download fails while it is read
        response.close()
    except Exception as exc:  # TESTING propagates the server's exception
        pytest.fail(f"{method} {url!r} raised {type(exc).__name__}: {exc}")
    assert response.status_code < 500, f"{method} {url!r} answered {response.status_code}"
    return response


@pytest.fixture(scope="module")
def hostile(world):
    """The GET rules with path arguments, the query strings offered, and an administrator's client."""
    admin = FormClient(world.app.test_client())
    admin.submit("/login", {"email": "admin@demo.market", "password": DEMO_PASSWORD}, form_url="/login")
    with world.app.app_context():
        urls = targets(world.app)
        db.session.remove()
    queries = set()
    for _endpoint, url in urls:
        if "?" not in url and url.count("/") <= 3:  # list pages hold the filters
            response = admin.get(url)
            page = response.get_data()
            response.close()
            if response.status_code == 200 and response.mimetype == "text/html":
                queries |= links_with_queries(url, page.decode())
    rules = [r for r in world.app.url_map.iter_rules() if "GET" in r.methods and r.arguments and r.endpoint != "static"]
    return Targets({"admin": admin, "rules": rules, "queries": sorted(queries), "urls": urls})


class Targets(dict):
    """What the tests aim at; a short repr, for hypothesis's failure reports."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)})"


class Forms(list):
    __repr__ = Targets.__repr__


@HOSTILE
@given(pick=st.integers(min_value=0), raw=st.lists(values, min_size=3, max_size=3),
       numbers=st.lists(st.integers(min_value=0, max_value=2**80), min_size=3, max_size=3),
       numeric=st.lists(st.booleans(), min_size=3, max_size=3))
def test_path_arguments(world, hostile, pick, raw, numbers, numeric):
    # A fixed shape of draws (no draw depends on another), so a failure replays and shrinks cleanly.
    rule = hostile["rules"][pick % len(hostile["rules"])]
    path = rule.rule
    for n, name in enumerate(sorted(rule.arguments)):
        value = str(numbers[n]) if numeric[n] and isinstance(rule._converters.get(name), IntegerConverter) else raw[n]
        path = re.sub(r"<(?:[^:<>]+:)?%s>" % re.escape(name), lambda _m, value=value: _quote(value), path)
    for client in (world.app.test_client(), hostile["admin"]):
        _no_server_error(client, "GET", path)


@HOSTILE
@given(pick=st.integers(min_value=0), which=st.integers(min_value=0), value=values)
def test_query_parameters(world, hostile, pick, which, value):
    url = hostile["queries"][pick % len(hostile["queries"])]
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = [n for n, _v in pairs] + ["page", "per_page"]
    name = names[which % len(names)]
    query = urlencode([(n, v) for n, v in pairs if n != name] + [(name, value)])
    for client in (world.app.test_client(), hostile["admin"]):
        _no_server_error(client, "GET", f"{parts.path}?{query}")


@pytest.fixture(scope="module")
def forms(world_forms):
    return Forms(world_forms)


@HOSTILE
@given(pick=st.integers(min_value=0), which=st.integers(min_value=0), value=values)
def test_form_fields(world, forms, pick, which, value):
    role, client, page, form = forms[pick % len(forms)]
    # A new one-time token each time (the page's one is spent by the first example that is accepted).
    fields = {name: uuid.uuid4().hex if name.endswith("once") else v for name, v in form.values().items()
              if name != "csrf_token"}
    if fields:
        names = sorted(fields)
        fields[names[which % len(names)]] = value
    fields["csrf_token"] = client.token(page)
    _no_server_error(client, "POST", form.path, data=fields)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="") or "x"
