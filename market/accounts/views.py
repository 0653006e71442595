from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from market.accounts import services
from market.accounts.forms import (
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
from market.core.errors import ServiceError
from market.core.forms import ConfirmForm, DecisionForm, SearchForm, options, show_service_error
from market.core.pagination import paginate
from market.core.views import safe_next
from market.extensions import db
from market.places import services as places

bp = Blueprint("accounts", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register(form.email.data, form.display_name.data, form.password.data,
                                     locale=session.get("lang", "zh"))
        except ServiceError as error:
            show_service_error(form, error)
        else:
            login_user(user)
            flash(_("Welcome to Market! Tell us which community you live in to take part there."), "success")
            return redirect(url_for("accounts.residence"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except ServiceError as error:
            show_service_error(form, error)
        else:
            login_user(user, remember=form.remember.data)
            session["lang"] = user.locale
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
    elif request.method == "GET" and request.args.get("next"):
        flash(_("Please sign in to continue."), "info")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("core.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If an account uses this address, a reset link is on its way. Check your mail."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.reset_token_user(token)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.submit.data and form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data, form.phone.data or "",
                                form.locale.data, form.mail_opt_in.data)
        session["lang"] = current_user.locale
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    if password_form.submit.data and password_form.validate_on_submit():
        try:
            services.change_password(current_user, password_form.current_password.data, password_form.password.data)
        except ServiceError as error:
            show_service_error(password_form, error)
        else:
            login_user(current_user._get_current_object())  # new session token: keep this session signed in
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.route("/residence", methods=["GET", "POST"])
@login_required
def residence():
    form = ResidenceForm()
    form.community_id.choices = options(places.community_choices())
    code_form = ResidenceCodeForm(prefix="code")
    if form.submit.data and form.validate_on_submit():
        try:
            services.request_residence(current_user, form.community_id.data, form.address_note.data or "")
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Your request is with the community workers. You can take part once they verify it."), "success")
            return redirect(url_for("accounts.residence"))
    if code_form.submit.data and code_form.validate_on_submit():
        try:
            services.redeem_residence_code(current_user, code_form.code.data)
        except ServiceError as error:
            show_service_error(code_form, error)
        else:
            flash(_("You are now a verified resident of your community."), "success")
            return redirect(url_for("accounts.residence"))
    return render_template("accounts/residence.html", form=form, code_form=code_form)


# --- community workers ---------------------------------------------------------------------

def _require_worker():
    if not current_user.has_role(Role.COMMUNITY_WORKER):
        abort(403)


@bp.route("/worker/residents")
@login_required
def worker_residents():
    _require_worker()
    page = paginate(services.pending_residences_select(current_user))
    return render_template("accounts/worker_residents.html", page=page, form=DecisionForm())


@bp.route("/worker/residents/<int:residence_id>", methods=["POST"])
@login_required
def worker_decide(residence_id: int):
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.decide_residence(current_user, residence_id, approve=bool(form.approve.data),
                                      reason=form.reason.data or "")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Decision recorded."), "success")
    return redirect(url_for("accounts.worker_residents"))


@bp.route("/worker/codes", methods=["GET", "POST"])
@login_required
def worker_codes():
    _require_worker()
    form = IssueCodesForm()
    form.community_id.choices = options((g.community.id, g.community.name) for g in current_user.grants
                                        if g.role == Role.COMMUNITY_WORKER)
    codes = None
    if form.validate_on_submit():
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
    except ServiceError:
        abort(403)
    return render_template("accounts/admin_users.html", page=page, search=search)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_user(user_id: int):
    if not current_user.has_role(Role.CIVIL_AFFAIRS):
        abort(403)
    user = db.get_or_404(User, user_id)
    form = GrantRoleForm()
    if form.validate_on_submit():
        try:
            services.grant_role(current_user, user, Role(form.role.data), form.scope_id.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Role granted."), "success")
            return redirect(url_for("accounts.admin_user", user_id=user.id))
    return render_template("accounts/admin_user.html", user=user, form=form, revoke_form=ConfirmForm(),
                           departments=db.session.scalars(places.departments_select()).all())


@bp.route("/admin/grants/<int:grant_id>/revoke", methods=["POST"])
@login_required
def admin_revoke(grant_id: int):
    form = ConfirmForm()
    user_id = request.form.get("user_id", type=int)
    if form.validate_on_submit():
        try:
            services.revoke_role(current_user, grant_id)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Role removed."), "success")
    return redirect(url_for("accounts.admin_user", user_id=user_id) if user_id else url_for("accounts.admin_users"))
