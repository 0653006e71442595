"""Who may act on an item of the ledger: the leaders who record it, the community (or, once it is
escalated, the street's or district's staff) who dispatch it, the people acting for the body it is
dispatched to, and the reporter who rates it. The reporter's name and phone are read only by those
who need them to act."""
from market.needs.access import is_worker_of
from market.places.models import Building, Grid


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def acts_for(user, body_kind: str, body_id: int | None) -> bool:
    """Whether `user` acts for the body (a department's staff, a company's members, the community's
    workers, the street office's or the district's staff)."""
    if not _signed_in(user) or body_id is None:
        return False
    held = {"department": user.department_ids, "organization": user.organization_ids,
            "community": user.worker_community_ids, "street": user.street_ids,
            "district": user.district_ids}.get(body_kind)
    return held is not None and body_id in held()


def handles(user, problem) -> bool:
    """Whether `user` acts for the body the item is dispatched to now."""
    dispatch = problem.current_dispatch
    return dispatch is not None and acts_for(user, dispatch.body_kind, dispatch.body_id)


def is_worker(user, problem) -> bool:
    return is_worker_of(user, problem.community_id)


def follows_up(user, problem) -> bool:
    """Whether `user` dispatches the item: the community's workers while the community follows it
    up, the street office's staff once it is escalated to the street, the district's at the district."""
    if not _signed_in(user):
        return False
    street = problem.community.street
    if problem.level == 0:
        return is_worker(user, problem)
    if problem.level == 1:
        return street.id in user.street_ids()
    return street.district_id in user.district_ids() or street.id in user.street_ids()


def leads(user, grid_id: int | None, building_id: int | None) -> bool:
    """Whether `user` is the grid leader of the grid or the building leader of the building."""
    if not _signed_in(user):
        return False
    return (grid_id is not None and grid_id in user.grid_ids()) or (
        building_id is not None and building_id in user.building_ids())


def may_record_in(user, community_id: int) -> bool:
    """Leaders record in their grids' community; workers in their communities."""
    if not _signed_in(user):
        return False
    return community_id in user.worker_community_ids() or community_id in led_communities(user)


def led_communities(user) -> set[int]:
    """The communities of the grids and buildings `user` leads (read from their grants)."""
    return ({g.grid.community_id for g in user.grants if g.grid is not None}
            | {g.building.grid.community_id for g in user.grants if g.building is not None})


def speaks_for_reporter(user, problem) -> bool:
    """Who rates or reopens for the reporter: the reporter when registered; otherwise the leader who
    recorded it, its grid's or building's leaders, or the community's workers (回访)."""
    if not _signed_in(user):
        return False
    if problem.reporter_id is not None:
        return user.id == problem.reporter_id
    if handles(user, problem):  # the body that did the work does not judge it
        return False
    return (user.id == problem.recorded_by_id or leads(user, problem.grid_id, problem.building_id)
            or is_worker(user, problem))


def reads_private(user, problem) -> bool:
    """Who reads the reporter's name and phone: whoever recorded it, the leaders of its grid and
    building (who call the resident back to rate it), the community's workers, those who follow it up
    or handle it now."""
    if not _signed_in(user):
        return False
    return (user.id == problem.recorded_by_id or leads(user, problem.grid_id, problem.building_id)
            or is_worker(user, problem) or follows_up(user, problem) or handles(user, problem))


def buildings_led(user) -> list[Building]:
    return [g.building for g in user.grants if g.building is not None]


def grids_led(user) -> list[Grid]:
    return [g.grid for g in user.grants if g.grid is not None]
