"""Drafting and signing contracts: the draft of an award or of a venture-philanthropy grant and the
budget it commits, changing a draft's terms, the signatures on each version of the terms (the
second puts the contract in force), the drafts waiting for a side, and cancelling a draft. Money
moves only through `market.money.services`, once per step."""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.contracts.access import require_side
from market.contracts.actions import CONTRACT_ACTIONS
from market.contracts.models import CONTRACT_MACHINE, MILESTONE_MACHINE, SIDES, Contract, ContractSignature
from market.contracts.steps import record_step, tell_sides
from market.contracts.terms import Terms, apply_terms, default_terms, refuse_terms_problem, terms_digest, validate
from market.core import text, unit
from market.core.errors import Ineligible, Problem, ServiceError
from market.core.money import format_fen
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.money import services as money
from market.procurement.awards import contract_blockers
from market.procurement.models import TENDER_MACHINE, Award, Bid, Tender
from market.rules import services as rules

# --- drafting and signing ----------------------------------------------------------------------

def _register(actor: User, contract: Contract, terms: Terms, prefix: str) -> None:
    """Save a new draft with its milestones, number it and start its state machines."""
    apply_terms(contract, terms)
    db.session.add(contract)
    db.session.flush()
    contract.number = f"{prefix}{contract.created_at.year}-{contract.id:06d}"
    CONTRACT_MACHINE.start(contract, actor, "")
    for milestone in contract.milestones:
        MILESTONE_MACHINE.start(milestone, actor, "")
    tell_sides(contract, "contract_to_sign", actor)


def draft_from_award(actor: User, award: Award) -> Contract:
    """The draft contract of an award, and the award's commitment of the department's budget.

    Called inside the award's transaction: if the budget cannot carry the price, nothing is awarded."""
    tender = db.session.get(Tender, award.tender_id)
    bid = db.session.get(Bid, award.bid_id)
    starts_on = (award.notice_ends_at + timedelta(days=1)).date()
    terms = default_terms(bid.price_fen, starts_on, tender.contract_months, tender.service_standards)
    contract = Contract(number="", award_id=award.id, tender_id=tender.id, department_id=tender.department_id,
                        organization_id=bid.organization_id, category_id=tender.category_id, title=tender.title,
                        service_standards="", price_fen=0, ceiling_fen=bid.price_fen, starts_on=starts_on,
                        ends_on=starts_on, payment_days=rules.in_force()["payment_days"], created_at=clock.now(),
                        created_by_id=actor.id, status="draft")
    contract.communities = list(tender.communities)
    _register(actor, contract, terms, "HT")  # 合同
    available = money.available_budget(contract.department_id)
    if available < contract.price_fen:
        raise ServiceError(_("The department's uncommitted budget (%(available)s) cannot carry this price "
                             "(%(price)s); record the budget first.", available=format_fen(available),
                             price=format_fen(contract.price_fen)), code="budget_cannot_carry_price")
    money.commit(money.source_of(contract), contract.id, contract.price_fen, actor)
    return contract


def draft_grant(actor: User, round_, proposal, terms: Terms) -> Contract:
    """The draft grant agreement of a selected venture-philanthropy project, on the round's sponsor.

    The grant part is committed from the round's grants pool here; the caller commits the
    project's gifts and match on top (in the same transaction)."""
    terms = validate(terms, terms.price_fen)
    contract = Contract(number="", round_id=round_.id, proposal_id=proposal.id, department_id=round_.department_id,
                        funder_organization_id=round_.organization_id, organization_id=proposal.organization_id,
                        category_id=proposal.category_id, title=proposal.title, service_standards="", price_fen=0,
                        ceiling_fen=terms.price_fen, starts_on=terms.starts_on, ends_on=terms.ends_on,
                        payment_days=rules.in_force()["payment_days"], created_at=clock.now(), created_by_id=actor.id,
                        status="draft")
    # The communities of the requests the project answers are those it serves: their verified
    # residents may rate it, as a tender's communities rate a purchased service.
    contract.communities = list({request.community_id: request.community for request in proposal.requests}.values())
    _register(actor, contract, terms, "ZZ")  # 资助
    money.commit(money.source_of(contract), contract.id, proposal.requested_fen, actor)
    return contract


def draft_entrusted(actor: User, department_id: int, organization_id: int, category_id: int, title: str,
                    communities: list, terms: Terms, ceiling_fen: int) -> Contract:
    """The draft agreement entrusting admitted work to a community's residents' committee or workstation
    (委托协议, 费随事转): the department pays from its budget, which must carry the price now."""
    terms = validate(terms, ceiling_fen)
    available = money.available_budget(department_id)
    if available < terms.price_fen:  # two drafts at once: the ledger refuses the second commitment
        raise ServiceError(_("The department's uncommitted budget (%(available)s) cannot carry this price "
                             "(%(price)s); record the budget first.", available=format_fen(available),
                             price=format_fen(terms.price_fen)), code="budget_cannot_carry_price", field="price")
    contract = Contract(number="", department_id=department_id, organization_id=organization_id,
                        category_id=category_id, title=title, service_standards="", price_fen=0,
                        ceiling_fen=ceiling_fen, starts_on=terms.starts_on, ends_on=terms.ends_on,
                        payment_days=rules.in_force()["payment_days"], created_at=clock.now(), created_by_id=actor.id,
                        status="draft")
    contract.communities = list(communities)
    _register(actor, contract, terms, "WT")  # 委托
    money.commit(money.source_of(contract), contract.id, contract.price_fen, actor)
    return contract


def contract_of_tender(tender_id: int) -> Contract | None:
    return db.session.scalar(select(Contract).where(Contract.tender_id == tender_id, Contract.status != "cancelled"))


def update_terms(actor: User, contract: Contract, terms: Terms) -> Contract:
    """Change a draft's terms. Signatures given on the earlier terms no longer count."""
    CONTRACT_ACTIONS.require(actor, contract, "change_terms")
    terms = validate(terms, contract.ceiling_fen)
    refuse_terms_problem(contract, terms.starts_on, terms.ends_on)
    delta = terms.price_fen - contract.price_fen
    contract.terms_version += 1
    for milestone in list(contract.milestones):
        db.session.delete(milestone)
    db.session.flush()
    apply_terms(contract, terms)
    db.session.flush()
    for milestone in contract.milestones:
        MILESTONE_MACHINE.start(milestone, actor, "")
    money.change_commitment(money.source_of(contract), contract.id, delta,
                            f"terms:{contract.id}:{contract.terms_version}", actor)
    unit.flush()
    return contract


def signatures(contract: Contract, version: int | None = None) -> list[ContractSignature]:
    return db.session.scalars(select(ContractSignature).where(
        ContractSignature.contract_id == contract.id,
        ContractSignature.terms_version == (version or contract.terms_version)).order_by(ContractSignature.id)).all()


def signing_blockers(contract: Contract) -> list[Problem]:
    if contract.status != "draft":
        return []
    if contract.tender is not None:
        return contract_blockers(contract.tender)
    return []


def sign(actor: User, contract: Contract, side: str) -> Contract:
    """Sign the current terms for one side; the second signature puts the contract in force."""
    if side not in SIDES:
        raise ServiceError(_("Choose a side to sign for."))
    require_side(actor, contract, side)
    if contract.status != "draft":
        raise ServiceError(_("Only a draft contract is signed."))
    blockers = signing_blockers(contract)
    if blockers:
        raise Ineligible(blockers, code="not_ready_to_sign")
    db.session.add(ContractSignature(contract_id=contract.id, terms_version=contract.terms_version, side=side,
                                     user_id=actor.id, signed_at=clock.now(), terms_digest=terms_digest(contract)))
    refuse_if_taken(_("This side has signed these terms already."), code="already_signed")
    if {s.side for s in signatures(contract)} == set(SIDES):
        _bring_into_force(actor, contract)
    return contract


def _bring_into_force(actor: User, contract: Contract) -> None:
    if not CONTRACT_MACHINE.claim(contract, "draft", "active", actor, ""):
        return  # the other side's signature, a moment ago, did it
    contract.signed_at = clock.now()
    if contract.tender is not None and contract.tender.status == "awarded":
        TENDER_MACHINE.move(contract.tender, "contracted", actor, "")
    record_step(
        contract, "contract_signed", actor, organization=contract.organization.name, price_fen=contract.price_fen
    )
    unit.flush()


def cancel_draft(actor: User, contract: Contract, reason: str) -> None:
    """Cancel a draft (the tender is cancelled after a challenge, say); its commitment returns to the budget."""
    CONTRACT_ACTIONS.require(actor, contract, "cancel_draft")
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    CONTRACT_MACHINE.move(contract, "cancelled", actor, reason)
    contract.ended_at, contract.end_cause = clock.now(), reason
    money.release(money.source_of(contract), contract.id, f"release:contract:{contract.id}", actor)
    unit.flush()


def drafts_for(user) -> list[Contract]:
    """Drafts waiting for this person's side to sign."""
    if not (user and user.is_authenticated):
        return []
    rows = db.session.scalars(select(Contract).where(Contract.status == "draft").where(
        Contract.department_id.in_(user.department_ids()) | Contract.organization_id.in_(user.organization_ids())
        | Contract.funder_organization_id.in_(user.acting_organization_ids()))
        .order_by(Contract.id)).all()
    return rows
