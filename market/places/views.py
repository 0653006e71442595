from flask import Blueprint, abort, render_template
from market.core.pagination import paginate
from market.extensions import db
from market.organizations import services as organizations
from market.places import services
from market.places.models import District

bp = Blueprint("places", __name__, url_prefix="/places")


@bp.route("/")
def index():
    city = services.city()
    if city is None:
        abort(404)
    return render_template("places/city.html", city=city, districts=services.districts_with_counts(city.id))


@bp.route("/district/<int:district_id>")
def district(district_id: int):
    district = db.get_or_404(District, district_id)
    return render_template("places/district.html", district=district, streets=services.streets_with_counts(district_id))


@bp.route("/street/<int:street_id>")
def street(street_id: int):
    street = services.street_with_parents(street_id)
    if street is None:
        abort(404)
    return render_template("places/street.html", street=street, page=paginate(services.communities_select(street_id)))


@bp.route("/community/<int:community_id>")
def community(community_id: int):
    community = services.community_with_parents(community_id)
    if community is None:
        abort(404)
    serving = paginate(organizations.public_organizations_select(community_id=community_id))
    return render_template("places/community.html", community=community, organizations=serving)
