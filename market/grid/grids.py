"""A community's grids (片区) and buildings (楼栋), and their leaders: defined by the community's
workers, who appoint a registered person as grid leader (网格长) or building leader (楼栋长)."""
from flask_babel import gettext as _
from sqlalchemy import select

from market.accounts import services as accounts
from market.accounts.models import RoleGrant, User
from market.accounts.roles import Role
from market.core import unit
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.extensions import db
from market.places.models import Building, Community, Grid


def may_manage(user, community_id: int) -> bool:
    return bool(user and user.is_authenticated and community_id in user.worker_community_ids())


def _require(user, community_id: int) -> None:
    if not may_manage(user, community_id):
        raise PermissionDenied(_("Only a community worker of this community defines its grids and buildings."))


def _name(value: str, field: str) -> str:
    name = " ".join(value.split())
    if not 1 <= len(name) <= 40:
        raise ServiceError(_("Give a name of at most 40 characters."), field=field)
    return name


def add_grid(actor: User, community_id: int, name: str) -> Grid:
    _require(actor, community_id)
    grid = Grid(community_id=community_id, name=_name(name, "name"))
    db.session.add(grid)
    unit.refuse_if_taken(_("The community has a grid of this name already."), field="name")
    return grid


def add_building(actor: User, grid: Grid, name: str, address: str = "") -> Building:
    _require(actor, grid.community_id)
    address = " ".join(address.split())
    if len(address) > 120:
        raise ServiceError(_("The address has at most 120 characters."), field="address")
    building = Building(grid_id=grid.id, name=_name(name, "building_name"), address=address)
    db.session.add(building)
    unit.refuse_if_taken(_("The grid has a building of this name already."), field="building_name")
    return building


def appoint(actor: User, email: str, grid: Grid | None = None, building: Building | None = None) -> RoleGrant:
    """Make a registered person the leader of a grid or a building."""
    community_id = grid.community_id if grid is not None else building.grid.community_id
    _require(actor, community_id)
    person = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if person is None:
        raise ServiceError(_("No one is registered with this e-mail: ask them to register first."), field="email",
                           code="no_such_person")
    if grid is not None:
        return accounts.bind_role(actor, person, Role.GRID_LEADER, grid.id)
    return accounts.bind_role(actor, person, Role.BUILDING_LEADER, building.id)


def get_grid(grid_id: int) -> Grid:
    grid = db.session.get(Grid, grid_id)
    if grid is None:
        raise NotFound(_("This grid does not exist."))
    return grid


def get_building(building_id: int) -> Building:
    building = db.session.get(Building, building_id)
    if building is None:
        raise NotFound(_("This building does not exist."))
    return building


def community_grids(community_id: int) -> list[Grid]:
    if db.session.get(Community, community_id) is None:
        raise NotFound(_("This community does not exist."))
    return list(db.session.scalars(select(Grid).where(Grid.community_id == community_id)
                                   .options(db.selectinload(Grid.buildings)).order_by(Grid.id)))


def leaders_of(community_id: int) -> dict[tuple[str, int], list[User]]:
    """("grid", id) or ("building", id) -> the people leading it."""
    grants = db.session.scalars(
        select(RoleGrant).options(db.joinedload(RoleGrant.user))
        .outerjoin(Grid, Grid.id == RoleGrant.grid_id)
        .outerjoin(Building, Building.id == RoleGrant.building_id)
        .where(RoleGrant.role.in_((Role.GRID_LEADER.value, Role.BUILDING_LEADER.value)))
        .where((Grid.community_id == community_id)
               | Building.grid_id.in_(select(Grid.id).where(Grid.community_id == community_id)))).unique().all()
    found: dict[tuple[str, int], list[User]] = {}
    for grant in grants:
        key = ("grid", grant.grid_id) if grant.grid_id else ("building", grant.building_id)
        found.setdefault(key, []).append(grant.user)
    return found


def building_choices(user, community_id: int) -> list[tuple[int, str]]:
    """The buildings `user` records problems for in a community: those they lead, those of the grids
    they lead, or all of the community's for its workers."""
    statement = select(Building.id, Grid.name, Building.name).join(Grid).where(Grid.community_id == community_id)
    if community_id not in user.worker_community_ids():
        statement = statement.where(Building.id.in_(user.building_ids()) | Grid.id.in_(user.grid_ids()))
    return [(i, f"{grid} {name}") for i, grid, name in db.session.execute(statement.order_by(Grid.id, Building.id))]
