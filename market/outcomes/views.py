"""The public outcome figures of the city, a district, street, community or service category: the
headline figures, the same one level down, the months' chart, the definitions and the CSV."""
from flask import Blueprint, render_template
from flask_babel import gettext as _

from market.core.page_cache import cached_page
from market.core.tables import csv_response
from market.money.charts import svg_response
from market.outcomes import charts, figures

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")
SCOPE_KINDS = "any(district, street, community, category)"


def _where(scope: str | None, scope_id: int | None) -> figures.Scope:
    return figures.scope("city") if scope is None else figures.scope(scope, scope_id)


@bp.route("", defaults={"scope": None, "scope_id": None})
@bp.route(f"/<{SCOPE_KINDS}:scope>/<int:scope_id>")
@cached_page
def scoped(scope, scope_id):
    where = _where(scope, scope_id)
    whole, rows = figures.figures(where)
    return render_template("outcomes/scope.html", where=where, whole=whole, rows=rows,
                           definitions=figures.DEFINITIONS)


@bp.route("/chart.svg", defaults={"scope": None, "scope_id": None})
@bp.route(f"/<{SCOPE_KINDS}:scope>/<int:scope_id>/chart.svg")
def chart(scope, scope_id):
    where = _where(scope, scope_id)
    return svg_response(charts.posted_and_answered(figures.by_month(where), _("Needs posted and answered, by month")))


@bp.route("/figures.csv", defaults={"scope": None, "scope_id": None})
@bp.route(f"/<{SCOPE_KINDS}:scope>/<int:scope_id>/figures.csv")
def download(scope, scope_id):
    """The page's figures as open data: the place itself first, then one row each one level down."""
    where = _where(scope, scope_id)
    whole, rows = figures.figures(where)
    heading = [_("Place or category"), _("Needs posted"), _("Answered"), _("Answered by a service"),
               _("Handled by the community itself"), _("Stopped"), _("Answered (%)"),
               _("Median days to a service"), _("Waiting past 30 days"), _("Waiting past 90 days"),
               _("Ratings by those who asked"), _("Satisfaction (stars)")]
    lines = [(where.title, whole)] + [(name, part) for name, _id, part in rows]
    return csv_response(f"outcomes-{where.kind}-{where.id}.csv", heading, [
        (name, f.posted, f.answered, f.by_service, f.in_community, f.stopped, f.answered_share, f.median_days,
         f.waiting_30, f.waiting_90, f.ratings, f.satisfaction) for name, f in lines])
