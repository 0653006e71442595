from flask import Blueprint, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core import uploads
from market.core.errors import PermissionDenied, ServiceError
from market.core.forms import ConfirmedForm, DecisionForm, ReasonForm, options, run_action, run_form
from market.core.page_cache import cached_page
from market.core.pagination import paginate
from market.core.params import bounded_int
from market.organizations import services
from market.organizations.forms import DocumentForm, MemberForm, OrganizationForm
from market.organizations.models import DOCUMENT_TYPES, ORG_TYPES, ORGANIZATION_MACHINE
from market.places import services as places

bp = Blueprint("organizations", __name__, url_prefix="/organizations")


def _organization_form(**kwargs) -> OrganizationForm:
    form = OrganizationForm(**kwargs)
    form.org_type.choices = options((t, services.org_type_label(t)) for t in ORG_TYPES)
    form.district_id.choices = options([(0, "—")] + places.district_choices())
    form.category_ids.choices = options(services.category_choices())
    form.community_ids.choices = options(places.community_choices())
    return form


def _data(form: OrganizationForm) -> services.OrganizationData:
    return services.OrganizationData(
        name=form.name.data, credit_code=form.credit_code.data, org_type=form.org_type.data,
        registered_on=form.registered_on.data, registration_authority=form.registration_authority.data,
        district_id=form.district_id.data or None, description=form.description.data or "",
        staff_count=form.staff_count.data or 0, volunteer_count=form.volunteer_count.data or 0,
        contact_phone=form.contact_phone.data or "", category_ids=form.category_ids.data or [],
        community_ids=form.community_ids.data or [],
    )


def _owned(organization_id: int):
    """The organization, if the signed-in person owns it (the services check again on save)."""
    org = services.get_organization(current_user, organization_id)
    if not services.can_edit(current_user, org):
        raise PermissionDenied(_("Only an owner of this organization can do this."))
    return org


@bp.route("/")
@cached_page
def index():
    category_id = request.args.get("category", type=bounded_int)
    district_id = request.args.get("district", type=bounded_int)
    page = paginate(services.public_organizations_select(category_id, district_id))
    return render_template("organizations/index.html", page=page, category_choices=services.category_choices(),
                           districts=places.district_choices(), category_id=category_id, district_id=district_id)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _organization_form()
    return run_form(
        form, lambda: services.register_organization(current_user, _data(form)),
        _("The organization is registered and waits for civil-affairs approval."),
        lambda org: url_for("organizations.show", organization_id=org.id),
    ) or render_template("organizations/form.html", form=form, org=None)


@bp.route("/<int:organization_id>")
@cached_page
def show(organization_id: int):
    org = services.get_organization(current_user, organization_id)
    return render_template(
        "organizations/show.html", org=org, can_edit=services.can_edit(current_user, org),
        insider=services.is_insider(current_user, org),
        documents=services.visible_documents(current_user, org), history=ORGANIZATION_MACHINE.history(org),
        machine=ORGANIZATION_MACHINE, type_label=services.org_type_label, doc_label=services.document_type_label,
        reason_form=ReasonForm(), may_suspend=services.may_suspend(current_user, org),
    )


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organization_id: int):
    org = _owned(organization_id)
    form = _organization_form(obj=org)
    if request.method == "GET":
        form.district_id.data = org.district_id or 0
        form.category_ids.data = [c.id for c in org.categories]
        form.community_ids.data = [c.id for c in org.communities]
    return run_form(
        form, lambda: services.update_organization(current_user, org, _data(form)),
        _("The profile is saved."), url_for("organizations.show", organization_id=org.id),
    ) or render_template("organizations/form.html", form=form, org=org)


@bp.route("/<int:organization_id>/members", methods=["GET", "POST"])
@login_required
def members(organization_id: int):
    org = _owned(organization_id)
    form = MemberForm()
    return run_form(
        form, lambda: services.add_member(current_user, org, form.email.data, form.is_owner.data),
        _("Member added."), url_for("organizations.members", organization_id=org.id),
    ) or render_template("organizations/members.html", org=org, form=form)


@bp.route("/<int:organization_id>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(organization_id: int, membership_id: int):
    org = services.get_organization(current_user, organization_id)
    return run_action(
        ConfirmedForm(), lambda: services.remove_member(current_user, org, membership_id),
        _("Member removed."), url_for("organizations.members", organization_id=org.id),
    )


@bp.route("/<int:organization_id>/documents", methods=["GET", "POST"])
@login_required
def documents(organization_id: int):
    org = services.get_organization(current_user, organization_id)
    if org.id not in current_user.organization_ids():
        raise PermissionDenied(_("Only a member of this organization can do this."))
    form = DocumentForm()
    form.doc_type.choices = options((t, services.document_type_label(t)) for t in DOCUMENT_TYPES)
    return run_form(
        form,
        lambda: services.upload_document(current_user, org, form.doc_type.data, form.title.data or "",
                                         form.file.data, form.confidential.data),
        _("The document is uploaded."), url_for("organizations.show", organization_id=org.id),
    ) or render_template("organizations/documents.html", org=org, form=form)


@bp.route("/documents/<int:document_id>")
def document(document_id: int):
    doc = services.get_document(current_user, document_id)
    return send_file(uploads.path_of(doc.stored_name), mimetype=doc.content_type,
                     as_attachment=True, download_name=doc.original_filename)


@bp.route("/review")
@login_required
def review_queue():
    try:
        page = paginate(services.pending_organizations_select(current_user))
    except ServiceError as refused:
        raise PermissionDenied(refused.message) from None
    return render_template("organizations/review.html", page=page, form=DecisionForm(),
                           type_label=services.org_type_label)


@bp.route("/<int:organization_id>/suspension", methods=["POST"])
@login_required
def suspension(organization_id: int):
    org = services.get_organization(current_user, organization_id)
    form = ReasonForm()
    suspend = org.status != "suspended"
    return run_action(form, lambda: services.suspend_organization(current_user, org, suspend, form.reason.data or ""),
                      _("The organization is suspended.") if suspend else _("The suspension is lifted."),
                      url_for("organizations.show", organization_id=organization_id))


@bp.route("/<int:organization_id>/review", methods=["POST"])
@login_required
def review(organization_id: int):
    org = services.get_organization(current_user, organization_id)
    form = DecisionForm()
    return run_action(
        form,
        lambda: services.review_organization(current_user, org, approve=bool(form.approve.data),
                                             reason=form.reason.data or ""),
        _("Decision recorded and the organization informed."), url_for("organizations.review_queue"),
    )
