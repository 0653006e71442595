"""The grid ledger's pages: a leader's short form for a phone, the ledger, each problem's page with
its public timeline and the one task its reader may do next (each task a page of its own), a
community's grids and buildings, and the district's dispatch rules."""
from flask import (
    Blueprint,
    abort,
    jsonify,
    make_response,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from market.core import uploads
from market.core.errors import PermissionDenied, ServiceError
from market.core.forms import ConfirmForm, options, run_action, run_form, task_refused
from market.core.pagination import paginate
from market.core.params import bounded_int
from market.core.tables import csv_response
from market.extensions import db
from market.grid import access, categories, charts, dispatch_rules, forms, grids, problems, rates, transfers
from market.grid.actions import NEED_MOVES, PROBLEM_ACTIONS
from market.grid.models import BODY_KINDS, LEVELS, PROBLEM_MACHINE, ProblemPhoto
from market.money.charts import svg_response
from market.needs import needs
from market.organizations import services as organizations
from market.places import services as places
from market.places.models import Community

bp = Blueprint("grid", __name__, url_prefix="/grid")

LABELS = {"categories": categories.CATEGORIES, "urgencies": categories.URGENCIES, "ratings": categories.RATINGS,
          "resolutions": categories.RESOLUTIONS, "channels": categories.CHANNELS, "body_kinds": BODY_KINDS,
          "levels": LEVELS, "machine": PROBLEM_MACHINE}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _recording_community() -> int | None:
    """The community a person records for: the one asked for, else their first."""
    mine = sorted(current_user.worker_community_ids() | access.led_communities(current_user))
    wanted = request.args.get("community", type=bounded_int)
    return wanted if wanted in mine else (mine[0] if mine else None)


@bp.route("/problems/new", methods=["GET", "POST"])
@login_required
def new_problem():
    community_id = _recording_community()
    if community_id is None:
        raise PermissionDenied(_("Only grid and building leaders and community workers record problems."))
    form = forms.ProblemForm()
    form.building_id.choices = options([(0, _("Not in a building (give the address)"))]
                                       + grids.building_choices(current_user, community_id))
    if request.method == "GET" and len(form.building_id.choices) == 2:
        form.building_id.data = form.building_id.choices[1].value

    def record():
        data = problems.ProblemData(
            community_id=community_id, building_id=form.building_id.data or None, address=form.address.data or "",
            category=form.category.data, urgency=form.urgency.data, summary=form.summary.data or "",
            description=form.description.data or "", channel=form.channel.data,
            reporter_email=form.reporter_email.data or "", reporter_name=form.reporter_name.data or "",
            reporter_phone=form.reporter_phone.data or "", latitude=_float(form.latitude.data),
            longitude=_float(form.longitude.data))
        return problems.record_problem(current_user, data, request.files.getlist(form.photos.name))

    done = run_form(form, record, _("Recorded. The community dispatches it to whoever answers for it."),
                    lambda problem: url_for("grid.problem", problem_id=problem.id))
    if done:
        return done
    page = make_response(render_template("grid/problem_form.html", form=form,
                                         community=db.session.get(Community, community_id)))
    # this page may ask for the phone's position (the leader's browser asks them first); others may not
    page.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)"
    return page


@bp.route("/problems")
def ledger():
    args = request.args
    community_id = args.get("community", type=bounded_int)
    status = args.get("status") if args.get("status") in PROBLEM_MACHINE.transitions else None
    category = args.get("category") if args.get("category") in categories.CATEGORIES else None
    signed_in = current_user.is_authenticated
    statement = problems.ledger_select(
        community_id, status, category, overdue=bool(args.get("overdue")), to_dispatch=bool(args.get("to_dispatch")),
        recorded_by=current_user if args.get("mine") and signed_in else None,
        followed_by=current_user if args.get("followed") and signed_in else None)
    return render_template("grid/ledger.html", page=paginate(statement), communities=problems.ledger_communities(),
                           statuses=[(s, PROBLEM_MACHINE.label(s)) for s in PROBLEM_MACHINE.transitions],
                           category_choices=categories.choices(), **LABELS)


@bp.route("/problems/<int:problem_id>")
def problem(problem_id: int):
    item = problems.get_problem(problem_id)
    return render_template("grid/problem.html", problem=item, steps=problems.timeline(item),
                           actions=PROBLEM_ACTIONS.of(current_user, item),
                           private=access.reads_private(current_user, item), confirm_form=ConfirmForm(),
                           late=problems.lateness(item), recorder=problems.public_name(item, item.recorded_by),
                           **LABELS)


@bp.route("/problems/<int:problem_id>/accept", methods=["POST"])
@login_required
def accept(problem_id: int):
    item = problems.get_problem(problem_id)
    return run_action(ConfirmForm(), lambda: problems.accept(current_user, item),
                      _("Accepted: record progress as you go, and close it when it is done."),
                      url_for("grid.problem", problem_id=problem_id))


TASKS = {
    "dispatch": (forms.DispatchForm, _l("Dispatch the problem"), _l("Dispatched.")),
    "return": (forms.ReturnForm, _l("Send the problem back"), _l("Sent back to be dispatched again.")),
    "progress": (forms.ProgressForm, _l("Record progress"), _l("Progress recorded.")),
    "close": (forms.CloseForm, _l("Close the problem"),
              _l("Closed. The resident is asked whether they are satisfied.")),
    "rate": (forms.RateForm, _l("Rate the result"), _l("Thank you: the rating is recorded.")),
    "reopen": (forms.ReopenForm, _l("Reopen the problem"), _l("Reopened: it will be dispatched again.")),
    "to_need": (forms.ToNeedForm, _l("Turn the problem into a service need"),
                _l("It is a need of the community now: the resident follows it there.")),
}


@bp.route("/problems/<int:problem_id>/<any(dispatch, return, progress, close, rate, reopen, to_need):task>",
          methods=["GET", "POST"])
@login_required
def problem_task(problem_id: int, task: str):
    item = problems.get_problem(problem_id)
    form_class, title, success = TASKS[task]
    form = form_class()
    if request.method == "GET" and (refused := task_refused(PROBLEM_ACTIONS, current_user, item, task,
                                                            url_for("grid.problem", problem_id=problem_id))):
        return refused
    rule = None
    rule_body_missing = False
    if task == "dispatch":
        choices = problems.dispatch_choices(current_user, item)
        form.body.choices = options(choices)
        body, rule = problems.default_body(item)
        rule_body_missing = body is not None and body not in dict(choices)  # a company not serving it
        if request.method == "GET" and body is not None and not rule_body_missing:
            form.body.data = body
    if task == "to_need":
        form.category_id.choices = options(organizations.category_choices())
        if request.method == "GET":
            form.title.data, form.description.data = transfers.need_defaults(item)
    files = request.files.getlist("photos")
    run = {
        "dispatch": lambda: problems.dispatch(current_user, item, form.body.data or "", form.note.data or ""),
        "return": lambda: problems.send_back(current_user, item, form.reason.data or ""),
        "progress": lambda: problems.add_progress(current_user, item, form.text.data or ""),
        "close": lambda: problems.close(current_user, item, form.resolution.data or "", form.result.data or "",
                                        files),
        "rate": lambda: problems.rate(current_user, item, form.rating.data or "", form.note.data or ""),
        "reopen": lambda: problems.reopen(current_user, item, form.reason.data or ""),
        "to_need": lambda: transfers.problem_to_need(current_user, item, form.title.data or "",
                                                     form.description.data or "", form.category_id.data,
                                                     form.reason.data or ""),
    }[task]
    back = (lambda need: url_for("needs.show", need_id=need.id)) if task == "to_need" else \
        url_for("grid.problem", problem_id=problem_id)
    return run_form(form, run, str(success), back) or render_template(
        "grid/task.html", problem=item, form=form, title=title, task=task, rule=rule,
        rule_body=dispatch_rules.body_name(rule.body_kind, rule.body_id) if rule_body_missing else "",
        describe_time=dispatch_rules.describe_time, **LABELS)


@bp.route("/needs/<int:need_id>/to-problem", methods=["GET", "POST"])
@login_required
def need_to_problem(need_id: int):
    """A need that is a problem for the ledger after all: a community worker moves it there."""
    need = needs.get_need(current_user, need_id)
    if refused := task_refused(NEED_MOVES, current_user, need, "to_problem", url_for("needs.show", need_id=need_id)):
        return refused  # moved on meanwhile (merged, declined, moved): said on its page
    form = forms.ToProblemForm()
    form.building_id.choices = options([(0, _("Not in a building (give the address)"))]
                                       + grids.building_choices(current_user, need.community_id))
    if request.method == "GET":
        form.summary.data = need.title[:80]
    return run_form(form, lambda: transfers.need_to_problem(
        current_user, need, form.summary.data or "", form.category.data, form.urgency.data,
        form.building_id.data or None, form.address.data or "", form.reason.data or ""),
        _("Moved to the problem ledger: the community dispatches it from here."),
        lambda problem: url_for("grid.problem", problem_id=problem.id)) or render_template(
        "grid/need_to_problem.html", need=need, form=form)


@bp.route("/photos/<int:problem_photo_id>")
def photo(problem_photo_id: int):
    record = db.get_or_404(ProblemPhoto, problem_photo_id)
    return send_file(uploads.path_of(record.stored_name), mimetype=record.content_type)


# --- grids and buildings --------------------------------------------------------------------------

@bp.route("/communities/<int:community_id>", methods=["GET", "POST"])
def community_grids(community_id: int):
    community = places.community_with_parents(community_id)
    if community is None:
        abort(404)
    grid_list = grids.community_grids(community_id)
    manage = grids.may_manage(current_user, community_id)
    grid_form, building_form, leader_form = forms.GridForm(prefix="grid"), forms.BuildingForm(prefix="building"), \
        forms.LeaderForm(prefix="leader")
    import_form, report = forms.GridsImportForm(prefix="import"), None
    building_form.grid_id.choices = options([(g.id, g.name) for g in grid_list])
    leader_form.place.choices = options(
        [(f"grid:{g.id}", g.name) for g in grid_list]
        + [(f"building:{b.id}", f"{g.name} {b.name}") for g in grid_list for b in g.buildings])
    back = url_for("grid.community_grids", community_id=community_id)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied(_("Only a community worker of this community defines its grids and buildings."))
        sent = request.form.get("form")
        done = None
        if sent == "grid":
            done = run_form(grid_form, lambda: grids.add_grid(current_user, community_id, grid_form.name.data or ""),
                            _("Grid added."), back)
        elif sent == "building":
            done = run_form(building_form, lambda: grids.add_building(
                current_user, grids.get_grid(building_form.grid_id.data), building_form.building_name.data or "",
                building_form.address.data or ""), _("Building added."), back)
        elif sent == "leader":
            def appoint():
                kind, _sep, raw = (leader_form.place.data or "").partition(":")
                if kind == "grid":
                    return grids.appoint(current_user, leader_form.email.data or "", grid=grids.get_grid(int(raw)))
                if kind == "building":
                    return grids.appoint(current_user, leader_form.email.data or "",
                                         building=grids.get_building(int(raw)))
                raise ServiceError(_("Choose a grid or a building."), field="place")
            done = run_form(leader_form, appoint, _("Leader appointed."), back)
        elif sent == "import":
            def load():
                nonlocal report
                upload = import_form.file.data
                report = grids.import_sheet(current_user, community_id, upload.filename or "", upload.read())
                if report.errors:  # nothing is kept: the page lists every error
                    raise ServiceError(_("Nothing was imported: correct the rows below and import the file again."))
                return report
            done = run_form(import_form, load, _("Imported: the grids and buildings below are the sheet's."), back)
        if done:
            return done
    return render_template("grid/community.html", community=community, grids=grid_list, manage=manage,
                           leaders=grids.leaders_of(community_id), grid_form=grid_form, building_form=building_form,
                           leader_form=leader_form, import_form=import_form, report=report)


# --- dispatch rules -------------------------------------------------------------------------------

@bp.route("/rules", methods=["GET", "POST"])
def rules():
    district_id = request.args.get("district", type=bounded_int)
    form = forms.RuleForm()
    districts = places.district_choices()
    form.district_id.choices = options(districts)
    manageable = [d for d, _name in districts if dispatch_rules.may_manage(current_user, d)]
    form.body.choices = options(dispatch_rules.rule_body_choices(manageable))
    if request.method == "POST":
        if not current_user.is_authenticated or not form.district_id.data or not dispatch_rules.may_manage(
                current_user, form.district_id.data):
            raise PermissionDenied(_("Only civil affairs or the district's staff set its dispatch rules."))

        def add():
            kind, _sep, raw = (form.body.data or "").partition(":")
            return dispatch_rules.add_rule(current_user, dispatch_rules.RuleData(
                district_id=form.district_id.data, category=form.category.data, effective_from=form.effective_from.data,
                effective_until=form.effective_until.data, body_kind=kind,
                body_id=int(raw) if raw.isdigit() else None, respond_hours=form.respond_hours.data,
                urgent_amount=form.urgent_amount.data, urgent_unit=form.urgent_unit.data,
                normal_amount=form.normal_amount.data, normal_unit=form.normal_unit.data))

        done = run_form(form, add, _("The rule is saved."),
                        lambda rule: url_for("grid.rules", district=rule.district_id))
        if done:
            return done
    return render_template("grid/rules.html", page=paginate(dispatch_rules.rules_select(district_id)), form=form,
                           end_form=forms.EndRuleForm(),
                           manageable=manageable, districts=districts, district_id=district_id,
                           describe_time=dispatch_rules.describe_time, body_name=dispatch_rules.body_name, **LABELS)


@bp.route("/rules/<int:rule_id>/end", methods=["POST"])
@login_required
def end_rule(rule_id: int):
    rule = dispatch_rules.get_rule(rule_id)
    form = forms.EndRuleForm()
    return run_action(form, lambda: dispatch_rules.end_rule(current_user, rule, form.until.data),
                      _("The version now ends on that day: the next one may start then."),
                      url_for("grid.rules", district=rule.district_id))


# --- the three rates ------------------------------------------------------------------------------

def _month_and_grouping():
    month = rates.month_of(request.args.get("month"))
    grouping = request.args.get("by") if request.args.get("by") in rates.GROUPINGS else "street"
    return month, grouping


@bp.route("/rates")
def rates_page():
    month, grouping = _month_and_grouping()
    return render_template("grid/rates.html", rows=rates.monthly(month, grouping), month=month, grouping=grouping,
                           months=rates.months_with_problems(), groupings=rates.GROUPINGS, labels=rates.LABELS,
                           definitions={rate: _definition(rate) for rate in rates.RATES})


@bp.route("/rates.svg")
def rates_chart():
    month, grouping = _month_and_grouping()
    title = _("%(month)s, by %(grouping)s", month=month.strftime("%Y-%m"), grouping=rates.GROUPINGS[grouping])
    return svg_response(charts.rates_chart(rates.monthly(month, grouping), title))


@bp.route("/rates.<any(csv, json):fmt>")
def rates_data(fmt: str):
    """The month's rates by community, street and responsible body, as open data: human headers in
    the reader's language, counts beside each rate so anyone can redo the sums."""
    month, _grouping = _month_and_grouping()
    heading = [_("Month"), _("Grouped by"), _("Rank"), _("Name"), _("Dispatches counted"), _("Answered in time"),
               _("Response rate (%)"), _("Problems first dispatched"), _("Resolved"), _("Resolution rate (%)"),
               _("Problems rated"), _("Satisfied or fairly satisfied"), _("Satisfaction rate (%)")]
    rows = [[month.strftime("%Y-%m"), str(rates.GROUPINGS[grouping]), r.rank, r.name, r.dispatched,
             r.answered_in_time, r.response, r.handled, r.resolved, r.resolution, r.rated, r.satisfied,
             r.satisfaction] for grouping in rates.GROUPINGS for r in rates.monthly(month, grouping)]
    if fmt == "csv":
        return csv_response(f"market-problem-rates-{month.strftime('%Y-%m')}.csv", heading, rows)
    return jsonify({"month": month.strftime("%Y-%m"), "definitions": {k: _definition(k) for k in rates.RATES},
                    "rows": [dict(zip(heading, row, strict=True)) for row in rows]})


def _definition(rate: str) -> str:
    return {"response": _("Of the problems dispatched in the month that were answered or whose time to answer has "
                          "passed, the share accepted or sent back within that time."),
            "resolution": _("Of the problems first dispatched in the month, the share closed as resolved. A problem "
                            "still open, or closed without a solution, counts against: solved, not merely closed. One "
                            "turned into a service need is not counted."),
            "satisfaction": _("Of the ratings residents gave in the month, the share “satisfied” or “fairly "
                              "satisfied”. A problem rated, reopened and rated again counts each time.")}[rate]
