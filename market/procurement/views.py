from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core.forms import ConfirmForm, options, run_action, run_form, show_service_error
from market.core.errors import ServiceError
from market.core.pagination import paginate
from market.places import services as places
from market.procurement import catalog_files, services
from market.procurement.forms import CatalogForm, ImportForm
from market.procurement.models import CATALOG_MACHINE, COMPETITION_CLASSES

bp = Blueprint("procurement", __name__, url_prefix="/procurement")
LABELS = {"competition": COMPETITION_CLASSES, "catalog_machine": CATALOG_MACHINE}


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
