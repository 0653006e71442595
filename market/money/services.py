"""The money rules: what each step of a contract does in the ledger.

Award commits budget; acceptance makes a tranche payable; payment settles it; ending a
contract returns what was committed and not used. Each step has one idempotency key, so a
step repeated (a retry, a double click, two people at once) moves money once.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from market.accounts.models import User
from market.accounts.roles import Role
from market.core import unit
from market.core.errors import PermissionDenied, ServiceError
from market.core.unit import done_once
from market.extensions import db
from market.money import ledger
from market.money.models import LedgerTransaction

MAX_APPROPRIATION_FEN = 10**13  # a hundred billion yuan: anything above is a typing error


def may_record_budget(user, department_id: int) -> bool:
    return bool(user and user.is_authenticated and (department_id in user.department_ids()
                                                    or user.has_role(Role.CIVIL_AFFAIRS)))


def appropriate(actor: User, department_id: int, amount_fen: int, reference: str, token: str) -> LedgerTransaction:
    """Record budget allotted to a department (by the finance bureau, under a document number)."""
    if not may_record_budget(actor, department_id):
        raise PermissionDenied(_("Only a purchaser of this department or civil affairs can record its budget."))
    reference = " ".join((reference or "").split())[:200]
    if not reference:
        raise ServiceError(_("Give the budget document's number or a description."), field="reference")
    if not 0 < amount_fen <= MAX_APPROPRIATION_FEN:
        raise ServiceError(_("Enter an amount above zero."), field="amount")
    if not token or len(token) > 40:
        raise ServiceError(_("The form expired; open it again."))
    key = f"appropriation:{department_id}:{token}"

    def record() -> LedgerTransaction:
        transaction = ledger.transfer(
            "appropriation", key, ledger.account("department", department_id, "appropriation"),
            ledger.account("department", department_id, "budget"), amount_fen, memo=reference, actor=actor)
        unit.flush()
        return transaction

    return done_once(record, lambda: ledger.posted(key))  # the same form sent twice at once: one posting


def available_budget(department_id: int) -> int:
    return ledger.balance("department", department_id, "budget")


def budget(department_id: int):
    """A department's uncommitted budget: where its contracts' money comes from."""
    return ledger.account("department", department_id, "budget")


def source_of(contract):
    """Where a contract's money comes from and goes back to: the department's budget, or the grants
    pool of the venture-philanthropy round whose grant agreement it is."""
    if contract.round_id is not None:
        return ledger.account("round", contract.round_id, "grants")
    return budget(contract.department_id)


def commit(source, contract_id: int, amount_fen: int, actor=None) -> None:
    ledger.transfer(
        "commitment",
        f"commit:contract:{contract_id}",
        source,
        ledger.account("contract", contract_id, "committed"),
        amount_fen,
        actor=actor,
        contract_id=contract_id,
    )


def change_commitment(source, contract_id: int, delta_fen: int, key: str, actor=None) -> None:
    """An amendment's change of price: more is committed from the source, less goes back to it."""
    committed = ledger.account("contract", contract_id, "committed")
    if delta_fen > 0:
        ledger.transfer("commitment", key, source, committed, delta_fen, actor=actor, contract_id=contract_id)
    elif delta_fen < 0:
        ledger.transfer("release", key, committed, source, -delta_fen, actor=actor, contract_id=contract_id)


def make_payable(contract_id: int, milestone_id: int, amount_fen: int, actor=None) -> None:
    ledger.transfer(
        "payable",
        f"payable:milestone:{milestone_id}",
        ledger.account("contract", contract_id, "committed"),
        ledger.account("contract", contract_id, "payable"),
        amount_fen,
        actor=actor,
        contract_id=contract_id,
        milestone_id=milestone_id,
    )


def settle(contract_id: int, milestone_id: int, amount_fen: int, reference: str, actor=None) -> None:
    ledger.transfer("payment", f"paid:milestone:{milestone_id}", ledger.account("contract", contract_id, "payable"),
                    ledger.account("contract", contract_id, "paid"), amount_fen, memo=reference, actor=actor,
                    contract_id=contract_id, milestone_id=milestone_id)


def release(source, contract_id: int, key: str, actor=None) -> int:
    """Return the whole remaining commitment to where it came from; the amount returned."""
    remaining = ledger.balance("contract", contract_id, "committed")
    if remaining > 0:
        ledger.transfer("release", key, ledger.account("contract", contract_id, "committed"), source, remaining,
                        actor=actor, contract_id=contract_id)
    return remaining


def contract_position(contract_id: int) -> dict[str, int]:
    return {kind: ledger.balance("contract", contract_id, kind) for kind in ("committed", "payable", "paid")}


def contract_transactions(contract_id: int) -> list[LedgerTransaction]:
    return db.session.scalars(select(LedgerTransaction).where(LedgerTransaction.contract_id == contract_id)
                              .order_by(LedgerTransaction.id)).all()


def department_transactions(department_id: int) -> list[LedgerTransaction]:
    """Budget records of a department: appropriations (contract postings are on the contracts)."""
    return db.session.scalars(select(LedgerTransaction).where(
        LedgerTransaction.key.like(f"appropriation:{department_id}:%")).order_by(LedgerTransaction.id.desc())).all()
