"""The double-entry ledger, in integer fen.

Chart of accounts (codes are "owner_type:owner_id:kind"):
- department:N:appropriation — where a department's budget comes from (goes negative by design);
- department:N:budget        — budget not yet committed;
- contract:N:committed       — the contract's price not yet due;
- contract:N:payable         — accepted tranches not yet paid;
- contract:N:paid            — money paid to the organization;
- round:N:grants / matching  — a venture-philanthropy round's pots, put in by its sponsor and co-funders;
- round:N:pledged            — co-funders' pledges to a round (a source: goes negative by what they put in);
- proposal:N:pool            — a selected project's gifts by card and, once giving closes, its match;
- incubator:N:funds          — an incubator's own money (a source) and organization:N:grants, its seed money;
- external:0:cards           — money paid in by card, the source side of incoming payments.

Every transaction balances (its entries sum to zero) and is posted once under its `key`.
Only source accounts may go negative; every other balance is guarded by the UPDATE itself,
so two postings at the same moment can never overdraw a budget or overpay a contract.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from market import clock
from market.core.errors import ServiceError
from market.extensions import db
from market.money.models import Account, Entry, LedgerTransaction

SOURCE_KINDS = frozenset({"appropriation", "cards", "pledged", "funds"})


class InsufficientFunds(ServiceError):
    default_code = "insufficient_funds"


@dataclass(frozen=True)
class Leg:
    account: Account
    amount_fen: int


def account(owner_type: str, owner_id: int, kind: str) -> Account:
    """The account, created on first use (a unique code settles two first uses at once)."""
    code = f"{owner_type}:{owner_id}:{kind}"
    found = db.session.scalar(select(Account).where(Account.code == code))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            created = Account(code=code, kind=kind, owner_type=owner_type, owner_id=owner_id, balance_fen=0)
            db.session.add(created)
        return created
    except IntegrityError:
        return db.session.scalar(select(Account).where(Account.code == code))


def balance(owner_type: str, owner_id: int, kind: str) -> int:
    value = db.session.scalar(select(Account.balance_fen).where(Account.code == f"{owner_type}:{owner_id}:{kind}"))
    return value or 0


def balances(owner_type: str, owner_ids, kinds) -> dict[tuple[int, str], int]:
    """Balances of many owners' accounts in one query: {(owner_id, kind): fen}."""
    rows = db.session.execute(select(Account.owner_id, Account.kind, Account.balance_fen).where(
        Account.owner_type == owner_type, Account.owner_id.in_(list(owner_ids)), Account.kind.in_(list(kinds))))
    return {(owner_id, kind): value for owner_id, kind, value in rows}


def posted(key: str) -> LedgerTransaction | None:
    return db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.key == key))


def post(kind: str, key: str, legs: list[Leg], *, memo: str = "", actor=None, contract_id: int | None = None,
         milestone_id: int | None = None) -> LedgerTransaction:
    """Post a balanced transaction once. Posting the same key again returns the first posting.

    Runs in the caller's transaction; a refusal (InsufficientFunds) leaves the caller to roll back."""
    if any(type(leg.amount_fen) is not int for leg in legs):
        raise TypeError("ledger amounts are integer fen")
    if sum(leg.amount_fen for leg in legs) != 0 or not legs:
        raise ValueError(f"unbalanced transaction {key}: {[leg.amount_fen for leg in legs]}")
    earlier = posted(key)
    if earlier is not None:
        return earlier
    transaction = LedgerTransaction(key=key, kind=kind, memo=memo, at=clock.now(), actor_id=getattr(actor, "id", None),
                                    contract_id=contract_id, milestone_id=milestone_id)
    db.session.add(transaction)
    db.session.flush()  # a second posting of the same key stops here on the unique key
    for leg in legs:
        if leg.amount_fen == 0:
            continue
        guarded = update(Account).where(Account.id == leg.account.id).values(
            balance_fen=Account.balance_fen + leg.amount_fen)
        if leg.account.kind not in SOURCE_KINDS and leg.amount_fen < 0:
            guarded = guarded.where(Account.balance_fen + leg.amount_fen >= 0)
        if db.session.execute(guarded.execution_options(synchronize_session=False)).rowcount != 1:
            raise InsufficientFunds(_("Not enough money in %(account)s for this step.", account=describe(leg.account)))
        db.session.add(Entry(transaction_id=transaction.id, account_id=leg.account.id, amount_fen=leg.amount_fen))
    db.session.flush()
    for leg in legs:
        db.session.expire(leg.account, ["balance_fen"])
    return transaction


def transfer(kind: str, key: str, source: Account, target: Account, amount_fen: int, **details) -> LedgerTransaction:
    """The common two-legged posting: move `amount_fen` from one account to another."""
    if amount_fen <= 0:
        raise ValueError("transfers move a positive amount")
    return post(kind, key, [Leg(source, -amount_fen), Leg(target, amount_fen)], **details)


ACCOUNT_NAMES = {
    "appropriation": lambda: _("appropriations"), "budget": lambda: _("the department's uncommitted budget"),
    "committed": lambda: _("the contract's commitment"), "payable": lambda: _("the contract's amount payable"),
    "paid": lambda: _("the contract's amount paid"), "pool": lambda: _("the pool"), "cards": lambda: _("card payments"),
    "grants": lambda: _("the grants pool"), "matching": lambda: _("the matching pool"),
}


def describe(account_row: Account) -> str:
    name = ACCOUNT_NAMES.get(account_row.kind)
    return name() if name else account_row.code


def unbalanced_transactions() -> list[int]:
    """Ids of transactions whose entries do not sum to zero (always empty; checked by tests and audits)."""
    return list(db.session.scalars(select(Entry.transaction_id).group_by(Entry.transaction_id)
                                   .having(func.sum(Entry.amount_fen) != 0)))


def drifted_accounts() -> list[str]:
    """Accounts whose kept balance differs from the sum of their entries (always empty)."""
    sums = select(Entry.account_id, func.coalesce(func.sum(Entry.amount_fen), 0).label("total")) \
        .group_by(Entry.account_id).subquery()
    rows = db.session.execute(select(Account.code, Account.balance_fen, sums.c.total)
                              .outerjoin(sums, sums.c.account_id == Account.id))
    return [code for code, kept, total in rows if kept != (total or 0)]
