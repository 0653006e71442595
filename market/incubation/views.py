"""Incubator pages: the dashboard of grantees, cohorts, admissions and each organization's stay. Thin views."""
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from market.core.errors import PermissionDenied
from market.core.forms import ReasonForm, fen_from, options, run_action, run_form
from market.core.params import bounded_int
from market.extensions import db
from market.incubation import charts, services
from market.incubation.forms import AdmitForm, AssessmentForm, CohortForm, GraduationForm, IncubatorForm, ServiceForm
from market.incubation.models import CAPACITY_AREAS, INCUBATION_MACHINE, SERVICE_KINDS
from market.money.charts import svg_response
from market.organizations.models import Organization

bp = Blueprint("incubation", __name__, url_prefix="/incubators")


def _labels() -> dict:
    return {"machine": INCUBATION_MACHINE, "SERVICE_KINDS": SERVICE_KINDS, "CAPACITY_AREAS": CAPACITY_AREAS}


@bp.route("/", methods=["GET", "POST"])
def index():
    form = None
    operators = services.operator_choices(current_user)
    if operators:
        form = IncubatorForm()
        form.operator_id.choices = options(operators)
        done = run_form(form, lambda: services.create_incubator(current_user, form.operator_id.data, form.name.data,
                                                                form.address.data or "", form.description.data or ""),
                        _("The incubator is created; add its first cohort."),
                        lambda i: url_for("incubation.dashboard", incubator_id=i.id))
        if done:
            return done
    elif request.method == "POST":
        raise PermissionDenied(_("Only the incubator's staff can do this."))
    return render_template("incubation/index.html", incubators=services.incubators(), form=form)


@bp.route("/<int:incubator_id>", methods=["GET", "POST"])
def dashboard(incubator_id: int):
    incubator = services.get_incubator(incubator_id)
    manager = services.may_manage(current_user, incubator)
    form = None
    if manager:
        form = CohortForm()
        done = run_form(form, lambda: services.add_cohort(current_user, incubator, form.name.data, form.starts_on.data,
                                                          form.ends_on.data, form.capacity.data),
                        _("The cohort is added."), url_for("incubation.dashboard", incubator_id=incubator.id))
        if done:
            return done
    elif request.method == "POST":
        raise PermissionDenied(_("Only the incubator's staff can do this."))
    cohort_id = request.args.get("cohort", type=bounded_int)
    rows = services.grantees(incubator, cohort_id)
    return render_template("incubation/dashboard.html", incubator=incubator, rows=rows, manager=manager, form=form,
                           behind=[r for r in rows if r.behind], totals=services.services_totals(rows),
                           milestones=services.milestones, cohort_id=cohort_id, **_labels())


@bp.route("/<int:incubator_id>/capacity.svg")
def capacity_chart(incubator_id: int):
    incubator = services.get_incubator(incubator_id)
    rows = services.grantees(incubator, request.args.get("cohort", type=bounded_int))
    return svg_response(charts.capacity_over_time(services.capacity_series(rows),
                                                  _("Capacity over time (mean of four areas, 1–5)")))


@bp.route("/<int:incubator_id>/milestones.svg")
def milestones_chart(incubator_id: int):
    incubator = services.get_incubator(incubator_id)
    rows = services.grantees(incubator, request.args.get("cohort", type=bounded_int))
    return svg_response(charts.growth_milestones(rows, _("Organizations that reached each milestone")))


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
def cohort(cohort_id: int):
    found = services.get_cohort(cohort_id)
    manager = services.may_manage(current_user, found.incubator)
    form = None
    if manager:
        form = AdmitForm()
        taken = {m.organization_id for m in services.members(found)}
        form.organization_id.choices = options((o.id, o.name) for o in db.session.scalars(
            select(Organization).where(Organization.status == "approved").order_by(Organization.name).limit(500))
            if o.id not in taken and o.id != found.incubator.operator_id)
        done = run_form(form, lambda: services.admit(current_user, found, form.organization_id.data,
                                                     form.admitted_on.data, form.months.data, form.mentor.data or "",
                                                     form.goals.data or ""),
                        _("The organization is admitted."), url_for("incubation.cohort", cohort_id=found.id))
        if done:
            return done
    elif request.method == "POST":
        raise PermissionDenied(_("Only the incubator's staff can do this."))
    return render_template("incubation/cohort.html", cohort=found, members=services.members(found), form=form,
                           manager=manager, **_labels())


@bp.route("/stays/<int:incubation_id>", methods=["GET", "POST"])
def stay(incubation_id: int):
    found = services.get_incubation(incubation_id)
    manager = services.may_manage(current_user, found.cohort.incubator)
    forms = {}
    if manager and found.status == "admitted":
        forms = {"service": ServiceForm(prefix="service"), "assessment": AssessmentForm(prefix="assessment"),
                 "graduate": GraduationForm(formdata=None), "withdraw": ReasonForm(formdata=None)}
        back = url_for("incubation.stay", incubation_id=found.id)
        service = forms["service"]
        done = run_form(service, lambda: services.record_service(
            current_user, found, service.kind.data, service.quantity.data or 0,
            fen_from(service.amount.data, "amount") if (service.amount.data or "").strip() else 0,
            service.given_on.data, service.note.data or "", service.once.data), _("The service is recorded."),
            back, submitted="service-submit" in request.form)
        assessment = forms["assessment"]
        done = done or run_form(assessment, lambda: services.assess(
            current_user, found, assessment.assessed_on.data, {a: getattr(assessment, a).data for a in CAPACITY_AREAS},
            assessment.note.data or ""), _("The assessment is recorded."), back,
            submitted="assessment-submit" in request.form)
        if done:
            return done
    elif request.method == "POST":
        raise PermissionDenied(_("Only the incubator's staff can do this."))
    (row,) = services.grantees(found.cohort.incubator, incubation_id=found.id)
    return render_template("incubation/stay.html", stay=found, row=row, manager=manager, forms=forms,
                           services_given=services.services_of(found), milestones=services.milestones(row),
                           history=INCUBATION_MACHINE.history(found), **_labels())


@bp.route("/stays/<int:incubation_id>/graduate", methods=["POST"])
@login_required
def graduate(incubation_id: int):
    found = services.get_incubation(incubation_id)
    form = GraduationForm()
    return run_action(form, lambda: services.graduate(current_user, found, form.exit_review.data),
                      _("The organization has graduated."), url_for("incubation.stay", incubation_id=found.id))


@bp.route("/stays/<int:incubation_id>/withdraw", methods=["POST"])
@login_required
def withdraw(incubation_id: int):
    found = services.get_incubation(incubation_id)
    form = ReasonForm()
    return run_action(form, lambda: services.withdraw(current_user, found, form.reason.data),
                      _("The stay is ended."), url_for("incubation.stay", incubation_id=found.id))
