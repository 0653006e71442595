from flask import Blueprint, abort, render_template

from market.core.pagination import paginate
from market.extensions import db
from market.needs import services as needs
from market.places import services
from market.places.models import District
from market.core.page_cache import cached_page

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
    open_needs, requests = needs.district_rollup(district_id)
    return render_template("places/district.html", district=district, streets=services.streets_with_counts(district_id),
                           open_needs=open_needs, requests=requests)


@bp.route("/street/<int:street_id>")
@cached_page
def street(street_id: int):
    street = services.street_with_parents(street_id)
    if street is None:
        abort(404)
    open_needs, requests = needs.street_rollup(street_id)
    return render_template("places/street.html", street=street, page=paginate(services.communities_select(street_id)),
                           open_needs=open_needs, requests=requests)
