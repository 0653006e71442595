"""Rules for purchase guidance catalogs. Only purchasers of the department draft, import and
publish its catalogs; a published catalog is public and never changes."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from market import clock
from market.accounts.models import User
from market.core import unit
from market.core.errors import NotFound, ServiceError
from market.extensions import db
from market.organizations.models import ServiceCategory
from market.places.models import Department
from market.procurement import catalog_files
from market.procurement.actions import CATALOG_ACTIONS
from market.procurement.models import CATALOG_MACHINE, CatalogItem, PurchaseCatalog
from market.procurement.purchasers import is_purchaser_of, require_purchaser_of

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def create_catalog(actor: User, department_id: int, year: int, title: str) -> PurchaseCatalog:
    require_purchaser_of(actor, department_id)
    title = " ".join((title or "").split())[:120]
    if not title:
        raise ServiceError(_("Give the catalog a title."), field="title")
    if not 2000 <= year <= clock.now().year + 1:
        raise ServiceError(_("Choose a year up to next year."), field="year")
    if db.session.scalar(select(PurchaseCatalog.id).filter_by(department_id=department_id, year=year, status="draft")):
        raise ServiceError(_("This department has a draft catalog for %(year)s already; finish that one.", year=year),
                           field="year")
    version = (db.session.scalar(select(func.max(PurchaseCatalog.version))
                                 .filter_by(department_id=department_id, year=year)) or 0) + 1
    catalog = PurchaseCatalog(department_id=department_id, year=year, version=version, title=title,
                              created_at=clock.now(), created_by_id=actor.id, status="draft")
    db.session.add(catalog)
    db.session.flush()
    CATALOG_MACHINE.start(catalog, actor, "")
    unit.flush()
    return catalog


def get_catalog(viewer, catalog_id: int) -> PurchaseCatalog:
    """Published and withdrawn catalogs are public; drafts are seen by the department's purchasers."""
    catalog = db.session.get(PurchaseCatalog, catalog_id)
    if catalog is None or (catalog.status == "draft" and not is_purchaser_of(viewer, catalog.department_id)):
        raise NotFound(_("This catalog does not exist or is not published yet."))
    return catalog


def category_lookup() -> dict[str, int]:
    """Category codes and names in both languages, lower-cased, to ids."""
    lookup = {}
    for category in db.session.scalars(select(ServiceCategory)):
        for key in (category.code, category.name_zh, category.name_en):
            lookup[key.lower()] = category.id
    return lookup


def import_items(actor: User, catalog: PurchaseCatalog, filename: str, data: bytes) -> catalog_files.ParsedCatalog:
    """Replace a draft's items with the file's rows, all of them or none: any error saves nothing."""
    CATALOG_ACTIONS.require(actor, catalog, "import_items")
    if len(data) > MAX_IMPORT_BYTES:
        raise ServiceError(_("The file is larger than %(mb)s MB.", mb=MAX_IMPORT_BYTES // (1024 * 1024)), field="file")
    parsed = catalog_files.read(filename, data, category_lookup())
    if parsed.errors:
        return parsed
    catalog.items.clear()
    db.session.flush()  # the old rows go first, so the same codes can come back
    catalog.items = [CatalogItem(position=index, **item) for index, item in enumerate(parsed.items)]
    unit.flush()
    return parsed


def publish(actor: User, catalog: PurchaseCatalog) -> None:
    """Publish a draft; the version it replaces, if any, is withdrawn in the same step."""
    CATALOG_ACTIONS.require(actor, catalog, "publish")
    previous = db.session.scalars(select(PurchaseCatalog).filter_by(
        department_id=catalog.department_id, year=catalog.year, status="published")).all()
    for old in previous:
        CATALOG_MACHINE.move(old, "withdrawn", actor, _("Replaced by version %(v)s", v=catalog.version))
    CATALOG_MACHINE.move(catalog, "published", actor, "")
    catalog.published_at = clock.now()
    unit.flush()


def public_catalogs_select(year: int | None = None, department_id: int | None = None):
    statement = (select(PurchaseCatalog).where(PurchaseCatalog.status == "published")
                 .options(db.joinedload(PurchaseCatalog.department).joinedload(Department.district))
                 .order_by(PurchaseCatalog.year.desc(), PurchaseCatalog.department_id))
    if year:
        statement = statement.where(PurchaseCatalog.year == year)
    if department_id:
        statement = statement.where(PurchaseCatalog.department_id == department_id)
    return statement


def own_drafts(actor: User) -> list[PurchaseCatalog]:
    departments = actor.department_ids()
    return db.session.scalars(select(PurchaseCatalog).where(PurchaseCatalog.department_id.in_(departments),
                                                            PurchaseCatalog.status == "draft")
                              .order_by(PurchaseCatalog.id.desc())).all()


def items_select(catalog: PurchaseCatalog):
    return select(CatalogItem).where(CatalogItem.catalog_id == catalog.id).order_by(CatalogItem.position)
