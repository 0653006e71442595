"""Thin JSON views over the services; errors are JSON too."""
from flask import Blueprint, jsonify, request

from market.core.errors import ServiceError
from market.search import services as search

bp = Blueprint("api", __name__, url_prefix="/api")


def bad_request(error: ServiceError):
    return jsonify(error=error.message, field=error.field), 400


@bp.route("/search")
def search_hits():
    query = request.args.get("q", "")
    try:
        results = search.search(query, search.parse_filters(request.args), request.args.get("page", 1, type=int),
                                min(100, max(1, request.args.get("per_page", 20, type=int))))
    except ServiceError as error:
        return bad_request(error)
    return jsonify(query=query, total=results.total, page=results.page, per_page=results.per_page,
                   hits=[{"kind": r.hit.kind, "id": r.hit.record_id, "title": r.hit.title, "score": r.hit.score,
                          "url": r.url} for r in results.items])
