"""A community's grids (片区) and buildings (楼栋), and their leaders: defined by the community's
workers, who appoint a registered person as grid leader (网格长) or building leader (楼栋长)."""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from market.accounts import services as accounts
from market.accounts.models import RoleGrant, User
from market.accounts.roles import Role
from market.core import sheets, unit
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.core.sheets import RowError
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


# --- a spreadsheet of grids and buildings ------------------------------------------------------------

COLUMNS = [("grid", "片区", "grid", True), ("building", "楼栋", "building", True),  # key, Chinese, English, required
           ("address", "地址", "address", False)]
MAX_ROWS = 2000  # buildings in one sheet


@dataclass
class Imported:
    grids: int = 0  # added
    buildings: int = 0  # added
    addresses: int = 0  # of buildings already there, changed
    errors: list[RowError] = field(default_factory=list)


def import_sheet(actor: User, community_id: int, filename: str, data: bytes) -> Imported:
    """A community's grids and buildings from an .xlsx or .csv, one building a row (片区, 楼栋, 地址):
    grids and buildings not there yet are added, a known building's address is updated. Every row
    is checked first; with any error nothing is saved and every error is reported."""
    _require(actor, community_id)
    table = sheets.read_table(filename, data, COLUMNS, MAX_ROWS, _("A sheet has at most %(n)s buildings.", n=MAX_ROWS))
    result, parsed = Imported(errors=table.errors), _parse_rows(table.rows)
    result.errors += parsed[1]
    if result.errors:
        return result
    grids = {g.name: g for g in db.session.scalars(select(Grid).where(Grid.community_id == community_id)
                                                  .options(db.selectinload(Grid.buildings)))}
    for grid_name, building_name, address in parsed[0]:
        grid = grids.get(grid_name)
        if grid is None:
            grid = grids[grid_name] = Grid(community_id=community_id, name=grid_name, buildings=[])
            db.session.add(grid)
            result.grids += 1
        building = next((b for b in grid.buildings if b.name == building_name), None)
        if building is None:
            grid.buildings.append(Building(name=building_name, address=address))
            result.buildings += 1
        elif address and building.address != address:
            building.address = address
            result.addresses += 1
    unit.refuse_if_taken(_("Another import or change of these grids happened at the same moment: try again."))
    return result


def _parse_rows(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[tuple[str, str, str]], list[RowError]]:
    found, seen, errors = [], {}, []
    for number, cells in rows:
        grid, building, address = cells["grid"], cells["building"], cells.get("address", "")
        for column, text, most in (("片区", grid, 40), ("楼栋", building, 40)):
            if not text:
                errors.append(RowError(number, column, _("This cell is empty.")))
            elif len(text) > most:
                errors.append(RowError(number, column, _("At most %(n)s characters.", n=most)))
        if len(address) > 120:
            errors.append(RowError(number, "地址", _("The address has at most 120 characters.")))
        if (grid, building) in seen:
            errors.append(RowError(number, "楼栋", _("%(grid)s %(building)s is on row %(row)s already.", grid=grid,
                                                     building=building, row=seen[(grid, building)])))
        seen.setdefault((grid, building), number)
        found.append((grid, building, address))
    return found, errors
