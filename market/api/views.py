"""Thin JSON views over the services. Every /api request is counted against its caller's limit
(a token's, or the address's without one); errors are JSON too. Token pages are for signed-in people."""
from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.api import services
from market.api.forms import TokenForm
from market.api.openapi import document
from market.audit import chain
from market.core.errors import ServiceError
from market.core.forms import ConfirmedForm, ConfirmForm, flash_refusal
from market.core.page_cache import cached_page
from market.core.pagination import pages_of
from market.core.params import bounded_int
from market.search import services as search
from market.transparency import ocds
from market.transparency.datasets import DATASETS

bp = Blueprint("api", __name__, url_prefix="/api")
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


def error(message: str, status: int, field: str | None = None, code: str = "refused"):
    """An error answer: the words for a person, and the code (a stable name of the rule) for a program."""
    return jsonify(error=message, field=field, code=code), status


@bp.before_request
def count_and_authenticate():
    header = request.headers.get("Authorization", "")
    token = None
    if header:
        scheme, _sep, value = header.partition(" ")
        token = services.authenticate(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return error(_("The API token is not valid or was revoked."), 401, code="token_not_valid")
    caller = f"token:{token.id}" if token else f"ip:{request.remote_addr or '-'}"
    g.allowance = services.count_request(caller, token)
    if g.allowance.exceeded:
        response = error(_("Too many requests; try again in %(n)s seconds.", n=g.allowance.reset_seconds), 429,
                         code="too_many_requests")[0]
        response.status_code = 429
        response.headers["Retry-After"] = str(g.allowance.reset_seconds)
        return response


@bp.after_request
def rate_headers(response):
    allowance = g.get("allowance")
    if allowance is not None:
        response.headers["X-RateLimit-Limit"] = str(allowance.limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, allowance.remaining))
        response.headers["X-RateLimit-Reset"] = str(allowance.reset_seconds)
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


def _page_args(default: int = 20, most: int = 100) -> tuple[int, int]:
    return max(1, request.args.get("page", 1, type=bounded_int)), min(
        most, max(1, request.args.get("per_page", default, type=bounded_int))
    )


def _links(page, endpoint: str, **values) -> dict:
    links = {}
    if page.has_next:
        links["next"] = url_for(endpoint, page=page.next_num, per_page=page.per_page, _external=True, **values)
    if page.has_prev:
        links["prev"] = url_for(endpoint, page=page.prev_num, per_page=page.per_page, _external=True, **values)
    return links


def _paged(page, items: list, endpoint: str, **values) -> dict:
    # total_capped: there are more than `total` rows (counting stops there); follow links.next
    return {"page": page.page, "per_page": page.per_page, "total": page.total, "total_capped": page.capped,
            "items": items, "links": _links(page, endpoint, **values)}


@bp.route("/openapi.json")
@cached_page
def openapi():
    return jsonify(document(request.host_url.rstrip("/")))


@bp.route("/search")
@cached_page
def search_hits():
    query = request.args.get("q", "")
    page, per_page = _page_args()
    try:
        results = search.search(query, search.parse_filters(request.args), page, per_page)
    except ServiceError as failure:
        return error(failure.message, 400, failure.field, failure.code)
    return jsonify(query=query, total=results.total, total_capped=results.capped, page=results.page,
                   per_page=results.per_page,
                   exact=results.exact, words=results.words, left_out=list(results.left_out), facets=results.facets,
                   hits=[{"kind": r.hit.kind, "id": r.hit.record_id, "title": r.hit.title, "score": r.hit.score,
                          "matched": r.hit.matched, "url": r.url} for r in results.items])


@bp.route("/v1/datasets")
@cached_page
def datasets():
    return jsonify([{"name": d.name, "title": str(d.title), "description": str(d.description),
                     "url": url_for("api.dataset", name=d.name, _external=True),
                     "csv": url_for("transparency.dataset_csv", name=d.name, _external=True),
                     "columns": [{"name": c.name, "type": c.type, "nullable": c.nullable} for c in d.columns]}
                    for d in DATASETS.values()])


@bp.route("/v1/datasets/<name>")
@cached_page
def dataset(name: str):
    found = DATASETS.get(name)
    if found is None:
        return error(_("There is no such dataset."), 404, "name", code="no_such_dataset")
    page, per_page = _page_args()
    rows = pages_of(found.select(), page, per_page, rows=True)
    return jsonify(_paged(rows, [found.as_json(r) for r in rows.items], "api.dataset", name=name))


@bp.route("/audit/events")
@cached_page
def audit_events():
    page, per_page = _page_args()
    events = pages_of(chain.public_events_select(), page, per_page)
    head = chain.head()
    items = [{"seq": e.seq, "at": e.at.isoformat(timespec="microseconds"), "action": e.action,
              "subject_type": e.subject_type, "subject_id": e.subject_id, "actor_id": e.actor_id, "public": e.public,
              "payload": e.payload, "prev_hash": e.prev_hash, "hash": e.hash} for e in events.items]
    return jsonify({**_paged(events, items, "api.audit_events"),
                    "head": {"seq": head.seq, "hash": head.hash} if head else None})


def _exact_json(value, status: int = 200):
    return Response(ocds.dumps(value), status=status, mimetype="application/json")


def _process_page():
    """A page of the public contracting processes, as (kind, id) rows; `ocds.processes_of` loads them."""
    page, per_page = _page_args()
    return pages_of(ocds.public_processes_select(), page, per_page, rows=True)


@bp.route("/ocds/releases.json")
@cached_page
def ocds_releases():
    page = _process_page()
    package = ocds.release_package(ocds.processes_of(page.items), request.full_path)
    links = _links(page, "api.ocds_releases")
    return _exact_json({**package, **({"links": links} if links else {})})


@bp.route("/ocds/records.json")
@cached_page
def ocds_records():
    page = _process_page()
    package = ocds.record_package(ocds.processes_of(page.items), request.full_path)
    links = _links(page, "api.ocds_records")
    return _exact_json({**package, **({"links": links} if links else {})})


@bp.route("/ocds/records/<ocid>.json")
@cached_page
def ocds_record(ocid: str):
    process = ocds.process_of_ocid(ocid)
    if process is None:
        return error(_("There is no public contracting process with this ocid."), 404, "ocid", code="no_such_process")
    return _exact_json(ocds.record_package([process], request.path))


# --- tokens (pages for people) ------------------------------------------------------------------------

@tokens_bp.route("", methods=["GET", "POST"])
@login_required
def tokens():
    form, new_token = TokenForm(), None
    if form.validate_on_submit():
        try:
            _record, new_token = services.create_token(current_user, form.name.data)
        except ServiceError as failure:
            flash_refusal(failure)
    return render_template("api/tokens.html", form=form, tokens=services.tokens_of(current_user),
                           new_token=new_token, confirm_form=ConfirmForm())


@tokens_bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    form = ConfirmedForm()
    if not form.validate_on_submit():
        if form.confirmed.errors:  # the box was not ticked: say so on the tokens page
            flash(form.confirmed.errors[0], "error")
            return redirect(url_for("api_tokens.tokens"))
        abort(400)
    try:
        services.revoke_token(current_user, token_id)
        flash(_("The token is revoked; integrations using it now get 401."), "success")
    except ServiceError as failure:
        flash_refusal(failure)
    return redirect(url_for("api_tokens.tokens"))
