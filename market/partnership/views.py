"""The pages of government–community partnership: the districts' two lists (public; drafted, imported
and published by civil affairs or the district's staff), admission requests and their decisions, and
reports of work pushed on communities without admission."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from market import clock
from market.contracts.models import CONTRACT_MACHINE, SIGNED_STATUSES
from market.core.errors import PermissionDenied
from market.core.forms import ConfirmedForm, fen_from, options, run_action, run_form, run_import, task_refused
from market.core.money import format_yuan
from market.core.pagination import paginate
from market.core.params import bounded_int
from market.money import services as money
from market.organizations import services as organizations
from market.partnership import admissions, agreements, list_files, lists, pushed, reviews
from market.partnership.actions import ADMISSION_ACTIONS, LIST_ACTIONS, PUSHED_ACTIONS
from market.partnership.forms import (
    AdmissionDecisionForm,
    AdmissionForm,
    AgreementForm,
    ListChangeForm,
    ListDraftForm,
    ListImportForm,
    PushedDecisionForm,
    PushedForm,
    year_review_form,
)
from market.partnership.models import (
    ADMISSION_MACHINE,
    FREQUENCIES,
    ITEM_KINDS,
    LIST_MACHINE,
    PUSHED_MACHINE,
    REVIEW_DIRECTIONS,
    REVIEW_ITEMS,
)
from market.places import services as places

bp = Blueprint("partnership", __name__, url_prefix="/partnership")
NOTE_WORDS = {"admitted": _l("Conditions:"), "refused": _l("Reason:"), "upheld": _l("Finding:"),
              "dismissed": _l("Finding:")}
LABELS = {"note_words": NOTE_WORDS, "list_machine": LIST_MACHINE, "admission_machine": ADMISSION_MACHINE,
          "pushed_machine": PUSHED_MACHINE, "kinds": ITEM_KINDS, "frequencies": FREQUENCIES}


@bp.route("/")
def index():
    districts = lists.districts_with_lists()
    return render_template(
        "partnership/index.html", districts=districts, drafts=lists.drafts_kept_by(current_user),
        counts=lists.item_counts(t.id for _d, t in districts if t),
        waiting=paginate(admissions.requests_select("submitted"), per_page=5),
        decided=paginate(admissions.requests_select().where(admissions.AdmissionRequest.status.in_(
            ("admitted", "refused"))), per_page=5, arg="decided"),
        may_keep=bool(_kept_districts()), **LABELS)


def _kept_districts() -> list[tuple[int, str]]:
    if not current_user.is_authenticated:
        return []
    return [(i, name) for i, name in places.district_choices() if current_user.sets_rules_of(i)]


@bp.route("/districts/<int:district_id>")
def district_lists(district_id: int):
    """The district's lists in force today (or, before any applies, the first to come)."""
    found = lists.in_force(district_id) or lists.coming(district_id)
    if found is None:
        abort(404, _("This district has published no lists yet."))
    return redirect(url_for("partnership.task_list", task_list_id=found.id))


@bp.route("/lists/new", methods=["GET", "POST"])
@login_required
def new_list():
    choices = _kept_districts()
    if not choices:
        raise PermissionDenied(_("Only civil affairs or a district's staff keep its two lists."))
    form = ListDraftForm()
    form.district_id.choices = options(choices)
    return run_form(
        form, lambda: lists.create_draft(current_user, form.district_id.data, form.title.data or "",
                                         form.source.data or "", form.effective_from.data),
        _("The new version is a draft with the items of the version before it: import its items, then publish it."),
        lambda task_list: url_for("partnership.task_list", task_list_id=task_list.id),
    ) or render_template("partnership/list_form.html", form=form)


@bp.route("/lists/<int:task_list_id>", methods=["GET", "POST"])
def task_list(task_list_id: int):
    record = lists.get_list(current_user, task_list_id)
    form = ListImportForm()
    report = None
    if LIST_ACTIONS.of(current_user, record).can("import_items"):
        report = run_import(form, lambda name, data: lists.import_items(current_user, record, name, data))
    items = record.items
    return render_template(
        "partnership/task_list.html", task_list=record, form=form, report=report,
        actions=LIST_ACTIONS.of(current_user, record), duties=[i for i in items if i.kind == "duty"],
        assistance=[i for i in items if i.kind == "assistance"], versions=lists.versions(record.district_id),
        history=LIST_MACHINE.history(record), **LABELS)


@bp.route("/lists/<int:task_list_id>/change", methods=["GET", "POST"])
@login_required
def change_list(task_list_id: int):
    record = lists.get_list(current_user, task_list_id)
    back = url_for("partnership.task_list", task_list_id=task_list_id)
    if refused := task_refused(LIST_ACTIONS, current_user, record, "change", back):
        return refused
    form = ListChangeForm(obj=record) if request.method == "GET" else ListChangeForm()
    return run_form(form, lambda: lists.change_draft(current_user, record, form.title.data or "",
                                                     form.source.data or "", form.effective_from.data),
                    _("The draft is saved."), back) or render_template(
        "partnership/list_form.html", form=form, task_list=record)


@bp.route("/lists/<int:task_list_id>/publish", methods=["POST"])
@login_required
def publish_list(task_list_id: int):
    record = lists.get_list(current_user, task_list_id)
    return run_action(ConfirmedForm(), lambda: lists.publish(current_user, record),
                      _("Published: the lists apply from %(day)s.", day=record.effective_from.isoformat()),
                      url_for("partnership.task_list", task_list_id=task_list_id))


@bp.route("/lists/<int:task_list_id>.<any(csv, xlsx):kind>")
def export_list(task_list_id: int, kind: str):
    record = lists.get_list(current_user, task_list_id)
    name = f"task-lists-{record.district_id}-v{record.version}.{kind}"
    data, mimetype = ((list_files.to_csv(record), "text/csv") if kind == "csv" else
                      (list_files.to_xlsx(record), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


# --- admission ---------------------------------------------------------------------------------

@bp.route("/admissions")
def admission_list():
    status = request.args.get("status") if request.args.get("status") in ADMISSION_MACHINE.transitions else None
    department_id = request.args.get("department", type=bounded_int)
    return render_template(
        "partnership/admissions.html", page=paginate(admissions.requests_select(status, department_id)),
        statuses=[(s, ADMISSION_MACHINE.label(s)) for s in ADMISSION_MACHINE.transitions],
        departments=admissions.departments_asking(),
        may_ask=current_user.is_authenticated and bool(current_user.department_ids()), **LABELS)


@bp.route("/admissions/new", methods=["GET", "POST"])
@login_required
def new_admission():
    departments = admissions.department_choices(current_user)
    if not departments:
        raise PermissionDenied(_("Only a department's staff ask admission for its work."))
    form = AdmissionForm()
    form.department_id.choices = options(departments)
    form.scope.choices = options(admissions.scope_choices(current_user))

    def submit():
        kind, _dash, number = (form.scope.data or "").partition("-")
        return admissions.submit(current_user, admissions.AdmissionData(
            department_id=form.department_id.data, street_id=int(number) if kind == "street" else None,
            community_id=int(number) if kind == "community" else None, title=form.title.data or "",
            reason=form.reason.data or "", frequency=form.frequency.data or "", staff_hours=form.staff_hours.data,
            money_offered=fen_from(form.money_offered.data, "money_offered")))

    return run_form(form, submit, _("Sent to civil affairs: the decision and its reason will be public."),
                    lambda found: url_for("partnership.admission", admission_request_id=found.id),
                    ) or render_template("partnership/admission_form.html", form=form)


@bp.route("/admissions/<int:admission_request_id>")
def admission(admission_request_id: int):
    found = admissions.get(admission_request_id)
    entrusted = agreements.agreements_seen_by(current_user, found)
    return render_template("partnership/admission.html", request_=found,
                           actions=ADMISSION_ACTIONS.of(current_user, found),
                           history=ADMISSION_MACHINE.history(found), agreements=entrusted,
                           show_agreements=found.status == "admitted" or bool(entrusted),
                           signed_count=sum(a.contract.status in SIGNED_STATUSES for a in entrusted),
                           community_count=len(agreements.communities_of(found)), contract_machine=CONTRACT_MACHINE,
                           **LABELS)


@bp.route("/admissions/<int:admission_request_id>/entrust", methods=["GET", "POST"])
@login_required
def entrust(admission_request_id: int):
    """Draft the agreement entrusting admitted work to one community's body."""
    found = admissions.get(admission_request_id)
    back = url_for("partnership.admission", admission_request_id=found.id)
    if request.method == "GET" and (refused := task_refused(ADMISSION_ACTIONS, current_user, found, "entrust", back)):
        return refused
    form = AgreementForm()
    if request.method == "GET":
        form.starts_on.data = form.starts_on.data or clock.today()
        form.price.data = form.price.data or format_yuan(found.money_offered)
    bodies = agreements.bodies_to_entrust(found)
    names = {c.id: c.name for c in agreements.communities_of(found)}
    form.organization_id.choices = options((o.id, f"{names[c]} · {o.name}") for o, c in bodies)
    form.category_id.choices = options(organizations.category_choices())

    def draft():
        return agreements.draft(current_user, found, agreements.AgreementData(
            organization_id=form.organization_id.data, category_id=form.category_id.data,
            price_fen=fen_from(form.price.data, "price"), starts_on=form.starts_on.data, months=form.months.data,
            standards=form.standards.data or ""))

    return run_form(form, draft, _("The agreement is drafted: both sides sign it here."),
                    lambda contract: url_for("contracts.show", contract_id=contract.id),
                    ) or render_template("partnership/entrust.html", form=form, request_=found,
                                         budget=money.available_budget(found.department_id), has_bodies=bool(bodies),
                                         **LABELS)


@bp.route("/admissions/<int:admission_request_id>/decide", methods=["GET", "POST"])
@login_required
def decide_admission(admission_request_id: int):
    found = admissions.get(admission_request_id)
    form = AdmissionDecisionForm()
    return _decision_page(
        ADMISSION_ACTIONS, found, url_for("partnership.admission", admission_request_id=admission_request_id),
        form, lambda: admissions.decide(current_user, found, form.decision.data == "admit", form.note.data or ""),
        _("The decision is recorded and public."), "partnership/decide.html", request_=found)


def _decision_page(actions, found, back: str, form, decide, success: str, template: str, **context):
    """A decision's own page: refused (or sent back, when someone decided first) unless the person may
    decide now; the decision recorded, or the form again with what is wrong."""
    if request.method == "GET" and (refused := task_refused(actions, current_user, found, "decide", back)):
        return refused
    return run_form(form, decide, success, back) or render_template(template, form=form, **context, **LABELS)


@bp.route("/admissions/<int:admission_request_id>/withdraw", methods=["POST"])
@login_required
def withdraw_admission(admission_request_id: int):
    found = admissions.get(admission_request_id)
    return run_action(ConfirmedForm(), lambda: admissions.withdraw(current_user, found), _("The request is withdrawn."),
                      url_for("partnership.admission", admission_request_id=admission_request_id))


# --- work pushed without admission -------------------------------------------------------------

@bp.route("/pushed")
def pushed_list():
    status = request.args.get("status") if request.args.get("status") in PUSHED_MACHINE.transitions else None
    department_id = request.args.get("department", type=bounded_int)
    return render_template(
        "partnership/pushed_list.html", page=paginate(pushed.reports_select(status, department_id)),
        statuses=[(s, PUSHED_MACHINE.label(s)) for s in PUSHED_MACHINE.transitions],
        departments=pushed.departments_reported(),
        may_report=current_user.is_authenticated and bool(current_user.worker_community_ids()), **LABELS)


@bp.route("/pushed/new", methods=["GET", "POST"])
@login_required
def new_pushed():
    communities = current_user.worker_community_ids()
    if not communities:
        raise PermissionDenied(_("Only the community's workers report work pushed on it."))
    form = PushedForm()
    form.community_id.choices = options(sorted({g.community_id: g.community.name for g in current_user.grants
                                                if g.community_id in communities}.items()))
    form.department_id.choices = options(pushed.department_choices(communities))
    return run_form(form, lambda: pushed.report(current_user, pushed.PushedData(
        community_id=form.community_id.data, department_id=form.department_id.data, title=form.title.data or "",
        details=form.details.data or "", staff_hours=form.staff_hours.data)),
        _("Reported to civil affairs: the finding will be public."),
        lambda found: url_for("partnership.pushed_work", pushed_work_id=found.id),
    ) or render_template("partnership/pushed_form.html", form=form)


@bp.route("/pushed/<int:pushed_work_id>")
def pushed_work(pushed_work_id: int):
    found = pushed.get(pushed_work_id)
    return render_template("partnership/pushed.html", report=found, actions=PUSHED_ACTIONS.of(current_user, found),
                           history=PUSHED_MACHINE.history(found), **LABELS)


@bp.route("/pushed/<int:pushed_work_id>/decide", methods=["GET", "POST"])
@login_required
def decide_pushed(pushed_work_id: int):
    found = pushed.get(pushed_work_id)
    form = PushedDecisionForm()
    return _decision_page(
        PUSHED_ACTIONS, found, url_for("partnership.pushed_work", pushed_work_id=pushed_work_id), form,
        lambda: pushed.decide(current_user, found, form.decision.data == "uphold", form.finding.data or ""),
        _("The finding is recorded and public."), "partnership/decide_pushed.html", report=found)


# --- the year-end evaluation both ways -------------------------------------------------------------

@bp.route("/reviews")
def review_list():
    return render_template("partnership/reviews.html", waiting=reviews.waiting(current_user, clock.today()),
                           page=paginate(reviews.reviews_select()), items=REVIEW_ITEMS, directions=REVIEW_DIRECTIONS,
                           year=reviews.open_year(clock.today()), **LABELS)


@bp.route("/reviews/<any(of_community, of_department):direction>/<int:entrusted_agreement_id>",
          methods=["GET", "POST"])
@login_required
def give_review(direction: str, entrusted_agreement_id: int):
    """The evaluation, of the year being evaluated now, between the two sides of an agreement."""
    found = reviews.pair(current_user, direction, entrusted_agreement_id, clock.today())
    items = REVIEW_ITEMS[direction]
    form = year_review_form(items)

    def give():
        return reviews.give(current_user, found, {key: int(getattr(form, key).data) for key in items},
                            form.comment.data or "")

    return run_form(form, give, _("The evaluation is given and public."), url_for("partnership.review_list")) \
        or render_template("partnership/review_form.html", form=form, pair=found, items=items,
                           directions=REVIEW_DIRECTIONS, window=reviews.window(found.year))
