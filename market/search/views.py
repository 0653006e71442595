"""The search page; `/api/search` (the same search as JSON) is in the API area."""
from urllib.parse import urlencode

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.core.errors import ServiceError
from market.core.page_cache import cached_page
from market.core.params import bounded_int
from market.organizations.services import category_choices
from market.places import services as places
from market.search import documents, services

bp = Blueprint("search", __name__)


@bp.route("/search")
@cached_page
def search_page():
    query = request.args.get("q", "")
    results = None
    try:
        filters = services.parse_filters(request.args)
        if query.strip():
            results = services.search(query, filters, request.args.get("page", 1, type=bounded_int))
        elif "q" in request.args:  # the form sent empty
            flash(_("Type what you are looking for, for example 老人助餐 or 孩子心理辅导."), "error")
    except ServiceError as error:
        flash(str(error), "error")
    categories, districts = category_choices(), places.district_choices()
    return render_template(
        "search/search.html", query=query, results=results, kinds=documents.KINDS,
        facets=facet_groups(results.facets, request.args, categories, districts) if results else [],
        kind_choices=[(name, kind.label) for name, kind in documents.KINDS.items()],
        category_choices=categories, districts=districts, streets=places.street_choices(),
        statuses=services.status_choices(), grades=[(g, f"{g}A") for g in range(5, 0, -1)])


FACET_LABELS = {"kind": _l("Kind"), "category": _l("Category"), "district": _l("District"), "status": _l("Status"),
                "grade": _l("Grade")}
# choosing a district drops a street or community chosen; another kind drops a status (each kind has its own)
NARROWER = {"district": ("street", "community"), "kind": ("status",)}


def facet_groups(facets: dict, args, categories, districts) -> list[dict]:
    """The result counts by kind, category, district, status and grade, as links that narrow the
    search to a value (or widen it again); statuses are shown once a kind is chosen, since each kind
    names its own. `categories` and `districts`: (id, name) choices."""
    names = {"kind": {k: kind.label for k, kind in documents.KINDS.items()},
             "category": {str(i): name for i, name in categories},
             "district": {str(i): name for i, name in districts},
             "status": services.status_labels(args.get("kind")),
             "grade": {str(g): f"{g}A" for g in range(1, 6)}}
    page = url_for("search.search_page")  # each link is this page with other arguments

    def link(arguments: dict) -> str:
        return f"{page}?{urlencode(arguments)}" if arguments else page

    groups = []
    for facet, counts in facets.items():
        values = [(value, names[facet][value], n) for value, n in counts.items() if value in names[facet]]
        if not values:
            continue
        chosen = args.get(facet) or None
        kept = {k: v for k, v in args.items() if k not in ("page", facet, *NARROWER.get(facet, ()))}
        groups.append({"name": facet, "label": FACET_LABELS[facet], "chosen": chosen, "widen": link(kept),
                       "values": [{"text": text, "count": n, "chosen": value == chosen,
                                   "url": link({**kept, facet: value})}
                                  for value, text, n in sorted(values, key=lambda v: -v[2])]})
    return groups
