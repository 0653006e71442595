"""A district's two lists (两份清单), kept like its other rules: versions with the day each applies
from, never overlapping. Civil affairs or the district's staff draft a version (starting from the one
in force), import its items from a spreadsheet and publish it; a published version is public and
never changes, and the one before it stops applying the day the new one starts."""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from market import clock
from market.core import sheets, unit
from market.core.errors import InvalidTransition, NotFound, PermissionDenied, ServiceError
from market.extensions import db
from market.partnership import list_files
from market.partnership.actions import LIST_ACTIONS
from market.partnership.models import LIST_MACHINE, TaskList, TaskListItem
from market.places.models import District

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def create_draft(actor, district_id: int, title: str, source: str, effective_from: date | None) -> TaskList:
    """A new version of the district's lists, as a draft holding the items of the latest published one."""
    if db.session.get(District, district_id) is None:
        raise ServiceError(_("Choose a district."), field="district_id")
    if not (actor and actor.is_authenticated and actor.sets_rules_of(district_id)):
        raise PermissionDenied(_("Only civil affairs or the district's staff keep its two lists."))
    title, source = _described(title, source)
    _check_start(district_id, effective_from)
    if db.session.scalar(select(TaskList.id).filter_by(district_id=district_id, status="draft")):
        raise ServiceError(_("This district has a draft version already: finish that one."), field="district_id")
    version = (db.session.scalar(select(func.max(TaskList.version)).filter_by(district_id=district_id)) or 0) + 1
    latest = _latest_published(district_id)
    draft = TaskList(district_id=district_id, version=version, title=title, source=source,
                     effective_from=effective_from, created_at=clock.now(), created_by_id=actor.id,
                     items=[TaskListItem(position=i.position, code=i.code, kind=i.kind, title=i.title,
                                         legal_basis=i.legal_basis) for i in (latest.items if latest else [])])
    db.session.add(draft)
    LIST_MACHINE.start(draft, actor, "")
    unit.refuse_if_taken(_("Another version of these lists was started at the same moment: look at the lists again."),
                         code="list_race")
    return draft


def _described(title: str, source: str) -> tuple[str, str]:
    title, source = " ".join((title or "").split()), " ".join((source or "").split())
    if not title or len(title) > 120:
        raise ServiceError(_("Give the version a title of at most 120 characters."), field="title")
    if len(source) > 300:
        raise ServiceError(_("At most 300 characters."), field="source")
    return title, source


def change_draft(actor, task_list: TaskList, title: str, source: str, effective_from: date | None) -> None:
    """A draft's title, document and first day, until it is published (a day that passed unpublished
    is moved here, so the draft never sticks)."""
    LIST_ACTIONS.require(actor, task_list, "change")
    task_list.title, task_list.source = _described(title, source)
    _check_start(task_list.district_id, effective_from)
    _hold_draft(task_list)
    task_list.effective_from = effective_from
    unit.flush()


def _hold_draft(task_list: TaskList) -> None:
    """Hold the draft's row until the step commits, refusing if it was published meanwhile: an import
    or a change and a publication at the same moment happen one after the other, so a published
    version never changes."""
    held = db.session.execute(update(TaskList).where(TaskList.id == task_list.id, TaskList.status == "draft")
                              .values(status="draft").execution_options(synchronize_session=False)).rowcount
    if held != 1:
        raise InvalidTransition(_("This version was published meanwhile: it no longer changes."), code="published")


def _latest_published(district_id: int) -> TaskList | None:
    return db.session.scalar(select(TaskList).where(TaskList.district_id == district_id,
                                                    TaskList.status.in_(("published", "replaced")))
                             .order_by(TaskList.effective_from.desc()).limit(1))


def _check_start(district_id: int, effective_from: date | None) -> None:
    """A version applies from today or later, and after the latest published one starts: two versions
    never apply on the same day, and no decision already taken changes its basis."""
    if effective_from is None:
        raise ServiceError(_("Give the day the version applies from."), field="effective_from")
    if effective_from < clock.today():
        raise ServiceError(_("A version applies from today or a later day."), field="effective_from")
    latest = _latest_published(district_id)
    if latest is not None and effective_from <= latest.effective_from:
        raise ServiceError(_("Version %(v)s applies from %(day)s: this one starts after it.", v=latest.version,
                             day=latest.effective_from.isoformat()), field="effective_from", code="overlapping_rule")


def get_list(viewer, list_id: int) -> TaskList:
    """Published versions are public; a draft is seen by those who keep the district's lists."""
    found = db.session.get(TaskList, list_id)
    if found is None or (found.status == "draft" and not LIST_ACTIONS.of(viewer, found).can("import_items")):
        raise NotFound(_("This version of the lists does not exist or is not published yet."))
    return found


def import_items(actor, task_list: TaskList, filename: str, data: bytes) -> sheets.Imported:
    """Replace a draft's items with the file's rows, all of them or none: any error saves nothing."""
    LIST_ACTIONS.require(actor, task_list, "import_items")
    if len(data) > MAX_IMPORT_BYTES:
        raise ServiceError(_("The file is larger than %(mb)s MB.", mb=MAX_IMPORT_BYTES // (1024 * 1024)), field="file")
    items, errors = list_files.read(filename, data)
    if errors:
        return sheets.Imported(errors=errors)
    _hold_draft(task_list)
    task_list.items.clear()
    db.session.flush()  # the old rows go first, so the same codes can come back
    task_list.items = [TaskListItem(position=index, **item) for index, item in enumerate(items)]
    unit.flush()
    return sheets.Imported(items=items)


def publish(actor, task_list: TaskList) -> None:
    """Publish a draft. The version before it stops applying the day this one starts."""
    LIST_ACTIONS.require(actor, task_list, "publish")
    _check_start(task_list.district_id, task_list.effective_from)
    previous = db.session.scalars(select(TaskList).filter_by(district_id=task_list.district_id,
                                                             status="published")).all()
    if not LIST_MACHINE.claim(task_list, "draft", "published", actor, ""):
        raise InvalidTransition(LIST_MACHINE.taken_by_other(task_list, actor)
                                or _("This version was published at the same moment."), code="decided")
    for old in previous:
        old.effective_until = task_list.effective_from
        LIST_MACHINE.move(old, "replaced", actor, _("Replaced by version %(v)s from %(day)s", v=task_list.version,
                                                    day=task_list.effective_from.isoformat()))
    task_list.published_at = clock.now()
    unit.flush()


def in_force(district_id: int, day: date | None = None) -> TaskList | None:
    """The version that applies in the district on `day` (today by default)."""
    day = day or clock.today()
    return db.session.scalar(select(TaskList).where(
        TaskList.district_id == district_id, TaskList.status.in_(("published", "replaced")),
        TaskList.effective_from <= day, or_(TaskList.effective_until.is_(None), TaskList.effective_until > day))
        .options(db.selectinload(TaskList.items)).limit(1))


def coming(district_id: int) -> TaskList | None:
    """A published version that applies from a later day, if there is one."""
    return db.session.scalar(select(TaskList).where(
        TaskList.district_id == district_id, TaskList.status == "published",
        TaskList.effective_from > clock.today()).limit(1))


def versions(district_id: int) -> list[TaskList]:
    return db.session.scalars(select(TaskList).where(TaskList.district_id == district_id,
                                                     TaskList.status != "draft")
                              .order_by(TaskList.version.desc())).all()


def drafts_kept_by(actor) -> list[TaskList]:
    if not (actor and actor.is_authenticated):
        return []
    return [d for d in db.session.scalars(select(TaskList).where(TaskList.status == "draft")
                                          .options(db.joinedload(TaskList.district)).order_by(TaskList.id))
            if actor.sets_rules_of(d.district_id)]


def districts_with_lists() -> list[tuple[District, TaskList | None]]:
    """Every district and the version of its lists in force today (None where it has none)."""
    districts = db.session.scalars(select(District).order_by(District.code)).all()
    today = clock.today()
    current = {t.district_id: t for t in db.session.scalars(select(TaskList).where(
        TaskList.status.in_(("published", "replaced")), TaskList.effective_from <= today,
        or_(TaskList.effective_until.is_(None), TaskList.effective_until > today)))}
    return [(d, current.get(d.id)) for d in districts]


def item_counts(task_list_ids) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for list_id, kind, n in db.session.execute(
            select(TaskListItem.task_list_id, TaskListItem.kind, func.count())
            .where(TaskListItem.task_list_id.in_(list(task_list_ids)))
            .group_by(TaskListItem.task_list_id, TaskListItem.kind)):
        counts.setdefault(list_id, {})[kind] = n
    return counts
