"""Amendments to a contract in force: one side proposes new dates and amounts for the milestones not
yet reported, and the other agrees (the new terms are signed by both, and the budget's commitment
follows the price) or refuses."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.contracts.access import require_side
from market.contracts.actions import CONTRACT_ACTIONS
from market.contracts.models import AMENDMENT_MACHINE, Contract, ContractAmendment, ContractSignature
from market.contracts.steps import record_step, tell_sides
from market.contracts.terms import OPEN_MILESTONES, price_refusal, refuse_terms_problem, terms_digest, terms_of
from market.core import text, unit
from market.core.errors import ServiceError
from market.extensions import db
from market.money import services as money

# --- amendments ----------------------------------------------------------------------------------

@dataclass
class AmendmentData:
    ends_on: date
    reason: str
    open_milestones: dict[int, tuple[date, int]]  # milestone id → (due on, amount in fen)


def open_amendment(contract: Contract) -> ContractAmendment | None:
    return db.session.scalar(select(ContractAmendment).filter_by(contract_id=contract.id, status="proposed"))


def amendments(contract: Contract) -> list[ContractAmendment]:
    return db.session.scalars(select(ContractAmendment).filter_by(contract_id=contract.id)
                              .order_by(ContractAmendment.id)).all()


def propose_amendment(actor: User, contract: Contract, side: str, data: AmendmentData) -> ContractAmendment:
    """Propose new dates and amounts for the milestones not yet reported; the price follows.

    Accepted and paid tranches stay as they are; the price never exceeds the award."""
    require_side(actor, contract, side)
    CONTRACT_ACTIONS.require(actor, contract, "propose_amendment")
    if open_amendment(contract) is not None:
        raise ServiceError(_("An amendment is waiting for an answer; settle it first."), code="amendment_open")
    reason = text.required(data.reason, 2000, _("Say why the contract changes."), "reason")
    open_ids = {m.id for m in contract.milestones if m.status in OPEN_MILESTONES}
    if set(data.open_milestones) != open_ids:
        raise ServiceError(_("The contract changed meanwhile; open the form again."))
    milestones = []
    for m in contract.milestones:
        due_on, amount = data.open_milestones.get(m.id, (m.due_on, m.amount_fen))
        if m.id in open_ids and amount <= 0:
            raise ServiceError(_("Every milestone releases an amount above zero."))
        milestones.append({"id": m.id, "title": m.title, "due_on": due_on.isoformat(), "amount_fen": amount})
    price = sum(m["amount_fen"] for m in milestones)
    if price > contract.ceiling_fen:
        raise price_refusal(contract.ceiling_fen)
    dues = [m["due_on"] for m in milestones]
    if dues != sorted(dues) or dues[-1] > data.ends_on.isoformat() or data.ends_on < contract.starts_on:
        raise ServiceError(_("Milestones fall due in order, within the contract's term."))
    refuse_terms_problem(contract, contract.starts_on, data.ends_on)
    unchanged = data.ends_on == contract.ends_on and all(
        (m["due_on"], m["amount_fen"]) == (old.due_on.isoformat(), old.amount_fen)
        for m, old in zip(milestones, contract.milestones))
    if unchanged:  # the other side would be asked to agree to nothing
        raise ServiceError(_("This proposal changes nothing: change a date or an amount first."),
                           code="amendment_changes_nothing")
    proposal = ContractAmendment(
        contract_id=contract.id, from_version=contract.terms_version, reason=reason, proposed_by_side=side,
        proposed_by_id=actor.id, proposed_at=clock.now(),
        proposed_terms={"price_fen": price, "ends_on": data.ends_on.isoformat(), "milestones": milestones},
        previous_terms=terms_of(contract))
    db.session.add(proposal)
    AMENDMENT_MACHINE.start(proposal, actor, reason)
    tell_sides(contract, "amendment_proposed", actor, sides=({"purchaser", "organization"} - {side}), reason=reason)
    unit.flush()
    return proposal


def answer_amendment(actor: User, contract: Contract, agree: bool, note: str = "") -> ContractAmendment:
    """The other side agrees (the new terms are signed by both and in force) or refuses."""
    proposal = open_amendment(contract)
    if proposal is None:
        raise ServiceError(_("There is no amendment to answer."))
    other = "organization" if proposal.proposed_by_side == "purchaser" else "purchaser"
    require_side(actor, contract, other)
    if proposal.from_version != contract.terms_version:
        raise ServiceError(_("The contract changed meanwhile; open the form again."))
    now = clock.now()
    proposal.decided_by_id, proposal.decided_at = actor.id, now
    proposal.decision_note = text.clean(note, 2000)
    if not agree:
        if not proposal.decision_note:
            raise ServiceError(_("Give a reason."), field="note")
        AMENDMENT_MACHINE.move(proposal, "refused", actor, proposal.decision_note)
        tell_sides(contract, "amendment_refused", actor, sides=(proposal.proposed_by_side,),
                   note=proposal.decision_note)
        unit.flush()
        return proposal
    new = proposal.proposed_terms
    delta = new["price_fen"] - contract.price_fen
    amounts = {m["id"]: (date.fromisoformat(m["due_on"]), m["amount_fen"]) for m in new["milestones"]}
    for m in contract.milestones:
        m.due_on, m.amount_fen = amounts[m.id]
    contract.price_fen, contract.ends_on = new["price_fen"], date.fromisoformat(new["ends_on"])
    shares = _shares(contract.price_fen, [m.amount_fen for m in contract.milestones])
    for m, bp in zip(contract.milestones, shares):
        m.share_bp = bp
    contract.terms_version += 1
    AMENDMENT_MACHINE.move(proposal, "agreed", actor, proposal.decision_note)
    digest = terms_digest(contract)
    db.session.add_all([
        ContractSignature(contract_id=contract.id, terms_version=contract.terms_version, side=proposal.proposed_by_side,
                          user_id=proposal.proposed_by_id, signed_at=proposal.proposed_at, terms_digest=digest),
        ContractSignature(contract_id=contract.id, terms_version=contract.terms_version, side=other, user_id=actor.id,
                          signed_at=now, terms_digest=digest)])
    money.change_commitment(money.source_of(contract), contract.id, delta, f"amendment:{proposal.id}", actor)
    record_step(contract, "contract_amended", actor, reason=proposal.reason, price_fen=contract.price_fen)
    unit.flush()
    return proposal


def _shares(price_fen: int, amounts: list[int]) -> list[int]:
    """Basis points of each amount in the price, summing to exactly 10000 (largest remainder)."""
    raw = [(amount * 10000) // price_fen for amount in amounts]
    remainders = sorted(range(len(amounts)), key=lambda i: -((amounts[i] * 10000) % price_fen))
    for i in remainders[:10000 - sum(raw)]:
        raw[i] += 1
    return raw
