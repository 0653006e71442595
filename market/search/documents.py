"""What is searchable: one `Kind` per kind of record, each saying which records are public and
what of them is indexed. Only public records are ever turned into documents, and only their public
text: a draft tender, a hidden need, a proposal before its round's results or any bid never reach
an index, so no index can leak them."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from market.contracts.models import SIGNED_STATUSES, Contract
from market.core.workflow import StatusChange
from market.extensions import db
from market.needs.models import CommunityRequest, Need
from market.organizations.models import Organization, OrganizationGrade
from market.philanthropy.models import Proposal, Round
from market.philanthropy.proposals import may_read_proposal
from market.places.models import Community, Street
from market.procurement.models import Tender
from market.procurement.undertakers import current_grades

BATCH = 500  # records read at once when the whole index is rebuilt


@dataclass
class Document:
    kind: str
    record_id: int
    title: str
    body: str
    category_id: int | None = None
    places: list[str] = field(default_factory=list)  # d<district id>, s<street id>, c<community id>
    status: str = ""
    grade: int = 0  # a grade in force (organizations, suppliers, applicants) or a tender's minimum

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_id}"


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # lazily translated
    endpoint: str
    id_arg: str
    public_ids: Callable  # () -> select of the ids of every public record
    build: Callable  # (ids) -> documents of those ids that are public


def _places(community_ids: Iterable[int] = (), street_ids: Iterable[int] = (),
            district_ids: Iterable[int] = ()) -> list[str]:
    """Place tokens for filters: a community also counts for its street and district."""
    communities, streets, districts = set(community_ids), set(street_ids), set(district_ids)
    if communities:
        for street_id, district_id in db.session.execute(
                select(Street.id, Street.district_id).join(Community, Community.street_id == Street.id)
                .where(Community.id.in_(communities))):
            streets.add(street_id)
            districts.add(district_id)
    streets.discard(None)
    if streets:
        districts.update(db.session.scalars(select(Street.district_id).where(Street.id.in_(streets))))
    return sorted({f"c{i}" for i in communities} | {f"s{i}" for i in streets if i}
                  | {f"d{i}" for i in districts if i})


def _grades() -> dict[int, int]:
    return current_grades()


def _needs(ids):
    rows = db.session.scalars(select(Need).where(Need.id.in_(ids), Need.hidden_at.is_(None))).all()
    return [Document("need", n.id, n.title, n.description, n.category_id, _places([n.community_id]), n.status)
            for n in rows]


def _public_needs():
    return select(Need.id).where(Need.hidden_at.is_(None))


def _requests(ids):
    rows = db.session.scalars(select(CommunityRequest).where(CommunityRequest.id.in_(ids))).all()
    return [Document("request", r.id, r.title, r.description, r.category_id, _places([r.community_id]), r.status)
            for r in rows]


def _public_requests():
    return select(CommunityRequest.id)


def _tenders(ids):
    rows = db.session.scalars(select(Tender).where(Tender.id.in_(ids), Tender.status != "draft")
                              .options(db.selectinload(Tender.communities), db.joinedload(Tender.catalog_item))).all()
    return [Document("tender", t.id, t.title,
                     # the category's names too, so a search for 养老服务 finds the tenders of that category
                     "\n".join((t.description, t.service_standards, t.catalog_item.name, t.department.name,
                                t.category.name_zh, t.category.name_en)),
                     t.category_id,
                     _places([c.id for c in t.communities], [t.department.street_id], [t.department.district_id]),
                     t.status, t.min_grade or 0)
            for t in rows]


def _public_tenders():
    return select(Tender.id).where(Tender.status != "draft")


def _organizations(ids):
    rows = db.session.scalars(select(Organization).where(Organization.id.in_(ids), Organization.status == "approved")
                              .options(db.selectinload(Organization.categories),
                                       db.selectinload(Organization.communities))).all()
    grades = _grades() if rows else {}
    return [Document("organization", o.id, o.name,
                     "\n".join([o.description, " ".join(c.name_zh for c in o.categories)]),
                     o.categories[0].id if o.categories else None,
                     _places([c.id for c in o.communities], district_ids=[o.district_id]),
                     o.status, grades.get(o.id, 0))
            for o in rows]


def _public_organizations():
    return select(Organization.id).where(Organization.status == "approved")




def _contracts(ids):
    rows = db.session.scalars(select(Contract).where(Contract.id.in_(ids),
                                                     Contract.status.in_(SIGNED_STATUSES))
                              .options(db.selectinload(Contract.communities))).all()
    grades = _grades() if rows else {}
    return [Document("contract", c.id, c.title,
                     "\n".join((c.service_standards, c.organization.name, c.purchaser_name)), c.category_id,
                     _places([m.id for m in c.communities],
                             [c.department.street_id] if c.department else [],
                             [c.department.district_id] if c.department else []),
                     c.status, grades.get(c.organization_id, 0))
            for c in rows]


def _public_contracts():
    return select(Contract.id).where(Contract.status.in_(SIGNED_STATUSES))


def _proposals(ids):
    rows = db.session.scalars(select(Proposal).where(Proposal.id.in_(ids))
                              .options(db.selectinload(Proposal.requests), db.joinedload(Proposal.organization),
                                       db.joinedload(Proposal.round))).all()
    rows = [p for p in rows if may_read_proposal(None, p)]
    grades = _grades() if rows else {}
    return [Document("proposal", p.id, p.title,
                     "\n".join((p.problem, p.target_group, p.activities, p.outcomes, p.organization.name,
                                p.round.title)),
                     p.category_id,
                     _places([r.community_id for r in p.requests], district_ids=[p.organization.district_id]),
                     p.status, grades.get(p.organization_id, 0))
            for p in rows]


def _public_proposals():
    # Which of these are public depends on their round; `_proposals` decides, record by record.
    return select(Proposal.id).where(Proposal.status.notin_(("submitted", "withdrawn")))


KINDS = {kind.name: kind for kind in (
    Kind("need", _l("Resident need"), "needs.show", "need_id", _public_needs, _needs),
    Kind("request", _l("Community request"), "needs.request_page", "request_id", _public_requests, _requests),
    Kind("tender", _l("Tender"), "procurement.tender", "tender_id", _public_tenders, _tenders),
    Kind("organization", _l("Organization"), "organizations.show", "organization_id", _public_organizations,
         _organizations),
    Kind("contract", _l("Contract"), "contracts.show", "contract_id", _public_contracts, _contracts),
    Kind("proposal", _l("Venture-philanthropy project"), "philanthropy.proposal", "proposal_id", _public_proposals,
         _proposals),
)}


def build(keys: Iterable[tuple[str, int]]) -> tuple[list[Document], set[tuple[str, int]]]:
    """Documents for the given (kind, id) keys, and the keys with no public record (to remove)."""
    by_kind: dict[str, set[int]] = {}
    for kind, record_id in keys:
        by_kind.setdefault(kind, set()).add(record_id)
    documents, gone = [], set()
    for kind, ids in by_kind.items():
        found = KINDS[kind].build(sorted(ids))
        documents.extend(found)
        gone |= {(kind, i) for i in ids} - {(d.kind, d.record_id) for d in found}
    return documents, gone


def everything(progress: Callable[[int], None] = lambda n: None):
    """Every public document, in batches (for a rebuild); `progress` hears how many were read."""
    for kind in KINDS.values():
        ids = db.session.scalars(kind.public_ids().order_by(None)).all()
        for start in range(0, len(ids), BATCH):
            batch = ids[start:start + BATCH]
            yield from kind.build(batch)
            progress(len(batch))
            db.session.expunge_all()  # a city has millions of rows; keep memory flat


def count_public() -> int:
    from sqlalchemy import func

    return sum(db.session.scalar(select(func.count()).select_from(kind.public_ids().subquery()))
               for kind in KINDS.values())


# --- which changes touch which documents --------------------------------------------------------

# A status change recorded by a state machine names its subject; these subjects are documents.
SUBJECTS = {"need": "need", "community_request": "request", "tender": "tender", "organization": "organization",
            "contract": "contract", "proposal": "proposal", "round": "round"}


def touched(obj) -> tuple[str, int] | None:
    """The (kind, id) a changed object affects, or None. `round` is expanded later to its proposals."""
    direct = {Need: "need", CommunityRequest: "request", Tender: "tender", Organization: "organization",
              Contract: "contract", Proposal: "proposal", Round: "round"}
    kind = direct.get(type(obj))
    if kind is not None:
        return (kind, obj.id) if obj.id is not None else None
    if isinstance(obj, StatusChange) and obj.subject_type in SUBJECTS:
        return SUBJECTS[obj.subject_type], obj.subject_id
    if isinstance(obj, OrganizationGrade):
        return "organization", obj.organization_id
    return None


def expand(keys: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Document keys for touched keys: a round stands for its proposals (they become public with it)."""
    result, rounds = set(), set()
    for kind, record_id in keys:
        if kind == "round":
            rounds.add(record_id)
        else:
            result.add((kind, record_id))
    if rounds:
        result |= {
            ("proposal", i) for i in db.session.scalars(select(Proposal.id).where(Proposal.round_id.in_(rounds)))
        }
    return result
