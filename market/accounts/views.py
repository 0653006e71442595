from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from market.accounts import services
from market.accounts.forms import (
    BuildingForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    GrantRoleForm,
    IssueCodesForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResidenceCodeForm,
    ResidenceForm,
)
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import codes
from market.core.errors import PermissionDenied, ServiceError
from market.core.forms import (
    ConfirmedForm,
    ConfirmForm,
    DecisionForm,
    ReasonForm,
    SearchForm,
    options,
    run_action,
    run_form,
    show_service_error,
)
from market.core.pagination import paginate
from market.core.params import bounded_int
from market.core.urls import safe_next
from market.extensions import db
from market.places import services as places

bp = Blueprint("accounts", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = RegisterForm()

    def create_and_sign_in():
        user = services.register(form.email.data, form.display_name.data, form.password.data,
                                 locale=session.get("lang", "zh"))
        # An address already registered gets a mail, and this page answers the same as for a new one.
        if user is not None:
            _sign_in(user)

    return run_form(
        form, create_and_sign_in,
        _("Welcome to Market! Tell us which community you live in to take part there."),
        url_for("accounts.residence"),
    ) or render_template("accounts/register.html", form=form)


def _sign_in(user: User, remember: bool = False) -> None:
    """A new session record for this device, named in its cookies."""
    services.start_session(user, request.headers.get("User-Agent", ""))
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("site.desk"))
    form = LoginForm()

    def sign_in():
        user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        _sign_in(user, remember=form.remember.data)
        session["lang"] = user.locale

    if request.method == "GET" and request.args.get("next"):
        flash(_("Please sign in to continue."), "info")
    return run_form(
        form, sign_in, _("You are signed in."), safe_next(request.args.get("next"), url_for("site.desk"))
    ) or render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    def sign_out():
        services.end_session(current_user.session_key)  # its cookies, even copied, sign nobody in again
        logout_user()

    return run_action(ConfirmForm(), sign_out, _("You are signed out."), url_for("site.home"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    def sign_out_everywhere():
        services.end_all_sessions(current_user._get_current_object())
        logout_user()

    return run_action(ConfirmedForm(), sign_out_everywhere, _("You are signed out on every device."),
                      url_for("site.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    return run_form(
        form, lambda: services.request_password_reset(form.email.data),
        _("If an account uses this address, a reset link is on its way. Check your mail."),
        url_for("accounts.login"),
    ) or render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.reset_token_user(token)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    return run_form(
        form, lambda: services.reset_password(token, form.password.data),
        _("Your password is changed. Sign in with the new one."), url_for("accounts.login"),
    ) or render_template("accounts/reset.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    password_form = ChangePasswordForm(prefix="pw")

    def save_profile():
        services.update_profile(user, form.display_name.data, form.phone.data or "", form.locale.data,
                                form.mail_frequency.data)
        session["lang"] = user.locale

    def change_password():
        services.change_password(user, password_form.current_password.data, password_form.password.data,
                                 keep_session=user.session_key)

    here = url_for("accounts.profile")
    return (
        run_form(form, save_profile, _("Your profile is saved."), here, submitted=form.submit.data)
        or run_form(password_form, change_password, _("Your password is changed. Other devices are signed out."),
                    here, submitted=password_form.submit.data)
        or render_template("accounts/profile.html", form=form, password_form=password_form,
                           sessions=services.active_sessions(user), this_session=codes.digest(user.session_key))
    )


@bp.route("/residence", methods=["GET", "POST"])
@login_required
def residence():
    user = current_user._get_current_object()
    form = ResidenceForm()
    form.community_id.choices = options(places.community_choices())
    code_form = ResidenceCodeForm(prefix="code")
    building_form = BuildingForm(prefix="building")
    verified = user.is_verified_resident
    buildings = places.building_choices(user.residence.community_id) if verified else []
    building_form.building_id.choices = options([(0, "—"), *buildings])
    if verified and request.method == "GET":
        building_form.building_id.data = user.residence.building_id or 0
    here = url_for("accounts.residence")
    return (
        run_form(form, lambda: services.request_residence(user, form.community_id.data, form.address_note.data or ""),
                 _("Your request is with the community workers. You can take part once they verify it."),
                 here, submitted=form.submit.data)
        or run_form(code_form, lambda: services.redeem_residence_code(user, code_form.code.data),
                    _("You are now a verified resident of your community."), here, submitted=code_form.submit.data)
        or run_form(building_form, lambda: services.name_building(user, building_form.building_id.data),
                    _("Saved."), here, submitted=building_form.submit.data)
        or render_template("accounts/residence.html", form=form, code_form=code_form, building_form=building_form,
                           buildings=buildings)
    )


# --- community workers ---------------------------------------------------------------------

def _require_worker():
    if not current_user.has_role(Role.COMMUNITY_WORKER):
        raise PermissionDenied(_("Only a community worker of this community can do this."))


@bp.route("/worker/residents")
@login_required
def worker_residents():
    _require_worker()
    page = paginate(services.pending_residences_select(current_user))
    verified = paginate(services.verified_residences_select(current_user), arg="verified_page")
    return render_template("accounts/worker_residents.html", page=page, verified=verified, form=DecisionForm(),
                           reason_form=ReasonForm())


@bp.route("/worker/residents/<int:residence_id>/moved", methods=["POST"])
@login_required
def worker_revoke(residence_id: int):
    form = ReasonForm()
    return run_action(form, lambda: services.revoke_residence(current_user, residence_id, form.reason.data or ""),
                      _("Recorded: the resident moved away."), url_for("accounts.worker_residents"))


@bp.route("/worker/residents/<int:residence_id>", methods=["POST"])
@login_required
def worker_decide(residence_id: int):
    form = DecisionForm()
    return run_action(
        form,
        lambda: services.decide_residence(current_user, residence_id, approve=bool(form.approve.data),
                                          reason=form.reason.data or ""),
        _("Decision recorded."), url_for("accounts.worker_residents"),
    )


@bp.route("/worker/codes", methods=["GET", "POST"])
@login_required
def worker_codes():
    _require_worker()
    form = IssueCodesForm()
    form.community_id.choices = options((g.community.id, g.community.name) for g in current_user.grants
                                        if g.role == Role.COMMUNITY_WORKER)
    codes = None
    if form.validate_on_submit():
        # The codes are shown on this response only, so no redirect here.
        try:
            codes = services.issue_residence_codes(current_user, form.community_id.data, form.count.data)
        except ServiceError as error:
            show_service_error(form, error)
    return render_template("accounts/worker_codes.html", form=form, codes=codes)


# --- civil affairs: people and roles ---------------------------------------------------------

@bp.route("/admin/users")
@login_required
def admin_users():
    search = SearchForm(request.args)
    try:
        page = paginate(services.users_select(current_user, search.q.data or ""))
    except ServiceError as refused:
        raise PermissionDenied(refused.message) from None
    return render_template("accounts/admin_users.html", page=page, search=search)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_user(user_id: int):
    if not current_user.has_role(Role.CIVIL_AFFAIRS):
        raise PermissionDenied(_("Only a civil-affairs administrator can do this."))
    user = db.get_or_404(User, user_id)
    form = GrantRoleForm()
    none = [(0, "—")]
    form.community_id.choices = options({"": none, **places.community_choices()})
    form.department_id.choices = options(none + places.department_choices())
    form.organization_id.choices = options(none + services.scope_of("organization").choices())
    form.street_id.choices = options(none + places.street_choices())
    form.district_id.choices = options(none + places.district_choices())
    return run_form(
        form,
        lambda: services.grant_role(
            current_user,
            user,
            Role(form.role.data),
            community_id=form.community_id.data or None,
            department_id=form.department_id.data or None,
            organization_id=form.organization_id.data or None,
            street_id=form.street_id.data or None,
            district_id=form.district_id.data or None,
        ),
        _("Role granted."),
        url_for("accounts.admin_user", user_id=user.id),
    ) or render_template("accounts/admin_user.html", user=user, form=form)


@bp.route("/admin/grants/<int:grant_id>/revoke", methods=["POST"])
@login_required
def admin_revoke(grant_id: int):
    user_id = request.form.get("user_id", type=bounded_int)
    back = url_for("accounts.admin_user", user_id=user_id) if user_id else url_for("accounts.admin_users")
    return run_action(ConfirmForm(), lambda: services.revoke_role(current_user, grant_id), _("Role removed."), back)
