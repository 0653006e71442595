"""The pages of a place (city, district, street, community): each shows what several areas know of
it (needs, requests, hearings, organizations, ratings), so they live above all of them."""
from flask import Blueprint, abort, render_template
from flask_login import current_user

from market.core.page_cache import cached_page
from market.core.pagination import paginate
from market.evaluation import ratings
from market.extensions import db
from market.needs import access, listings, needs
from market.needs.forms import ThresholdForm
from market.needs.labels import LABELS
from market.organizations import services as organizations
from market.partnership import burden
from market.places import services
from market.places.models import District

bp = Blueprint("places", __name__, url_prefix="/places")


@bp.route("/")
@cached_page
def index():
    city = services.city()
    if city is None:
        abort(404)
    return render_template("places/city.html", city=city, districts=services.districts_with_counts(city.id))


@bp.route("/district/<int:district_id>")
@cached_page
def district(district_id: int):
    district = db.get_or_404(District, district_id)
    open_needs, requests = listings.district_rollup(district_id)
    return render_template("places/district.html", district=district, streets=services.streets_with_counts(district_id),
                           open_needs=open_needs, requests=requests)


@bp.route("/street/<int:street_id>")
@cached_page
def street(street_id: int):
    street = services.street_with_parents(street_id)
    if street is None:
        abort(404)
    open_needs, requests = listings.street_rollup(street_id)
    return render_template("places/street.html", street=street, page=paginate(services.communities_select(street_id)),
                           open_needs=open_needs, requests=requests)


@bp.route("/community/<int:community_id>")
@cached_page
def community(community_id: int):
    place = services.community_with_parents(community_id)
    if place is None:
        abort(404)
    threshold_form = ThresholdForm(threshold=needs.support_threshold(community_id))
    return render_template(
        "places/community.html", community=place, needs=paginate(listings.community_needs_select(community_id)),
        requests=paginate(listings.community_requests_select(community_id), per_page=10, arg="requests_page"),
        hearings=listings.upcoming_hearings(community_id),
        organizations=paginate(organizations.public_organizations_select(community_id=community_id), per_page=10,
                               arg="organizations_page"),
        resident=access.is_resident_of(current_user, community_id),
        worker=access.is_worker_of(current_user, community_id), threshold_form=threshold_form,
        satisfaction=ratings.satisfaction(community_id=community_id), burden=_burden(community_id), **LABELS,
    )


def _burden(community_id: int):
    """The community's burden figures, when there is anything to count."""
    row = db.session.execute(burden.community_select(community_id)).one()
    return row if any((row.admitted_tasks, row.refused_admissions, row.pushed_upheld, row.agreements)) else None
