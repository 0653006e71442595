"""The state-space crawler: every GET rule of the url map, with real ids of records in every status,
as every role, plus the query strings found in the links and GET forms of the pages it reached.

Rules and their arguments are read from the url map, and ids from the tables their arguments name,
so a new page is crawled without editing this file; an argument whose table cannot be told fails
loudly (`ARG_TABLES` then needs a line)."""
import hashlib
import re
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from sqlalchemy import text
from werkzeug.routing import AnyConverter, IntegerConverter

from market.extensions import db
from tests.world import statuses

# Path arguments whose table is not simply their name without "_id".
ARG_TABLES = {"application_id": "grade_application", "file_id": "report_file", "photo_id": "need_photo",
              "request_id": "community_request", "catalog_id": "purchase_catalog",
              "attachment_id": "bid_attachment", "document_id": "organization_document"}
# Pairs of arguments whose rows are found through a join (the child table names its parent indirectly).
PAIR_QUERIES = {
    ("contract_id", "file_id"): "SELECT m.contract_id, f.id FROM report_file f "
    "JOIN delivery_report r ON r.id = f.report_id JOIN milestone m ON m.id = r.milestone_id",
    ("tender_id", "attachment_id"): "SELECT b.tender_id, a.id FROM bid_attachment a JOIN bid b ON b.id = a.bid_id",
}
SCOPE_TABLES = {"category": "service_category"}  # money's <any(...):scope>/<int:scope_id>
SKIPPED_ENDPOINTS = {"static"}  # files on disk, not pages


@dataclass
class Failure:
    role: str
    url: str
    status: int
    error: str

    def __str__(self):
        return f"{self.status} {self.role:>16} {self.url}  {self.error}"


@dataclass
class Report:
    requests: int = 0
    urls: set = field(default_factory=set)
    rules: set = field(default_factory=set)
    failures: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)  # response code -> count
    renderings: dict = field(default_factory=dict)  # (role, url) -> (endpoint, `rendering`) of each page read
    forms: list = field(default_factory=list)  # (role, client, url, form): forms.Shown's

    def add(self, role: str, url: str, endpoint: str | None, code: int, error: str = "") -> None:
        self.requests += 1
        self.urls.add(url)
        if endpoint:
            self.rules.add(endpoint)
        self.statuses[code] = self.statuses.get(code, 0) + 1
        if code >= 500 or error:
            self.failures.append(Failure(role, url, code, error))


def _table_of(arg: str) -> str:
    table = ARG_TABLES.get(arg) or arg.removesuffix("_id")
    if table not in db.metadata.tables:
        raise AssertionError(f"the crawler cannot tell which table the path argument {arg!r} names: "
                             f"add it to ARG_TABLES in tests/world/crawl.py")
    return table


def _model_of(table: str):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table:
            return mapper.class_
    raise AssertionError(f"no model for table {table}")


def _ids(table: str) -> list[int]:
    return statuses.sample_ids(_model_of(table))


def _pairs(first: str, second: str) -> list[tuple]:
    """Rows for two id arguments, the second within the first (a milestone of its contract)."""
    query = PAIR_QUERIES.get((first, second))
    if query is None:
        table = _table_of(second)
        columns = {c.name for c in db.metadata.tables[table].columns}
        if first in columns:  # the child names its parent: milestone.contract_id
            query = f"SELECT {first}, id FROM {table}"
        else:  # a table naming both: bid(tender_id, organization_id)
            holders = [t for t in db.metadata.sorted_tables if {first, second} <= {c.name for c in t.columns}]
            if not holders:
                raise AssertionError(f"the crawler cannot pair {first} with {second}: add a PAIR_QUERIES line")
            query = f"SELECT {first}, {second} FROM {holders[0].name}"
    rows = db.session.execute(text(query + " ORDER BY 2")).all()
    wanted = set(_ids(_table_of(second)))
    chosen = [tuple(r) for r in rows if r[1] in wanted] or [tuple(r) for r in rows[:3]]
    if chosen:  # and one mismatched pair: a child under somebody else's parent must be a 404
        parents = {r[0] for r in rows}
        stranger = next((p for p in sorted(parents) if p != chosen[0][0]), None)
        if stranger is not None:
            chosen.append((stranger, chosen[0][1]))
    return chosen


def _string_values(app, endpoint: str, arg: str) -> list[str]:
    if arg == "ocid":
        prefix = app.config["OCDS_OCID_PREFIX"]
        return [f"{prefix}-tender-{i}" for i in _ids("tender")] + [f"{prefix}-entrusted-{i}" for i in _ids(
            "entrusted_agreement")] + [f"{prefix}-tender-x", f"{prefix}-entrusted-0", "nothing"]
    if arg == "name":
        from market.transparency.datasets import DATASETS

        return sorted(DATASETS) + ["nothing"]
    if arg == "token":
        return ["not-a-token"]
    if arg == "service_request_id":  # Open311's, a string by the standard
        return [str(i) for i in _ids("problem")] + ["x", "0"]
    if arg == "code":  # an Open311 service
        from market.grid.categories import CATEGORIES

        return sorted(CATEGORIES) + ["nothing"]
    raise AssertionError(f"the crawler has no values for {endpoint}'s argument {arg!r}")


def targets(app) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET rule, with real ids."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        converters = rule._converters
        ints = [a for a, c in converters.items() if isinstance(c, IntegerConverter)]
        choices = {a: sorted(c.items) for a, c in converters.items() if isinstance(c, AnyConverter)}
        strings = [a for a in converters if a not in ints and a not in choices]
        combos = [{}]
        if "scope" in choices:  # a choice that decides the next id's table
            combos = [{"scope": s, "scope_id": i} for s in choices.pop("scope")
                      for i in _ids(SCOPE_TABLES.get(s, s))]
            ints.remove("scope_id")
        for arg, items in choices.items():
            combos = [{**c, arg: item} for c in combos for item in items]
        if len(ints) == 1:
            combos = [{**c, ints[0]: i} for c in combos for i in _ids(_table_of(ints[0]))]
        elif len(ints) == 2:
            combos = [{**c, ints[0]: a, ints[1]: b} for c in combos for a, b in _pairs(*ints)]
        elif ints:
            raise AssertionError(f"the crawler does not yet combine three ids ({rule.rule})")
        for arg in strings:
            combos = [{**c, arg: v} for c in combos for v in _string_values(app, rule.endpoint, arg)]
        with app.test_request_context():
            from flask import url_for

            for values in combos:
                found.append((rule.endpoint, url_for(rule.endpoint, **values)))
    return sorted(set(found))


# What a page is, laid out: the site's header and its main part, as the server sent them, without what
# changes on every request or page but never how it lays out or reads (the values of the CSRF and
# one-time tokens, of the address a language switch returns to; and which choices are made: CHOSEN).
# The footer never changes.
PARTS = re.compile(r"<header\b.*?</header>|<main\b.*?</main>", re.S)
CHANGING = re.compile(r'(<input\b[^>]*?\bname="(?:[\w-]+-)?(?:csrf_token|once|next)"[^>]*?\bvalue=")[^"]*"')
# Which choice of a control is made: a list filtered by each of its choices is the same form around
# other rows (a select is as wide as its widest choice, whichever is chosen), so the choice is left out.
CHOICE = re.compile(r"<(?:option|input)\b[^>]*>")
CHOSEN = re.compile(r'\s(?:selected|checked)(?:="[^"]*")?(?=[\s/>])')


def _unchosen(part: str) -> str:
    return CHOICE.sub(lambda tag: CHOSEN.sub("", tag.group(0)), CHANGING.sub(r'\1"', part))


def rendering(html: str) -> tuple[bytes, ...]:
    """A page's parts, each as a digest: its header and main part, or the whole of a page not built on
    the site's layout (a printable contract)."""
    parts = PARTS.findall(html)
    return tuple(hashlib.sha1(_unchosen(part).encode()).digest() for part in (parts if len(parts) == 2 else [html]))


class _Links(HTMLParser):
    """Links with a query string, and GET forms filled with each of their choices."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base
        self.found = set()
        self.form = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "?" in (attrs.get("href") or ""):
            self.found.add(urljoin(self.base, attrs["href"]))
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.form = {"action": urljoin(self.base, attrs.get("action") or self.base), "fields": {}, "choices": {}}
        elif self.form is not None and tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self.form["choices"].setdefault(attrs["name"], []).append(attrs.get("value") or "on")
            elif kind != "submit":
                self.form["fields"][attrs["name"]] = attrs.get("value") or ""
        elif self.form is not None and tag == "select" and attrs.get("name"):
            self.select = attrs["name"]
            self.form["choices"].setdefault(self.select, [])
        elif self.form is not None and tag == "option" and self.select:
            self.form["choices"][self.select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form" and self.form is not None:
            fields, action = self.form["fields"], self.form["action"]
            self.found.add(f"{action.split('?')[0]}?{urlencode(fields)}")
            for name, values in self.form["choices"].items():  # each choice once, the rest as they stand
                for value in values:
                    self.found.add(f"{action.split('?')[0]}?{urlencode({**fields, name: value})}")
            self.form = None


def links_with_queries(url: str, html: str) -> set[str]:
    parser = _Links(url)
    parser.feed(html)
    result = set()
    for link in parser.found:
        parts = urlsplit(link)
        if parts.netloc not in ("", "localhost") or not parts.query:
            continue
        query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
        result.add(f"{parts.path}?{query}")
    return result


def crawl(app, clients: dict, urls: list[tuple[str, str]], report: Report, follow_queries: bool = True,
          read=None) -> None:
    """Request each url as each role; then each query string the pages offered, as the role shown it.
    `read(role, url, html)`, if given, reads each page of `urls` as well (the forms they show)."""
    adapter = app.url_map.bind("localhost")
    discovered = {}
    for role, client in clients.items():
        for endpoint, url in urls:
            code, body, error = _get(client, url)
            report.add(role, url, endpoint, code, error)
            if code == 200 and body is not None:
                report.renderings[(role, url)] = (endpoint, rendering(body))
                if read is not None:
                    read(role, url, body)
                if follow_queries:
                    for link in links_with_queries(url, body):
                        discovered.setdefault(link, role)
    for link, role in sorted(discovered.items()):
        if link in report.urls:
            continue
        try:
            endpoint = adapter.match(urlsplit(link).path, method="GET")[0]
        except Exception:  # a link to a POST-only rule or elsewhere: not this crawler's business
            continue
        if endpoint in SKIPPED_ENDPOINTS:
            continue
        code, body, error = _get(clients[role], link)
        report.add(role, link, endpoint, code, error)
        if code == 200 and body is not None:
            report.renderings[(role, link)] = (endpoint, rendering(body))


def _get(client, url: str):
    try:
        response = client.get(url)
        data = response.get_data()  # a streamed download fails while it is read, so read it all
        response.close()
    except Exception as exc:  # TESTING propagates the server's exception: keep where it was raised
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "/market/" in f.filename or "/templates/" in f.filename] or frames
        where = f"{ours[-1].filename.split('/work/main/')[-1]}:{ours[-1].lineno}"
        return 500, None, f"{type(exc).__name__}: {str(exc)[:200]} at {where}"
    body = data.decode() if response.mimetype == "text/html" else None
    if body is not None and "%%" in body:  # a translation's escaped percent that nothing formatted
        at = body.index("%%")
        return response.status_code, body, f"“%%” on the page: …{body[max(0, at - 60):at + 10]}…"
    return response.status_code, body, ""


