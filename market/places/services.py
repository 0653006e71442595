"""Reading the place hierarchy; places change only through the seed and migrations (a community's
grids and buildings, through its workers: grid/grids.py)."""
from sqlalchemy import func, select

from market.extensions import db
from market.places.models import Building, City, Community, Department, District, Grid, Street


def community_with_parents(community_id: int) -> Community | None:
    """A community with its street, district and city, in one query (for breadcrumbs)."""
    return db.session.scalar(
        select(Community)
        .where(Community.id == community_id)
        .options(db.joinedload(Community.street).joinedload(Street.district).joinedload(District.city))
    )


def street_with_parents(street_id: int) -> Street | None:
    return db.session.scalar(
        select(Street).where(Street.id == street_id)
        .options(db.joinedload(Street.district).joinedload(District.city))
    )


def city() -> City | None:
    return db.session.scalar(select(City).order_by(City.id))


def districts_with_counts(city_id: int) -> list[tuple[District, int, int]]:
    """Each district with its number of streets and communities, in one query."""
    rows = db.session.execute(
        select(District, func.count(func.distinct(Street.id)), func.count(Community.id))
        .outerjoin(Street, Street.district_id == District.id)
        .outerjoin(Community, Community.street_id == Street.id)
        .where(District.city_id == city_id)
        .group_by(District.id)
        .order_by(District.id)
    ).all()
    return [(d, streets, communities) for d, streets, communities in rows]


def streets_with_counts(district_id: int) -> list[tuple[Street, int]]:
    rows = db.session.execute(
        select(Street, func.count(Community.id))
        .outerjoin(Community, Community.street_id == Street.id)
        .where(Street.district_id == district_id)
        .group_by(Street.id)
        .order_by(Street.id)
    ).all()
    return [(s, n) for s, n in rows]


def communities_select(street_id: int):
    return select(Community).where(Community.street_id == street_id).order_by(Community.id)


def community_choices() -> dict[str, list[tuple[int, str]]]:
    """Communities grouped by "district street", for a select with option groups."""
    rows = db.session.execute(
        select(Community.id, Community.name, Street.name, District.name)
        .join(Street, Community.street_id == Street.id)
        .join(District, Street.district_id == District.id)
        .order_by(District.id, Street.id, Community.id)
    ).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for community_id, community, street, district in rows:
        groups.setdefault(f"{district} · {street}", []).append((community_id, community))
    return groups


def street_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Street.id, Street.name, District.name).join(District)
                              .order_by(District.id, Street.id)).all()
    return [(street_id, f"{district} · {street}") for street_id, street, district in rows]


def district_choices() -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in db.session.scalars(select(District).order_by(District.id))]


def department_choices() -> list[tuple[int, str]]:
    return [
        (d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.district_id, Department.id))
    ]


def building_choices(community_id: int) -> list[tuple[int, str]]:
    """A community's buildings, by grid, as (id, "一片区 3幢")."""
    return [(i, f"{grid} {name}") for i, grid, name in db.session.execute(
        select(Building.id, Grid.name, Building.name).join(Grid).where(Grid.community_id == community_id)
        .order_by(Grid.id, Building.id))]
