"""Searching: the query cut into words, filters checked, one backend asked, hits highlighted.
Knows nothing of requests; the page and the JSON endpoint both call `search`."""
import math
import re
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from market.contracts.models import CONTRACT_MACHINE
from market.core.errors import ServiceError
from market.needs.models import NEED_MACHINE, REQUEST_MACHINE
from market.philanthropy.models import PROPOSAL_MACHINE
from market.procurement.models import TENDER_MACHINE
from market.search import analysis, documents
from market.search.backends import Filters, Hit
from market.search.indexing import backend_of

MAX_QUERY = 200  # characters: a resident's whole question fits; its words past MAX_CONCEPTS are named
SNIPPET_CHARS = 90


@dataclass
class Result:
    hit: Hit
    words: list[str]

    @property
    def kind(self):
        return documents.KINDS[self.hit.kind]

    @property
    def url(self) -> str:
        return url_for(self.kind.endpoint, **{self.kind.id_arg: self.hit.record_id})

    @property
    def title_html(self) -> Markup:
        return highlight(self.hit.title, self.words)

    @property
    def snippet_html(self) -> Markup:
        return highlight(snippet(self.hit.body, self.words), self.words)


class ResultsPage:
    """A page of results with the attributes the pagination macro reads."""

    arg = "page"

    def __init__(self, items, total, page, per_page, words, concepts: int = 0, facets=None, capped=False,
                 left_out=()):
        self.items, self.total, self.page, self.per_page, self.words = items, total, page, per_page, words
        self.concepts = concepts  # how many concepts the query has
        self.facets = facets or {}  # facet → value → how many results have it
        self.capped = capped  # more results than were counted: the total and facets are of the first ones
        self.left_out = left_out  # words of a long query not searched for
        self.pages = max(1, math.ceil(total / per_page))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1

    @property
    def exact(self) -> bool:
        """Whether some result holds every word asked for (they rank first): if not, those shown are
        the closest."""
        return bool(self.items) and self.items[0].hit.matched >= self.concepts


def search(text: str, filters: Filters, page: int = 1, per_page: int | None = None) -> ResultsPage:
    backend = backend_of(current_app)
    if backend is None:
        raise ServiceError(_("Search is switched off on this site."), code="search_off")
    text = (text or "").strip()
    if len(text) > MAX_QUERY:
        raise ServiceError(_("Search for at most %(n)s characters.", n=MAX_QUERY), field="q", code="query_too_long")
    if filters.kind and filters.kind not in documents.KINDS:
        raise ServiceError(_("There is no such kind of result."), field="kind", code="no_such_kind")
    if filters.place and not re.fullmatch(r"[dsc][1-9][0-9]{0,9}", filters.place):
        raise ServiceError(_("There is no such place."), field="place", code="no_such_place")
    per_page = per_page or current_app.config["PER_PAGE"]
    page = max(1, page)
    query = analysis.parse(text, current_app.config.get("SEARCH_SYNONYMS_FILE"))
    if not query:
        raise ServiceError(_("These words are too common to search for. Name what you are looking for, for example "
                             "助餐 or 心理辅导."), field="q", code="query_without_words")
    found = backend.search(query, filters, page, per_page)
    last = max(1, math.ceil(found.total / per_page))
    if not found.hits and page > last:  # past the last page (an old link): the last page
        page = last
        found = backend.search(query, filters, page, per_page)
    words = query.words
    return ResultsPage([Result(hit, words) for hit in found.hits], found.total, page, per_page, words,
                       len(query.concepts), found.facets, found.capped, query.left_out)


def highlight(text: str, words: list[str]) -> Markup:
    """`text` escaped, with every run of query words marked (垃圾 and 分类 side by side: one mark)."""
    if not words:
        return escape(text)
    pattern = re.compile("(?:" + "|".join(re.escape(w) for w in words) + ")+", re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def snippet(body: str, words: list[str], width: int = SNIPPET_CHARS) -> str:
    """The part of `body` around the first query word, on one line."""
    flat = " ".join(body.split())
    lowered = flat.lower()
    found = [i for i in (lowered.find(w) for w in words) if i >= 0]
    start = max(0, min(found) - width // 3) if found else 0
    piece = flat[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def reindex(app, progress) -> int:
    """Rebuild the whole index from the database; returns the number of documents."""
    backend = backend_of(app)
    if backend is None:
        raise ServiceError(_("Search is switched off on this site."), code="search_off")
    return backend.rebuild(progress)


def parse_filters(values) -> Filters:
    """Filters from text values (a query string's, say); a bad value is refused by name."""
    def number(name: str, low: int = 1, high: int = 2**31 - 1) -> int | None:
        raw = (values.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ServiceError(_("“%(value)s” is not a valid choice here.", value=raw[:20]), field=name,
                               code="not_a_choice")
        return int(raw)

    community, street, district = number("community"), number("street"), number("district")
    place = f"c{community}" if community else f"s{street}" if street else f"d{district}" if district else None
    return Filters(kind=(values.get("kind") or "").strip() or None, category_id=number("category"), place=place,
                   status=(values.get("status") or "").strip()[:20] or None, grade=number("grade", 1, 5))


STATUS_MACHINES = {"need": NEED_MACHINE, "request": REQUEST_MACHINE, "tender": TENDER_MACHINE,
                   "contract": CONTRACT_MACHINE, "proposal": PROPOSAL_MACHINE}


def status_labels(kind: str | None) -> dict[str, str]:
    """The names of a kind's statuses ({} for none or a kind without a lifecycle of its own here)."""
    machine = STATUS_MACHINES.get(kind or "")
    return {status: machine.label(status) for status in machine.transitions} if machine else {}


def status_choices() -> dict:
    """Statuses to filter by, grouped by kind."""
    machines = STATUS_MACHINES
    hidden = {"tender": {"draft"}, "contract": {"draft", "cancelled"}, "proposal": {"submitted", "withdrawn"}}
    return {str(documents.KINDS[kind].label): [(status, machine.label(status)) for status in machine.transitions
                                               if status not in hidden.get(kind, ())]
            for kind, machine in machines.items()}
