from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.accounts.roles import Role
from market.core.errors import ServiceError
from market.core.forms import ConfirmForm, DecisionForm, options, run_action, run_form, show_service_error
from market.core.pagination import paginate
from market.organizations import services as organizations
from market.procurement import catalog_files, services
from market.procurement import undertakers as undertaker_rules
from market.procurement.forms import CatalogForm, DebarForm, ImportForm, InspectionForm, UndertakerApplyForm
from market.procurement.models import (CATALOG_MACHINE, COMPETITION_CLASSES, INSPECTION_RESULTS,
                                       UNDERTAKER_MACHINE)

bp = Blueprint("procurement", __name__, url_prefix="/procurement")
LABELS = {"competition": COMPETITION_CLASSES, "catalog_machine": CATALOG_MACHINE,
          "undertaker_machine": UNDERTAKER_MACHINE, "inspection_results": INSPECTION_RESULTS}


@bp.route("/catalogs")
def catalogs():
    year = request.args.get("year", type=int)
    department_id = request.args.get("department", type=int)
    drafts = services.own_drafts(current_user) if current_user.is_authenticated else []
    return render_template("procurement/catalogs.html", page=paginate(services.public_catalogs_select(year, department_id)),
                           drafts=drafts, year=year, **LABELS)


@bp.route("/catalogs/new", methods=["GET", "POST"])
@login_required
def new_catalog():
    departments = [(g.department.id, g.department.name) for g in current_user.grants if g.department_id]
    if not departments:
        abort(403)
    form = CatalogForm()
    form.department_id.choices = options(departments)
    return run_form(
        form, lambda: services.create_catalog(current_user, form.department_id.data, form.year.data, form.title.data),
        _("The draft catalog is created. Import its items from a spreadsheet."),
        lambda catalog: url_for("procurement.catalog", catalog_id=catalog.id),
    ) or render_template("procurement/catalog_form.html", form=form)


@bp.route("/catalogs/<int:catalog_id>", methods=["GET", "POST"])
def catalog(catalog_id: int):
    record = services.get_catalog(current_user, catalog_id)
    purchaser = services.is_purchaser_of(current_user, record.department_id)
    form = ImportForm()
    report = None
    if purchaser and record.status == "draft" and form.validate_on_submit():
        upload = form.file.data
        try:
            report = services.import_items(current_user, record, upload.filename or "", upload.read())
        except ServiceError as error:
            show_service_error(form, error)
        else:
            if report.errors:
                flash(_("Nothing was imported: correct the rows below and upload the file again."), "error")
            else:
                flash(_("%(n)s items imported.", n=len(report.items)), "success")
    return render_template("procurement/catalog.html", catalog=record, purchaser=purchaser, form=form, report=report,
                           items=paginate(services.items_select(record), per_page=50),
                           history=CATALOG_MACHINE.history(record), **LABELS)


@bp.route("/catalogs/<int:catalog_id>/publish", methods=["POST"])
@login_required
def publish(catalog_id: int):
    record = services.get_catalog(current_user, catalog_id)
    return run_action(ConfirmForm(), lambda: services.publish(current_user, record),
                      _("The catalog is published."), url_for("procurement.catalog", catalog_id=catalog_id))


@bp.route("/catalogs/<int:catalog_id>.<any(csv, xlsx):kind>")
def export(catalog_id: int, kind: str):
    record = services.get_catalog(current_user, catalog_id)
    name = f"catalog-{record.department_id}-{record.year}-v{record.version}.{kind}"
    if kind == "csv":
        return Response(catalog_files.to_csv(record), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    return Response(catalog_files.to_xlsx(record),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


# --- the qualified undertaker catalog ---------------------------------------------------------

@bp.route("/undertakers")
def undertakers():
    category_id = request.args.get("category", type=int)
    return render_template("procurement/undertakers.html", categories=organizations.categories(),
                           category_id=category_id, page=paginate(undertaker_rules.listed_select(category_id)),
                           **LABELS)


@bp.route("/undertakers/apply/<int:organization_id>", methods=["GET", "POST"])
@login_required
def apply_undertaker(organization_id: int):
    org = organizations.get_organization(current_user, organization_id)
    if not organizations.can_edit(current_user, org):
        abort(403)
    form = UndertakerApplyForm()
    form.category_ids.choices = options((c.id, c.name) for c in organizations.categories())
    if request.method == "GET":
        form.category_ids.data = [c.id for c in org.categories]
    return run_form(
        form, lambda: undertaker_rules.apply(current_user, org, form.category_ids.data),
        _("The application is with civil affairs."), url_for("procurement.apply_undertaker", organization_id=org.id),
    ) or render_template("procurement/undertaker_apply.html", org=org, form=form,
                         problems=undertaker_rules.eligibility_problems(org),
                         entries=undertaker_rules.entries_of(org), **LABELS)


@bp.route("/undertakers/review")
@login_required
def undertaker_review():
    try:
        page = paginate(undertaker_rules.pending_select(current_user))
    except ServiceError:
        abort(403)
    return render_template("procurement/undertaker_review.html", page=page, form=DecisionForm(),
                           problems=undertaker_rules.eligibility_problems, **LABELS)


@bp.route("/undertakers/<int:entry_id>/decide", methods=["POST"])
@login_required
def undertaker_decide(entry_id: int):
    form = DecisionForm()
    return run_action(form, lambda: undertaker_rules.decide(current_user, entry_id, bool(form.approve.data),
                                                            form.reason.data or ""),
                      _("Decision recorded."), url_for("procurement.undertaker_review"))


@bp.route("/organizations/<int:organization_id>/compliance", methods=["GET", "POST"])
@login_required
def compliance(organization_id: int):
    if not current_user.has_role(Role.CIVIL_AFFAIRS):
        abort(403)
    org = organizations.get_organization(current_user, organization_id)
    inspection_form = InspectionForm(prefix="inspection")
    debar_form = DebarForm(prefix="debar")
    here = url_for("procurement.compliance", organization_id=org.id)
    return (
        run_form(inspection_form, lambda: undertaker_rules.record_inspection(
            current_user, org, inspection_form.year.data, inspection_form.result.data),
            _("The inspection is recorded."), here, submitted=inspection_form.submit.data)
        or run_form(debar_form, lambda: undertaker_rules.debar(current_user, org, debar_form.reason.data,
                                                               debar_form.ends_on.data),
                    _("The organization is debarred and removed from the catalog."), here,
                    submitted=debar_form.submit.data)
        or render_template("procurement/compliance.html", org=org, inspection_form=inspection_form,
                           debar_form=debar_form, inspections=undertaker_rules.inspections_of(org),
                           debarments=undertaker_rules.debarments_of(org), entries=undertaker_rules.entries_of(org),
                           problems=undertaker_rules.eligibility_problems(org), **LABELS)
    )
