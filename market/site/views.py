from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from market import clock
from market.accounts import services as accounts
from market.accounts.forms import DisplayForm, LanguageForm
from market.accounts.roles import Role
from market.core import display, mail
from market.core.desk import SHOWN, desk_of
from market.core.page_cache import cached_page
from market.core.urls import safe_next
from market.extensions import db
from market.organizations.models import Organization, ServiceCategory
from market.outcomes import figures as outcome_figures
from market.places.models import Community, District, Street
from market.rules import deadlines

bp = Blueprint("site", __name__)


@bp.route("/")
@cached_page
def home():
    counts = {
        "districts": db.session.scalar(select(func.count(District.id))),
        "streets": db.session.scalar(select(func.count(Street.id))),
        "communities": db.session.scalar(select(func.count(Community.id))),
        "organizations": db.session.scalar(
            select(func.count(Organization.id)).where(Organization.status == "approved")
        ),
    }
    categories = db.session.scalars(select(ServiceCategory).order_by(ServiceCategory.sort_order)).all()
    whole, _districts = outcome_figures.figures(outcome_figures.scope("city"))  # the page leads with them
    return render_template("home.html", counts=counts, categories=categories, whole=whole)


@bp.route("/desk")
@login_required
def desk():
    """The person's desk (工作台): what waits for them in each of their roles, most urgent first."""
    today = clock.today()
    limits = deadlines.thresholds(today)
    sections = desk_of(current_user, today, limits)
    if len(sections) > 1 and sections[0].key == "resident" and not sections[0].waiting:
        sections = sections[1:]  # an official's desk opens on their work, not an empty resident's corner
    sections.sort(key=lambda section: not section.waiting)  # the roles with work first, in their order
    return render_template("desk.html", sections=sections, shown=SHOWN, today=today,
                           state=lambda due: deadlines.state(due, today, limits), state_labels=deadlines.LABELS)


@bp.route("/healthz")
def healthz():
    """A bare endpoint: no database, no template. Load balancers poll it; benchmarks compare pages to it."""
    return current_app.response_class("ok\n", mimetype="text/plain")


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            accounts.set_locale(current_user, form.lang.data)
    return redirect(safe_next(form.next.data, url_for("site.home")))


@bp.route("/display", methods=["POST"])
def set_display():
    """Large text and high contrast, or back to standard; kept on this device (core/display.py)."""
    form = DisplayForm()
    response = redirect(safe_next(form.next.data, url_for("site.home")))
    if form.validate_on_submit():
        display.remember(response, form.display.data == "large")
    return response


LOOPBACK = {"127.0.0.1", "::1"}


def may_read_outbox() -> bool:
    """The development outbox holds every password-reset link: only a signed-in civil-affairs
    administrator on this machine (loopback) may read it, and only while it is switched on."""
    return bool(current_app.config["SHOW_DEV_OUTBOX"] and current_app.config["MAIL_BACKEND"] == "outbox"
                and current_user.is_authenticated and current_user.has_role(Role.CIVIL_AFFAIRS)
                and request.remote_addr in LOOPBACK)


@bp.route("/dev/outbox")
def outbox():
    if not may_read_outbox():
        abort(404)
    return render_template("site/outbox.html", messages=mail.outbox_messages())
