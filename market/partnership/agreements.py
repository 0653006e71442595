"""Entrusted work by agreement (一份协议, 权随责走、费随事转): a department entrusts work civil affairs
admitted to one community's residents' committee or workstation by an agreement on the contracts
machinery. The money comes with the work: at most what the request offered a community a year, from
the department's budget, committed when the agreement is drafted and paid in tranches as the
department accepts the community's delivery. Work that was never admitted is never entrusted."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from market import clock
from market.contracts import signing
from market.contracts.models import SIGNED_STATUSES, Contract
from market.contracts.terms import default_terms
from market.core import unit
from market.core.errors import InvalidTransition, ServiceError
from market.core.money import format_fen
from market.extensions import db
from market.organizations.models import COMMUNITY_BODY_TYPES, Organization, ServiceCategory, organization_community
from market.partnership.actions import ADMISSION_ACTIONS
from market.partnership.admissions import applies_to
from market.partnership.models import AdmissionRequest, EntrustedAgreement
from market.places.models import Community

MAX_MONTHS = 12  # an agreement covers at most a year of the work; the next year gets a new one
LIVE = ("draft", "active")  # an agreement being signed or in force: the community has the work already


@dataclass
class AgreementData:
    organization_id: int | None
    category_id: int | None
    price_fen: int | None
    starts_on: date | None
    months: int | None
    standards: str


def communities_of(request: AdmissionRequest) -> list[Community]:
    """The communities the admitted work applies to: the one asked for, or every community of the street."""
    return db.session.scalars(select(Community).join(AdmissionRequest, applies_to(Community))
                              .where(AdmissionRequest.id == request.id).order_by(Community.id)).all()


def bodies_for(request: AdmissionRequest) -> list[tuple[Organization, int]]:
    """The approved residents' committees and workstations of the request's communities, each with its
    community's id, in the communities' order."""
    communities = communities_of(request)
    rows = db.session.execute(
        select(Organization, organization_community.c.community_id)
        .join(organization_community, organization_community.c.organization_id == Organization.id)
        .where(Organization.org_type.in_(COMMUNITY_BODY_TYPES), Organization.status == "approved",
               organization_community.c.community_id.in_([c.id for c in communities]))
        .order_by(organization_community.c.community_id, Organization.id)).all()
    return [(organization, community_id) for organization, community_id in rows]


def bodies_to_entrust(request: AdmissionRequest) -> list[tuple[Organization, int]]:
    """The bodies of communities with no agreement being signed or in force for the request: what the form
    offers."""
    taken = set(db.session.scalars(select(EntrustedAgreement.community_id).join(
        Contract, Contract.id == EntrustedAgreement.contract_id).where(
        EntrustedAgreement.admission_id == request.id, Contract.status.in_(LIVE))))
    return [(organization, community_id) for organization, community_id in bodies_for(request)
            if community_id not in taken]


def agreements_of(request: AdmissionRequest) -> list[EntrustedAgreement]:
    """Every agreement drafted for the request, cancelled drafts included, by community."""
    return db.session.scalars(select(EntrustedAgreement).where(EntrustedAgreement.admission_id == request.id)
                              .options(joinedload(EntrustedAgreement.community),
                                       joinedload(EntrustedAgreement.organization))
                              .order_by(EntrustedAgreement.community_id, EntrustedAgreement.id)).all()


def agreements_seen_by(viewer, request: AdmissionRequest) -> list[EntrustedAgreement]:
    """The request's agreements a person sees on its page: all of them for the department's staff, who
    draft them; the signed ones for everyone else (a draft is the two sides' business until signed)."""
    drafting = viewer is not None and viewer.is_authenticated and request.department_id in viewer.department_ids()
    return [a for a in agreements_of(request) if drafting or a.contract.status in SIGNED_STATUSES]


def agreement_of_contract(contract_id: int) -> EntrustedAgreement | None:
    return db.session.scalar(select(EntrustedAgreement).where(EntrustedAgreement.contract_id == contract_id))


def ceiling(request: AdmissionRequest, months: int) -> int:
    """The most an agreement of `months` may bring: what the request offered a community a year, for each
    year or part of one it covers."""
    return request.money_offered * -(-months // 12)


def draft(actor, request: AdmissionRequest, data: AgreementData) -> Contract:
    """Draft the agreement entrusting admitted work to one community's body; both sides then sign it on
    the contract's page. Refused for work not admitted, for a community that has a live agreement for
    it already, above the money the request offered, and beyond the department's budget."""
    ADMISSION_ACTIONS.require(actor, request, "entrust")
    _hold(request)
    body, community_id = _body(request, data.organization_id)
    live = db.session.scalar(select(Contract.number).join(EntrustedAgreement,
                                                         EntrustedAgreement.contract_id == Contract.id)
                             .where(EntrustedAgreement.admission_id == request.id,
                                    EntrustedAgreement.community_id == community_id, Contract.status.in_(LIVE)))
    if live is not None:
        raise ServiceError(_("This work is entrusted to this community already, by agreement %(number)s.",
                             number=live), field="organization_id", code="entrusted_already")
    if data.category_id is None or db.session.get(ServiceCategory, data.category_id) is None:
        raise ServiceError(_("Choose the service category."), field="category_id")
    if not data.months or not 1 <= data.months <= MAX_MONTHS:
        raise ServiceError(_("An agreement runs from 1 to %(n)s months.", n=MAX_MONTHS), field="months")
    if data.starts_on is None or data.starts_on < clock.today():
        raise ServiceError(_("The agreement starts today or later."), field="starts_on")
    most = ceiling(request, data.months)
    if not data.price_fen or not 0 < data.price_fen <= most:
        raise ServiceError(_("The request offered %(yearly)s a community a year: an agreement of %(months)s months "
                             "brings more than nothing and at most %(most)s.",
                             yearly=format_fen(request.money_offered), months=data.months, most=format_fen(most)),
                           field="price", code="above_money_offered")
    terms = default_terms(data.price_fen, data.starts_on, data.months, data.standards)
    community = db.session.get(Community, community_id)
    where = f"（{community.name}）"  # one agreement per community: its title says which
    contract = signing.draft_entrusted(actor, request.department_id, body.id, data.category_id,
                                       request.title[:120 - len(where)] + where, [community], terms, most)
    db.session.add(EntrustedAgreement(admission_id=request.id, contract_id=contract.id, community_id=community_id,
                                      organization_id=body.id, created_at=clock.now()))
    unit.flush()
    return contract


def _hold(request: AdmissionRequest) -> None:
    """Hold the request's row until the step commits: two agreements for the same community drafted at
    the same moment happen one after the other, and the second sees the first."""
    held = db.session.execute(update(AdmissionRequest).where(AdmissionRequest.id == request.id,
                                                             AdmissionRequest.status == "admitted")
                              .values(status="admitted").execution_options(synchronize_session=False)).rowcount
    if held != 1:
        raise InvalidTransition(_("Only admitted work is entrusted by agreement: this request is not admitted."),
                                code="not_admitted")


def _body(request: AdmissionRequest, organization_id: int | None) -> tuple[Organization, int]:
    for organization, community_id in bodies_for(request):
        if organization.id == organization_id:
            return organization, community_id
    raise ServiceError(_("Choose the residents' committee or workstation of a community the work was admitted for."),
                       field="organization_id", code="not_a_body_of_the_scope")
