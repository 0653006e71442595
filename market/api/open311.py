"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the grid ledger, at /open311/v2/:
discovery, services (the ledger's categories), a service definition (its urgency attribute),
requests (POST to report one with an API key; GET with the standard's filters) and one request, in
XML (the standard's default) and JSON. A request is a problem of the ledger: its reporter's name
and phone never appear."""
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from market import clock
from market.api import services
from market.core.errors import PermissionDenied, ServiceError
from market.extensions import csrf, db
from market.grid import access, categories, problems
from market.grid.models import DONE_STATUSES, ENDED_STATUSES, PROBLEM_MACHINE, Problem

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
BEIJING = timezone(timedelta(hours=8))
MOST = 1000  # requests answered by one GET, newest first (the standard leaves the limit to the server)
DEFAULT_DAYS = 90  # without dates, the last 90 days (the standard's suggestion)
# XML element names of each list's items (the standard's)
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}


class Refused(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


@bp.before_request
def count():
    g.allowance = services.count_request(f"ip:{request.remote_addr or '-'}")
    if g.allowance.exceeded:
        words = _("Too many requests; try again in %(n)s seconds.", n=g.allowance.reset_seconds)
        response = _answer("errors", [{"code": 429, "description": words}], _format(request.path), 429)
        response.headers["Retry-After"] = str(g.allowance.reset_seconds)
        return response


@bp.errorhandler(Refused)
def refused(error: Refused):
    return _answer("errors", [{"code": error.status, "description": error.description}], _format(request.path),
                   error.status)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Every other error of its views (a method the service lacks, a body too large) in the standard's shape."""
    return error_answer(error.code, error.name)


def error_answer(status: int, description: str):
    """An error in the standard's shape, in the format the path asks for: also for a path under
    /open311/ that no view answers (the app's error pages call this)."""
    return _answer("errors", [{"code": status, "description": description}], _format(request.path), status)


def _format(path: str) -> str:
    return "json" if path.endswith(".json") else "xml"


def _xml(parent, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _xml(element, ITEMS.get(name, "item"), item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml(element, key, inner)
    elif value is not None:
        element.text = str(value).lower() if isinstance(value, bool) else str(value)


def _answer(root: str, value, fmt: str, status: int = 200):
    """The standard's shapes: a JSON list (or object), or XML under `root` with one element per item."""
    if fmt == "json":
        response = jsonify(value)
        response.status_code = status
        return response
    element = ET.Element(root)
    if isinstance(value, list):
        for item in value:
            _xml(element, ITEMS.get(root, "item"), item)
    else:
        for key, inner in value.items():
            _xml(element, key, inner)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return Response(body, status=status, mimetype="text/xml")


def _when(moment: datetime | None) -> str | None:
    """W3C date and time in Beijing time, as the standard's examples give them."""
    return moment.replace(tzinfo=timezone.utc).astimezone(BEIJING).isoformat(timespec="seconds") if moment else None


def _service(code: str) -> dict:
    name, description = categories.CATEGORIES[code]
    return {"service_code": code, "service_name": str(name), "description": str(description), "metadata": True,
            "type": "realtime", "keywords": "", "group": ""}


@bp.route("/discovery.<any(json, xml):fmt>")
def discovery(fmt: str):
    return _answer("discovery", {
        "changeset": _when(datetime(2026, 12, 1, 6, 0)), "contact": current_app.config.get("MAIL_SENDER", ""),
        "key_service": url_for("api_tokens.tokens", _external=True),
        "endpoints": [{"specification": SPECIFICATION, "url": url_for("open311.service_list", fmt=fmt,
                                                                       _external=True).rsplit("/services", 1)[0],
                       "changeset": _when(datetime(2026, 12, 1, 6, 0)), "type": "production",
                       "formats": ["text/xml", "application/json"]}]}, fmt)


@bp.route("/services.<any(json, xml):fmt>")
def service_list(fmt: str):
    return _answer("services", [_service(code) for code in categories.CATEGORIES], fmt)


@bp.route("/services/<code>.<any(json, xml):fmt>")
def service_definition(code: str, fmt: str):
    if code not in categories.CATEGORIES:
        raise Refused(404, _("There is no service with this code."))
    return _answer("service_definition", {"service_code": code, "attributes": [{
        "variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
        "datatype_description": _("How urgent it is; normal if not given."), "order": 1,
        "description": _("How urgent"),
        "values": [{"key": key, "name": str(name)} for key, name in categories.URGENCIES.items()]}]}, fmt)


def _request(problem: Problem, moved: datetime | None) -> dict:
    """A problem as a service request: public fields only; its position to about 100 m (a leader's
    phone stands at a resident's door)."""
    closed = problem.status in ENDED_STATUSES
    photo = next(iter(problem.photos), None)
    where = " ".join(filter(None, [problem.community.full_name, problem.building.name if problem.building else "",
                                   problem.address]))
    return {
        "service_request_id": str(problem.id), "status": "closed" if closed else "open",
        "status_notes": problem.result if problem.status in DONE_STATUSES
        else str(PROBLEM_MACHINE.label(problem.status)),
        "service_name": categories.label(problem.category), "service_code": problem.category,
        "description": problem.summary + (f"\n{problem.description}" if problem.description else ""),
        "agency_responsible": problem.current_dispatch.body_name if problem.current_dispatch else "",
        "service_notice": "", "requested_datetime": _when(problem.created_at),
        "updated_datetime": _when(moved or problem.created_at),
        "expected_datetime": _when(problem.due_at), "address": where, "address_id": "", "zipcode": "",
        "lat": round(float(problem.latitude), 3) if problem.latitude is not None else None,
        "long": round(float(problem.longitude), 3) if problem.longitude is not None else None,
        "media_url": url_for("grid.photo", problem_photo_id=photo.id, _external=True) if photo else "",
    }


def _date(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Refused(400, _("%(name)s is not a W3C date and time, for example 2026-11-01T00:00:00+08:00.",
                             name=name)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _answer_requests(statement, fmt: str):
    found = db.session.scalars(statement.limit(MOST)).unique().all()
    moved = problems.last_moves([p.id for p in found]) if found else {}
    return _answer("service_requests", [_request(p, moved.get(p.id)) for p in found], fmt)


def _list(name: str) -> list[str]:
    return [part.strip() for part in request.args.get(name, "").split(",") if part.strip()]


@bp.route("/requests.<any(json, xml):fmt>", methods=["GET"])
def request_list(fmt: str):
    ids = _list("service_request_id")
    if ids:  # the other filters apply when no id is asked for (the standard)
        if not all(part.isdigit() and len(part) < 10 for part in ids):
            raise Refused(400, _("service_request_id is a list of numbers separated by commas."))
        return _answer_requests(problems.requests_select(ids=[int(part) for part in ids]), fmt)
    start, end = _date("start_date"), _date("end_date")
    if start is None and end is None:
        start = clock.now() - timedelta(days=DEFAULT_DAYS)
    statuses = set(_list("status"))
    if not statuses <= {"open", "closed"}:
        raise Refused(400, _("status is open or closed."))
    closed = None if len(statuses) != 1 else statuses == {"closed"}
    return _answer_requests(problems.requests_select(start=start, end=end, codes=_list("service_code"),
                                                     closed=closed), fmt)


@bp.route("/requests/<service_request_id>.<any(json, xml):fmt>")
def request_one(service_request_id: str, fmt: str):
    if not (service_request_id.isdigit() and len(service_request_id) < 10) or db.session.get(
            Problem, int(service_request_id)) is None:
        raise Refused(404, _("There is no service request with this id."))
    return _answer_requests(problems.requests_select(ids=[int(service_request_id)]), fmt)


@bp.route("/requests.<any(json, xml):fmt>", methods=["POST"])
@csrf.exempt  # an API key authenticates the caller, not a session
def create_request(fmt: str):
    """Report a problem with an API key (a Market API token): a verified resident's own problem in
    their community, or, for a grid or building leader's or a worker's app, one raised by a resident
    (first_name, last_name and phone are kept private; email is not kept)."""
    form = request.form
    token = services.authenticate(form.get("api_key", ""))
    if token is None or not token.user.active:
        raise Refused(403, _("The api_key is missing, not valid or revoked: ask for a Market API token."))
    person = token.user
    code = form.get("service_code", "")
    if code not in categories.CATEGORIES:
        raise Refused(400, _("service_code is missing or not one of the services."))
    lat, lng, address = form.get("lat"), form.get("long"), (form.get("address_string") or "").strip()
    if not (lat and lng) and not address:
        raise Refused(400, _("Give the position (lat and long) or an address_string."))
    try:
        latitude, longitude = (float(lat), float(lng)) if lat and lng else (None, None)
    except ValueError:
        raise Refused(400, _("lat and long are decimal degrees, for example 31.3216 and 120.6318.")) from None
    communities = sorted(person.worker_community_ids() | access.led_communities(person)
                         | ({person.residence.community_id} if person.is_verified_resident else set()))
    if not communities:
        raise Refused(403, _("This key's owner is neither a verified resident nor a grid leader, building leader or "
                             "community worker."))
    jurisdiction = form.get("jurisdiction_id", "")  # the community, for a key that serves several
    if jurisdiction:
        if not jurisdiction.isdigit() or int(jurisdiction) not in communities:
            raise Refused(400, _("jurisdiction_id is not one of the communities this key's owner serves or lives in."))
        community_id = int(jurisdiction)
    elif len(communities) == 1:
        community_id = communities[0]
    else:
        raise Refused(400, _("This key's owner serves several communities: give the community's id as "
                             "jurisdiction_id (%(ids)s).", ids=", ".join(str(c) for c in communities)))
    description = (form.get("description") or "").strip()
    first_line = description.split("\n", 1)[0][:80]
    summary = first_line if len(first_line) >= 4 else f"{categories.label(code)}：{first_line}".rstrip("：")
    name = " ".join(filter(None, [form.get("last_name", "").strip(), form.get("first_name", "").strip()]))
    data = problems.ProblemData(
        community_id=community_id, building_id=None, address=address or _("Position given by the app"),
        category=code, urgency=form.get("attribute[urgency]") or "normal", summary=summary,
        description=description[len(first_line):].strip(), channel="app", reporter_name=name,
        reporter_phone=(form.get("phone") or "").strip(), latitude=latitude, longitude=longitude)
    try:  # a refusal is an error answer: the request's unit of work keeps nothing (core/unit.py)
        problem = problems.record_problem(person, data)
    except PermissionDenied as denied:
        raise Refused(403, denied.message) from None
    except ServiceError as refusal:
        raise Refused(400, " ".join(e.message for e in getattr(refusal, "errors", [refusal]))) from None
    return _answer("service_requests", [{"service_request_id": str(problem.id), "service_notice": "",
                                         "account_id": ""}], fmt, 201)
