"""Where public money goes: totals and contracts by department, community, street and category,
with their charts and CSV, and the department's budget records. Above contracts, whose spending it
reads, and money, whose ledger it shows."""
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market import clock
from market.contracts.models import CONTRACT_MACHINE
from market.core.errors import PermissionDenied
from market.core.forms import fen_from, run_form
from market.core.money import format_yuan
from market.core.pagination import paginate
from market.core.tables import csv_response
from market.money import charts
from market.money import services as money
from market.money.forms import BudgetForm
from market.spending import reports

bp = Blueprint("spending", __name__, url_prefix="/money")
SCOPE_KINDS = "any(department, community, street, category)"  # the <scope> part of an address


def _where(scope: str | None, scope_id: int | None) -> reports.Scope:
    return reports.scope("city") if scope is None else reports.scope(scope, scope_id)


@bp.route("")
def overview():
    return _render(_where(None, None))


@bp.route(f"/<{SCOPE_KINDS}:scope>/<int:scope_id>", methods=["GET", "POST"])
def scoped(scope: str, scope_id: int):
    where = _where(scope, scope_id)
    form = None
    if scope == "department" and money.may_record_budget(current_user, scope_id):
        form = BudgetForm()
        done = run_form(form, lambda: money.appropriate(current_user, scope_id, fen_from(form.amount.data, "amount"),
                                                        form.reference.data, form.once.data),
                        _("The budget is recorded."), url_for("spending.scoped", scope=scope, scope_id=scope_id))
        if done:
            return done
    elif request.method == "POST":
        raise PermissionDenied(_("Only a purchaser of this department can do this."))
    return _render(where, form)


def _render(where: reports.Scope, form=None):
    by = where.grouped_by
    extra = {}
    if where.kind == "department":
        extra = {"budget": reports.budget_position(where.id), "appropriations": money.department_transactions(where.id)}
    return render_template(
        "money/scope.html", where=where, totals=reports.totals(where), breakdown=reports.breakdown(where, by), by=by,
        page=paginate(reports.contract_rows(where), rows=True), late=reports.late_payments(where, clock.today()),
        machine=CONTRACT_MACHINE, form=form, **extra)


@bp.route("/contracts.csv", defaults={"scope": None, "scope_id": None})
@bp.route(f"/<{SCOPE_KINDS}:scope>/<int:scope_id>/contracts.csv")
def download(scope, scope_id):
    where = _where(scope, scope_id)
    rows = [(c.number, c.title, c.purchaser_name, c.organization.name, c.category.name,
             CONTRACT_MACHINE.label(c.status), format_yuan(c.price_fen), format_yuan(paid), format_yuan(payable),
             c.starts_on.isoformat(), c.ends_on.isoformat())
            for c, paid, payable in reports.db.session.execute(reports.contract_rows(where)).all()]
    heading = [_("Contract number"), _("Title"), _("Department"), _("Organization"), _("Category"), _("Status"),
               _("Price (yuan)"), _("Paid (yuan)"), _("Payable (yuan)"), _("Starts on"), _("Ends on")]
    return csv_response(f"contracts-{where.kind}-{where.id}.csv", heading, rows)


@bp.route("/chart.svg", defaults={"scope": None, "scope_id": None})
@bp.route(f"/<{SCOPE_KINDS}:scope>/<int:scope_id>/chart.svg")
def chart(scope, scope_id):
    where = _where(scope, scope_id)
    by = where.grouped_by
    title = _("Contracted and paid by department") if by == "department" else _("Contracted and paid by category")
    return charts.svg_response(charts.contracted_and_paid(reports.breakdown(where, by), title))
