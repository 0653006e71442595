"""Evaluation pages: rubrics, contract evaluations and ratings, grading, scorecards. Thin views."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import clock
from market.accounts.roles import Role
from market.contracts import access
from market.contracts.models import SIGNED_STATUSES
from market.core import scoring
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.core.forms import (
    ConfirmedForm,
    ConfirmForm,
    ReasonForm,
    flash_refusal,
    options,
    run_action,
    run_form,
    show_service_error,
)
from market.core.page_cache import cached_page
from market.core.pagination import paginate
from market.evaluation import charts, grading, ratings, rubrics, scorecards, signals
from market.evaluation import services as evaluations
from market.evaluation.actions import (
    EVALUATION_ACTIONS,
    GRADING_ACTIONS,
    RUBRIC_ACTIONS,
    SERVED_ACTIONS,
    may_manage_rubrics,
)
from market.evaluation.forms import (
    AppealAnswerForm,
    AppealForm,
    AssignForm,
    BeneficiariesForm,
    CodesForm,
    CommissionForm,
    CommitteeForm,
    DeclarationForm,
    DepartmentRatingForm,
    GradeApplicationForm,
    RatingForm,
    RubricForm,
    ScoreSheetForm,
    SubmitEvaluationForm,
)
from market.evaluation.models import (
    BANDS,
    EVALUATION_KINDS,
    EVALUATION_MACHINE,
    GRADING_MACHINE,
    INDICATOR_SOURCES,
    RUBRIC_PURPOSES,
    RUBRIC_STATUSES,
    Rating,
)
from market.extensions import db
from market.money.charts import svg_response
from market.organizations import services as organizations
from market.organizations.models import GRADES
from market.places.models import Department

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

def _labels() -> dict:
    return {"BANDS": BANDS, "EVALUATION_KINDS": EVALUATION_KINDS, "RUBRIC_PURPOSES": RUBRIC_PURPOSES,
            "RUBRIC_STATUSES": RUBRIC_STATUSES, "INDICATOR_SOURCES": INDICATOR_SOURCES, "GRADES": GRADES,
            "evaluation_machine": EVALUATION_MACHINE, "grading_machine": GRADING_MACHINE,
            "centipoints": scoring.from_centipoints}


def _item_labels() -> dict:
    return {"paid_on_time": _("Paid on time"), "clear_requirements": _("Clear requirements"),
            "no_interference": _("No undue interference")}


# --- rubrics -------------------------------------------------------------------------------------

@bp.route("/rubrics")
def rubric_list():
    purpose = request.args.get("purpose") if request.args.get("purpose") in RUBRIC_PURPOSES else None
    return render_template("evaluation/rubrics.html", page=paginate(rubrics.rubrics_select(purpose), rows=True),
                           may_manage=may_manage_rubrics(current_user), **_labels())


@bp.route("/rubrics/<int:rubric_id>")
def rubric(rubric_id: int):
    found = rubrics.get_rubric(rubric_id)
    return render_template("evaluation/rubric.html", rubric=found, in_use=rubrics.in_use(found),
                           actions=RUBRIC_ACTIONS.of(current_user, found), bands_text=rubrics.bands_text(found),
                           leaves={i.id for i in rubrics.leaves(found)}, confirm_form=ConfirmForm(), **_labels())


@bp.route("/rubrics/<int:rubric_id>/copy", methods=["POST"])
@login_required
def copy_rubric(rubric_id: int):
    form = ConfirmForm()
    return run_form(form, lambda: rubrics.copy(current_user, rubrics.get_rubric(rubric_id)),
                    _("A draft copy is made; adapt it and publish it."),
                    lambda draft: url_for("evaluation.edit_rubric", rubric_id=draft.id)) \
        or redirect(url_for("evaluation.rubric", rubric_id=rubric_id))


@bp.route("/rubrics/<int:rubric_id>/edit", methods=["GET", "POST"])
@login_required
def edit_rubric(rubric_id: int):
    found = rubrics.get_rubric(rubric_id)
    verdicts = RUBRIC_ACTIONS.of(current_user, found)
    if not verdicts.can("edit"):
        raise PermissionDenied(verdicts.why("edit"))
    form = RubricForm()
    errors = []
    if request.method == "GET":
        form.name.data, form.description.data, form.cap.data = found.name, found.description, found.cap
        form.bands.data, form.outline.data = rubrics.bands_text(found), rubrics.outline_of(found)
    form.purpose.data = found.purpose
    if form.validate_on_submit():
        try:
            errors = rubrics.save_draft(current_user, found, form.name.data, form.description.data or "",
                                        form.outline.data, form.cap.data, form.bands.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            if not errors:
                flash(_("The draft is saved."), "success")
                return redirect(url_for("evaluation.rubric", rubric_id=found.id))
    return render_template("evaluation/rubric_edit.html", rubric=found, form=form, outline_errors=errors)


@bp.route("/rubrics/<int:rubric_id>/publish", methods=["POST"])
@login_required
def publish_rubric(rubric_id: int):
    return run_action(ConfirmedForm(), lambda: rubrics.publish(current_user, rubrics.get_rubric(rubric_id)),
                      _("The rubric is published and can no longer change."),
                      url_for("evaluation.rubric", rubric_id=rubric_id))


@bp.route("/rubrics/<int:rubric_id>/retire", methods=["POST"])
@login_required
def retire_rubric(rubric_id: int):
    return run_action(ConfirmedForm(), lambda: rubrics.retire(current_user, rubrics.get_rubric(rubric_id)),
                      _("The rubric is retired; evaluations using it keep it."),
                      url_for("evaluation.rubric", rubric_id=rubric_id))


# --- a contract's evaluations and ratings -------------------------------------------------------

def _contract(contract_id: int):
    contract = access.get_contract(current_user, contract_id)
    if contract.status not in SIGNED_STATUSES:
        raise NotFound(_("This contract is not signed yet."))
    return contract


def _contract_page(contract_id: int) -> str:
    return url_for("evaluation.contract", contract_id=contract_id)


def _commission_form(contract) -> CommissionForm:
    form = CommissionForm(prefix="commission")
    form.evaluator_org_id.choices = options((o.id, o.name) for o in evaluations.evaluator_organizations()
                                            if o.id != contract.organization_id)
    form.rubric_id.choices = options((r.id, r.name) for r in rubrics.published("performance"))
    return form


def _department_form(contract) -> DepartmentRatingForm:
    form = DepartmentRatingForm(prefix="department")
    form.stage.choices = options(ratings.open_department_stages(contract))
    return form


@bp.route("/contracts/<int:contract_id>")
def contract(contract_id: int):
    found = _contract(contract_id)
    return _render_contract(found)


def _render_contract(found, **forms):
    sides = access.sides_of(current_user, found)
    index, count = ratings.satisfaction(contract_ids=[found.id])
    issued, used = ratings.code_counts(found) if "organization" in sides else (0, 0)
    return render_template(
        "evaluation/contract.html",
        contract=found,
        sides=sides,
        evaluations=evaluations.of_contract(found),
        may_commission=evaluations.may_commission(current_user, found),
        may_read=lambda e: evaluations.may_read(current_user, e),
        satisfaction=index,
        rating_count=count,
        stars=ratings.star_counts(contract_id=found.id),
        page=paginate(ratings.ratings_select(found)),
        rating_problem=ratings.rating_problem(current_user, found),
        is_beneficiary=ratings.is_beneficiary(current_user, found),
        codes_issued=issued,
        codes_used=used,
        beneficiaries=ratings.beneficiary_count(found) if sides else 0,
        department_ratings=ratings.department_ratings(found),
        period=ratings.period_of(found),
        commission_form=forms.get("commission_form")
        or (_commission_form(found) if evaluations.may_commission(current_user, found) else None),
        rating_form=forms.get("rating_form") or RatingForm(prefix="rating"),
        codes_form=CodesForm(prefix="codes"),
        served_actions=SERVED_ACTIONS.of(current_user, found),
        beneficiaries_form=forms.get("beneficiaries_form") or BeneficiariesForm(prefix="served"),
        department_form=forms.get("department_form") or (_department_form(found) if "organization" in sides else None),
        reason_form=ReasonForm(),
        item_labels=_item_labels(),
        **_labels(),
    )


@bp.route("/contracts/<int:contract_id>/commission", methods=["POST"])
@login_required
def commission(contract_id: int):
    found = _contract(contract_id)
    form = _commission_form(found)
    return run_form(
        form,
        lambda: evaluations.commission(
            current_user, found, form.kind.data, form.evaluator_org_id.data, form.rubric_id.data, form.due_on.data
        ),
        _("The evaluation is commissioned; the evaluator declares its conflicts first."),
        _contract_page(contract_id),
    ) or _render_contract(found, commission_form=form)


@bp.route("/contracts/<int:contract_id>/rate", methods=["POST"])
@login_required
def rate(contract_id: int):
    found = _contract(contract_id)
    form = RatingForm(prefix="rating")
    return run_form(form, lambda: ratings.rate(current_user, found, form.stars.data, form.comment.data or "",
                                               form.code.data or ""),
                    _("Thank you: your rating is published."), _contract_page(contract_id)) \
        or _render_contract(found, rating_form=form)


@bp.route("/contracts/<int:contract_id>/codes", methods=["POST"])
@login_required
def issue_codes(contract_id: int):
    found = _contract(contract_id)
    form = CodesForm(prefix="codes")
    if not form.validate_on_submit():
        flash(_("Issue between 1 and %(n)s codes at a time.", n=ratings.MAX_CODES), "error")
        return redirect(_contract_page(contract_id))
    try:
        issued = ratings.issue_codes(current_user, found, form.count.data)
    except ServiceError as error:
        flash_refusal(error)
        return redirect(_contract_page(contract_id))
    return render_template("evaluation/codes.html", contract=found, codes=issued)


@bp.route("/contracts/<int:contract_id>/served", methods=["POST"])
@login_required
def register_served(contract_id: int):
    found = _contract(contract_id)
    form = BeneficiariesForm(prefix="served")
    return run_form(form, lambda: ratings.register_beneficiaries(current_user, found, form.emails.data),
                    _("The residents are registered as served and may rate the service."),
                    _contract_page(contract_id)) or _render_contract(found, beneficiaries_form=form)


@bp.route("/contracts/<int:contract_id>/department-rating", methods=["POST"])
@login_required
def rate_department(contract_id: int):
    found = _contract(contract_id)
    form = _department_form(found)
    scores = {item: getattr(form, item).data for item in ratings.DEPARTMENT_ITEMS}
    return run_form(form, lambda: ratings.rate_department(current_user, found, form.stage.data, scores,
                                                          form.comment.data or ""),
                    _("Your rating of the department is published."), _contract_page(contract_id)) \
        or _render_contract(found, department_form=form)


@bp.route("/ratings/<int:rating_id>")
def rating(rating_id: int):
    found = db.session.get(Rating, rating_id)
    if found is None:
        abort(404)
    return redirect(url_for("evaluation.contract", contract_id=found.contract_id) + f"#rating-{found.id}")


# --- one evaluation ------------------------------------------------------------------------------

def _evaluation_page(evaluation_id: int) -> str:
    return url_for("evaluation.show", evaluation_id=evaluation_id)


def _sheet_form(evaluation, rows) -> ScoreSheetForm:
    form = ScoreSheetForm(prefix="sheet")
    if request.method == "GET" or not form.rows.entries:
        while form.rows.entries:
            form.rows.pop_entry()
        for row in rows:
            if row["leaf"] and row["indicator"].source == "manual":
                record = row["record"]
                form.rows.append_entry({
                    "indicator_id": row["indicator"].id,
                    "points": "na" if row["na"] else (str(row["points"]) if row["points"] is not None else ""),
                    "evidence": record.evidence if record else ""})
    return form


@bp.route("/<int:evaluation_id>")
def show(evaluation_id: int):
    evaluation = evaluations.get_evaluation(current_user, evaluation_id)
    return _render_evaluation(evaluation)


def _render_evaluation(evaluation, **forms):
    rows = evaluations.sheet(evaluation)
    return render_template(
        "evaluation/show.html", evaluation=evaluation, rows=rows,
        actions=EVALUATION_ACTIONS.of(current_user, evaluation),
        sheet_form=forms.get("sheet_form") or _sheet_form(evaluation, rows),
        declaration_form=forms.get("declaration_form") or DeclarationForm(prefix="declare"),
        submit_form=forms.get("submit_form") or SubmitEvaluationForm(prefix="submit"), confirm_form=ConfirmForm(),
        reason_form=ReasonForm(), history=EVALUATION_MACHINE.history(evaluation),
        application=grading.get_application(evaluation.application_id) if evaluation.application_id else None,
        **_labels())


@bp.route("/<int:evaluation_id>/declare", methods=["POST"])
@login_required
def declare(evaluation_id: int):
    evaluation = evaluations.get_evaluation(current_user, evaluation_id)
    form = DeclarationForm(prefix="declare")
    return run_form(form, lambda: evaluations.declare(current_user, evaluation, form.conflict.data == "yes",
                                                      form.note.data or ""),
                    _("Your declaration is recorded."), _evaluation_page(evaluation_id)) \
        or _render_evaluation(evaluation, declaration_form=form)


@bp.route("/<int:evaluation_id>/scores", methods=["POST"])
@login_required
def save_scores(evaluation_id: int):
    evaluation = evaluations.get_evaluation(current_user, evaluation_id)
    form = ScoreSheetForm(prefix="sheet")
    entries = {}
    for row in form.rows:
        try:
            entries[int(row.form.indicator_id.data)] = evaluations.Entry(row.form.points.data or "",
                                                                         row.form.evidence.data or "")
        except (TypeError, ValueError):
            continue
    return run_form(form, lambda: evaluations.save_scores(current_user, evaluation, entries),
                    _("The scores are saved."), _evaluation_page(evaluation_id)) \
        or _render_evaluation(evaluation, sheet_form=form)


@bp.route("/<int:evaluation_id>/submit", methods=["POST"])
@login_required
def submit(evaluation_id: int):
    evaluation = evaluations.get_evaluation(current_user, evaluation_id)
    form = SubmitEvaluationForm(prefix="submit")
    return run_form(form, lambda: evaluations.submit(current_user, evaluation, form.summary.data),
                    _("The evaluation is submitted."), _evaluation_page(evaluation_id)) \
        or _render_evaluation(evaluation, submit_form=form)


@bp.route("/<int:evaluation_id>/publish", methods=["POST"])
@login_required
def publish(evaluation_id: int):
    evaluation = evaluations.get_evaluation(current_user, evaluation_id)
    return run_action(ConfirmedForm(), lambda: evaluations.publish(current_user, evaluation),
                      _("The evaluation is published."), _evaluation_page(evaluation_id))


@bp.route("/<int:evaluation_id>/return", methods=["POST"])
@login_required
def return_evaluation(evaluation_id: int):
    evaluation = evaluations.get_evaluation(current_user, evaluation_id)
    form = ReasonForm()
    return run_action(form, lambda: evaluations.return_for_revision(current_user, evaluation, form.reason.data or ""),
                      _("The evaluation is returned to the evaluator."), _evaluation_page(evaluation_id))


@bp.route("/<int:evaluation_id>/cancel", methods=["POST"])
@login_required
def cancel(evaluation_id: int):
    evaluation = evaluations.get_evaluation(current_user, evaluation_id)
    form = ReasonForm()
    return run_action(form, lambda: evaluations.cancel(current_user, evaluation, form.reason.data or ""),
                      _("The evaluation is cancelled."), _evaluation_page(evaluation_id))


@bp.route("/mine")
@login_required
def mine():
    return render_template("evaluation/mine.html", assigned=evaluations.assigned_to(current_user), **_labels())


# --- grading ------------------------------------------------------------------------------------

def _is_civil_affairs() -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.CIVIL_AFFAIRS)


def _application_page(application_id: int) -> str:
    return url_for("evaluation.application", application_id=application_id)


@bp.route("/grading")
def applications():
    status = request.args.get("status") if request.args.get("status") in GRADING_MACHINE.labels else None
    statement = grading.applications_select(status, public_only=not _is_civil_affairs())
    return render_template("evaluation/applications.html", page=paginate(statement), status=status, **_labels())


@bp.route("/grading/apply/<int:organization_id>", methods=["GET", "POST"])
@login_required
def apply(organization_id: int):
    org = organizations.get_organization(current_user, organization_id)
    if not current_user.owns_organization(org.id):
        raise PermissionDenied(_("Only an owner of this organization can do this."))
    form = GradeApplicationForm()
    form.rubric_id.choices = options((r.id, r.name) for r in rubrics.published("grading"))
    return run_form(form, lambda: grading.apply(current_user, org, form.rubric_id.data, form.self_assessment.data),
                    _("The application is sent to civil affairs."), lambda a: _application_page(a.id)) \
        or render_template("evaluation/apply.html", org=org, form=form, problems=grading.application_problems(org))


def _application(application_id: int):
    application = grading.get_application(application_id)
    if not grading.may_read(current_user, application):
        raise NotFound(_("This application does not exist."))
    return application


@bp.route("/grading/<int:application_id>")
def application(application_id: int):
    return _render_application(_application(application_id))


def _render_application(application, **forms):
    assign_form = forms.get("assign_form") or AssignForm(prefix="assign")
    assign_form.evaluator_org_id.choices = options((o.id, o.name) for o in evaluations.evaluator_organizations()
                                                   if o.id != application.organization_id)
    answer_form = forms.get("answer_form") or AppealAnswerForm(prefix="answer")
    if request.method == "GET" and application.proposed_grade:
        answer_form.grade.data = application.proposed_grade
    return render_template(
        "evaluation/application.html", application=application, evaluation=grading.evaluation_of(application),
        shown=grading.shown_grade(application),
        history=GRADING_MACHINE.history(application), today=clock.today(),
        answer_due=grading.appeal_answer_due(application),
        is_owner=current_user.is_authenticated and current_user.owns_organization(application.organization_id),
        is_civil_affairs=_is_civil_affairs(), actions=GRADING_ACTIONS.of(current_user, application),
        assign_form=assign_form, committee_form=forms.get("committee_form") or CommitteeForm(prefix="committee"),
        appeal_form=forms.get("appeal_form") or AppealForm(prefix="appeal"), answer_form=answer_form,
        confirm_form=ConfirmForm(), reason_form=ReasonForm(), **_labels())


@bp.route("/grading/<int:application_id>/assign", methods=["POST"])
@login_required
def assign(application_id: int):
    found = _application(application_id)
    form = AssignForm(prefix="assign")
    form.evaluator_org_id.choices = options((o.id, o.name) for o in evaluations.evaluator_organizations())
    return run_form(form, lambda: grading.assign(current_user, found, form.evaluator_org_id.data, form.due_on.data),
                    _("The evaluator is assigned."), _application_page(application_id)) \
        or _render_application(found, assign_form=form)


@bp.route("/grading/<int:application_id>/decide", methods=["POST"])
@login_required
def decide(application_id: int):
    found = _application(application_id)
    form = CommitteeForm(prefix="committee")
    return run_form(form, lambda: grading.decide(current_user, found, form.note.data or ""),
                    _("The proposed grade is on public notice."), _application_page(application_id)) \
        or _render_application(found, committee_form=form)


@bp.route("/grading/<int:application_id>/appeal", methods=["POST"])
@login_required
def appeal(application_id: int):
    found = _application(application_id)
    form = AppealForm(prefix="appeal")
    return run_form(form, lambda: grading.appeal(current_user, found, form.grounds.data),
                    _("The appeal is sent; civil affairs answers within 15 days."), _application_page(application_id)) \
        or _render_application(found, appeal_form=form)


@bp.route("/grading/<int:application_id>/answer", methods=["POST"])
@login_required
def answer(application_id: int):
    found = _application(application_id)
    form = AppealAnswerForm(prefix="answer")
    return run_form(form, lambda: grading.answer_appeal(current_user, found, form.answer.data, form.grade.data),
                    _("The appeal is answered."), _application_page(application_id)) \
        or _render_application(found, answer_form=form)


@bp.route("/grading/<int:application_id>/issue", methods=["POST"])
@login_required
def issue(application_id: int):
    found = _application(application_id)
    return run_action(ConfirmedForm(), lambda: grading.issue(current_user, found), _("The grade is issued."),
                      _application_page(application_id))


@bp.route("/grading/<int:application_id>/refuse", methods=["POST"])
@login_required
def refuse(application_id: int):
    found = _application(application_id)
    form = ReasonForm()
    return run_action(form, lambda: grading.refuse(current_user, found, form.reason.data or ""),
                      _("The application is refused."), _application_page(application_id))


@bp.route("/grading/<int:application_id>/withdraw", methods=["POST"])
@login_required
def withdraw(application_id: int):
    found = _application(application_id)
    return run_action(ConfirmedForm(), lambda: grading.withdraw(current_user, found),
                      _("The application is withdrawn."), _application_page(application_id))


# --- scorecards ---------------------------------------------------------------------------------

@bp.route("/organizations/<int:organization_id>")
@cached_page
def organization(organization_id: int):
    org = organizations.get_organization(current_user, organization_id)
    return render_template("evaluation/organization.html", org=org, card=scorecards.organization_card(org.id),
                           applications=grading.applications_of(org) if current_user.is_authenticated
                           and current_user.owns_organization(org.id) else [],
                           item_labels=_item_labels(), **_labels())


@bp.route("/organizations/<int:organization_id>/scores.svg")
def organization_scores_chart(organization_id: int):
    org = organizations.get_organization(current_user, organization_id)
    card = scorecards.organization_card(org.id)
    points = [(f"{number} {EVALUATION_KINDS[e.kind]}", float(total)) for e, number, total in card.evaluations]
    return svg_response(charts.scores_over_time(points, _("Evaluation scores over time")))


@bp.route("/organizations/<int:organization_id>/stars.svg")
def organization_stars_chart(organization_id: int):
    org = organizations.get_organization(current_user, organization_id)
    return svg_response(charts.star_distribution(ratings.star_counts(organization_id=org.id),
                                                 _("Residents' ratings")))


@bp.route("/departments/<int:department_id>")
def department(department_id: int):
    found = db.session.get(Department, department_id)
    if found is None:
        abort(404)
    return render_template("evaluation/department.html", department=found,
                           card=scorecards.department_card(department_id),
                           page=paginate(scorecards.department_ratings_select(department_id)),
                           sections=[answer for _receiver, answer in signals.department_scorecard.send(found)
                                     if answer],
                           item_labels=_item_labels(), **_labels())


@bp.route("/departments/<int:department_id>/chart.svg")
def department_chart(department_id: int):
    if db.session.get(Department, department_id) is None:
        abort(404)
    averages, _count = ratings.department_averages(department_id=department_id)
    return svg_response(charts.department_items(averages, _item_labels(), _("How organizations rate the department")))
