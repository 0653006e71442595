"""Market: a marketplace for community public services. `create_app` builds the application."""

from flask import Flask, has_request_context, render_template, request, session, url_for
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from market import clock, config, hooks
from market.accounts import services
from market.accounts.roles import ROLE_LABELS, Role
from market.accounts.views import bp as accounts_bp
from market.api.open311 import bp as open311_bp
from market.api.open311 import error_answer as open311_error
from market.api.views import bp as api_bp
from market.api.views import tokens_bp
from market.audit.cli import audit_cli
from market.audit.views import bp as audit_bp
from market.config import PROJECT_ROOT
from market.contracts.views import bp as contracts_bp
from market.core import display, page_cache, static_files
from market.core.cli import housekeeping_cli
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.core.money import format_fen
from market.core.once import new_token as once_token
from market.core.params import BoundedIntegerConverter
from market.demo.cli import demo_cli
from market.evaluation.views import bp as evaluation_bp
from market.extensions import babel, csrf, db, login_manager, migrate
from market.grid.views import bp as grid_bp
from market.incubation.views import bp as incubation_bp
from market.money.cli import money_cli
from market.money.views import bp as money_bp
from market.needs.views import bp as needs_bp
from market.notifications.services import unread_count
from market.notifications.views import bp as notifications_bp
from market.organizations.views import bp as organizations_bp
from market.outcomes.cli import outcomes_cli
from market.outcomes.views import bp as outcomes_bp
from market.partnership.views import bp as partnership_bp
from market.philanthropy.views import bp as philanthropy_bp
from market.procurement.views import bp as procurement_bp
from market.search import indexing
from market.search.cli import search_cli
from market.search.views import bp as search_bp
from market.site.badges import grade_badge
from market.site.cli import tasks_cli
from market.site.places import bp as places_bp
from market.site.views import bp as site_bp
from market.site.views import may_read_outbox
from market.spending.views import bp as spending_bp
from market.transparency.cli import ocds_cli
from market.transparency.views import bp as transparency_bp

# isort: split
# Imported for what importing them does: every model module, so metadata (and Alembic) sees all
# tables; and each area's receivers, connected once, here, to the signals of the areas below it (a
# lower area asks or tells, a higher one answers); and each area's desk piles (core/desk.py).
from market.accounts import models as _accounts_models  # noqa: F401
from market.api import models as _api_models  # noqa: F401
from market.audit import chain as _audit_chain  # noqa: F401
from market.contracts import desk as _contracts_desk  # noqa: F401
from market.contracts import models as _contracts_models  # noqa: F401
from market.contracts import receivers as _contracts_receivers  # noqa: F401
from market.core import once as _core_once  # noqa: F401
from market.core import page_cache as _core_page_cache  # noqa: F401
from market.core import workflow as _core_workflow  # noqa: F401
from market.evaluation import desk as _evaluation_desk  # noqa: F401
from market.evaluation import receivers as _evaluation_receivers  # noqa: F401
from market.grid import desk as _grid_desk  # noqa: F401
from market.grid import models as _grid_models  # noqa: F401
from market.grid import wording as _grid_wording  # noqa: F401
from market.incubation import desk as _incubation_desk  # noqa: F401
from market.incubation import models as _incubation_models  # noqa: F401
from market.money import models as _money_models  # noqa: F401
from market.needs import desk as _needs_desk  # noqa: F401
from market.needs import models as _needs_models  # noqa: F401
from market.notifications import models as _notifications_models  # noqa: F401
from market.notifications import receivers as _notifications_receivers  # noqa: F401
from market.organizations import desk as _organizations_desk  # noqa: F401
from market.organizations import models as _organizations_models  # noqa: F401
from market.organizations import receivers as _organizations_receivers  # noqa: F401
from market.outcomes import kept as _outcomes_kept  # noqa: F401
from market.outcomes import models as _outcomes_models  # noqa: F401
from market.partnership import desk as _partnership_desk  # noqa: F401
from market.partnership import models as _partnership_models  # noqa: F401
from market.partnership import receivers as _partnership_receivers  # noqa: F401
from market.partnership import wording as _partnership_wording  # noqa: F401
from market.philanthropy import desk as _philanthropy_desk  # noqa: F401
from market.philanthropy import models as _philanthropy_models  # noqa: F401
from market.places import models as _places_models  # noqa: F401
from market.procurement import desk as _procurement_desk  # noqa: F401
from market.procurement import models as _procurement_models  # noqa: F401
from market.rules import models as _rules_models  # noqa: F401
from market.search import models as _search_models  # noqa: F401


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(overrides or {})

    app.url_map.converters["int"] = BoundedIntegerConverter  # before any route is added
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page says why on its own
    login_manager.session_protection = "strong"
    login_manager.id_attribute = "get_session_key"  # the cookies name this device's UserSession
    app.teardown_appcontext(_note_session_use)
    clock.install(app, app.extensions.get("market.clock", clock.SystemClock()))

    page_cache.install(app)
    static_files.install(app)
    indexing.install(app)
    hooks.install_session_listeners()
    hooks.install_request_hooks(app)
    _register_blueprints(app)
    _register_error_pages(app)
    _register_template_helpers(app)
    _register_cli(app)
    return app


def select_locale() -> str:
    languages = ("zh", "en")
    if not has_request_context():  # CLI and background work use the default language
        return "zh"
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    return chosen if chosen in languages else "zh"


@login_manager.user_loader
def load_user(session_key: str):
    """The person of the session key the session cookie (or the remember-me cookie) holds; none once
    that device signed out or was signed out."""
    from flask import current_app, g

    # Flask-Login marks a sign-in the remember-me cookie restored as not fresh; it lasts as long as
    # the cookie was set to, even if the cookie is replayed later.
    remembered = session.get("_fresh") is False
    user = services.session_user(session_key, current_app.config["REMEMBER_COOKIE_DURATION"] if remembered else None)
    if user is not None and user.session_seen_due:
        g.session_seen = user.session_seen_due
    return user


def _note_session_use(error) -> None:
    """Write down when a session was last used, once the request's own transaction is over (a
    transaction of its own would wait for it on SQLite, which locks the whole file)."""
    from flask import g

    seen = g.pop("session_seen", None)
    if seen is not None:
        db.session.remove()
        try:
            services.note_session_use(*seen)
        except Exception:  # bookkeeping: a failure here must not fail the request
            from flask import current_app

            current_app.logger.exception("could not note the use of session %s", seen[0])


def _register_blueprints(app: Flask) -> None:
    for blueprint in (site_bp, accounts_bp, organizations_bp, places_bp, needs_bp, notifications_bp, procurement_bp,
                      contracts_bp, money_bp, spending_bp, evaluation_bp, philanthropy_bp, incubation_bp, search_bp,
                      api_bp, tokens_bp, audit_bp, transparency_bp, outcomes_bp, grid_bp, open311_bp, partnership_bp):
        app.register_blueprint(blueprint)


def _rule_of(error, default: type[ServiceError]) -> tuple[str, str | None]:
    """The code and field of a refusal; an HTTP error (whose `code` is its status) has the default's code."""
    if isinstance(error, ServiceError):
        return error.code, error.field
    return default.default_code, None


def _register_error_pages(app: Flask) -> None:
    def page(code: int, title: str, message: str, rule: str, field: str | None = None):
        if has_request_context() and request.path.startswith("/api/"):  # the API answers in JSON throughout
            from flask import jsonify

            return jsonify(error=message, field=field, code=rule), code
        if has_request_context() and request.path.startswith("/open311/"):  # in Open311's own shape
            return open311_error(code, message)
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(403)
    @app.errorhandler(PermissionDenied)
    def forbidden(error):
        message = getattr(error, "message", None) or _("You do not have permission to do this.")
        return page(403, _("Not allowed"), message, *_rule_of(error, PermissionDenied))

    @app.errorhandler(404)
    @app.errorhandler(NotFound)
    def not_found(error):
        message = getattr(error, "message", None) or _("The page you asked for does not exist.")
        return page(404, _("Not found"), message, *_rule_of(error, NotFound))

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return page(
            400,
            _("The form expired"),
            _("The form was open too long or came from another site. Go back, reload the page and try again."),
            "form_expired",
        )

    @app.errorhandler(413)
    def too_large(error):
        return page(413, _("Too large"), _("The upload is larger than allowed."), "too_large")

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return page(
            500,
            _("Something went wrong"),
            _("The error has been logged. Nothing you sent was half-saved; please try again."),
            "server_error",
        )


def _register_template_helpers(app: Flask) -> None:
    @app.template_filter("when")
    def when(value, fmt="medium"):
        # Stored as naive UTC; Flask-Babel shows it in the configured time zone.
        from datetime import timezone

        return format_datetime(value.replace(tzinfo=timezone.utc), fmt) if value else ""

    @app.template_global()
    def page_url(number: int, arg: str = "page") -> str:
        """The current page's address with another page number, other arguments kept."""
        args = {**(request.view_args or {}), **request.args.to_dict(), arg: number}
        return url_for(request.endpoint, **args)

    @app.template_filter("fen")
    def fen(value):
        return format_fen(value)

    @app.template_filter("number")
    def number(value):
        """A figure to one decimal at most, in the reader's locale; a dash when there is none."""
        return "—" if value is None else format_decimal(value, format="#,##0.#")

    @app.template_filter("percent")
    def percent(value):
        """A share already in percent (outcomes.figures), to one decimal at most."""
        return "—" if value is None else format_decimal(value, format="#,##0.#") + "%"

    app.jinja_env.globals["large_text"] = display.large_text  # the reader's display (core/display.py)
    app.jinja_env.globals["grade_badge"] = grade_badge  # filled by site.badges.fill_grade_badges
    app.jinja_env.globals["once_token"] = once_token  # the one-time token of a button's form (_macros.html)

    @app.context_processor
    def globals_for_templates():
        signed_in = has_request_context() and current_user.is_authenticated
        return {
            "unread_notifications": unread_count(current_user) if signed_in else 0,
            "Role": Role,
            "ROLE_LABELS": ROLE_LABELS,
            "current_locale": select_locale(),
            "show_outbox": signed_in and may_read_outbox(),
        }


def _register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(money_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(ocds_cli)
    app.cli.add_command(housekeeping_cli)
    app.cli.add_command(tasks_cli)
    app.cli.add_command(outcomes_cli)
