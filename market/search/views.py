"""The search page; `/api/search` (the same search as JSON) is in the API area."""
from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _

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
    return render_template(
        "search/search.html", query=query, results=results, kinds=documents.KINDS,
        kind_choices=[(name, kind.label) for name, kind in documents.KINDS.items()],
        category_choices=category_choices(), districts=places.district_choices(), streets=places.street_choices(),
        statuses=services.status_choices(), grades=[(g, f"{g}A") for g in range(5, 0, -1)])
