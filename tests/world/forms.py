"""The POST forms the world's pages show, and who was shown them: read from the pages themselves
(as a browser sees them), so a new form is found without editing a test. The hostile-input test
fuzzes their fields; the double-sending test fills them in as a person would and sends each twice."""
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from conftest import FormClient
from market.demo.seed import DEMO_PASSWORD

# The roles whose pages are read for forms (the demo's people: each owns records in every status).
ROLES = ("civil_affairs", "purchaser", "owner", "worker", "resident", "evaluator", "incubator", "expert")
NOT_ACTIONS = ("/language", "/display", "/logout")  # forms that change nothing of record (a preference, a sign-out)


@dataclass
class Field:
    tag: str
    kind: str  # the input's type ("select", "textarea" for those tags)
    value: str
    options: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)


@dataclass
class PageForm:
    action: str  # absolute, on http://localhost
    fields: dict[str, Field] = field(default_factory=dict)
    submits: list[tuple[str, str]] = field(default_factory=list)  # named buttons, in order

    @property
    def path(self) -> str:
        return urlsplit(self.action).path

    def values(self) -> dict[str, str]:
        """The values the page gave its fields (a select: its first option)."""
        return {name: f.value if f.value or not f.options else f.options[0] for name, f in self.fields.items()}


class _PostForms(HTMLParser):
    def __init__(self, base: str):
        super().__init__()
        self.base, self.forms, self.form, self.select = base, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.form = PageForm(urljoin(self.base, attrs.get("action") or self.base))
            return
        if self.form is None:
            return
        name = attrs.get("name")
        kind = (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
        if tag in ("input", "button") and kind == "submit":
            if name:
                self.form.submits.append((name, attrs.get("value") or "y"))
        elif tag in ("input", "textarea") and name and kind != "file":
            if kind in ("checkbox", "radio"):
                found = self.form.fields.setdefault(name, Field(tag, kind, ""))
                found.options.append(attrs.get("value") or "y")
                if "checked" in attrs and not found.value:
                    found.value = attrs.get("value") or "y"
            else:
                self.form.fields.setdefault(name, Field(tag, kind if tag == "input" else "textarea",
                                                        attrs.get("value") or "", attrs=attrs))
        elif tag == "select" and name:
            self.select = name
            self.form.fields.setdefault(name, Field(tag, "select", "", attrs=attrs))
        elif tag == "option" and self.select:
            select = self.form.fields[self.select]
            select.options.append(attrs.get("value", ""))
            if "selected" in attrs and not select.value:
                select.value = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form" and self.form is not None:
            if self.form.action.startswith("http://localhost") and not any(p in self.form.action for p in NOT_ACTIONS):
                self.forms.append(self.form)
            self.form = None


def forms_on(url: str, html: str) -> list[PageForm]:
    parser = _PostForms("http://localhost" + url)
    parser.feed(html)
    return parser.forms


def signed_in(app, email: str) -> FormClient:
    client = FormClient(app.test_client())
    response = client.submit("/login", {"email": email, "password": DEMO_PASSWORD}, form_url="/login")
    assert response.status_code == 302, f"{email} could not sign in"
    return client


class Shown:
    """The forms shown to ROLES on the world's pages, read as the crawl reads each page: of each shape
    (its action and fields), the first shown, in the order of ROLES and then of the pages."""

    def __init__(self, urls):
        self.order = {url: position for position, (_endpoint, url) in enumerate(urls)}
        self.first = {}  # shape -> (rank, role, url, form)

    def read(self, role: str, url: str, html: str) -> None:
        if role not in ROLES:
            return
        rank = (ROLES.index(role), self.order[url])
        for form in forms_on(url, html):
            shape = (form.path, tuple(sorted(form.fields)))
            if shape not in self.first or rank < self.first[shape][0]:
                self.first[shape] = (rank, role, url, form)

    def forms(self, clients: dict) -> list[tuple[str, FormClient, str, PageForm]]:
        """(role, that role's client, page url, form), by action."""
        return sorted(((role, clients[role], url, form) for _rank, role, url, form in self.first.values()),
                      key=lambda f: (f[3].action, f[0]))
