"""Following the money: totals of signed contracts for a department, community, street,
category or the whole city, in a fixed number of SQL queries whatever the data size."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from market.contracts.models import SIGNED_STATUSES, Contract, Milestone, contract_community
from market.core.errors import existing
from market.extensions import db
from market.money.models import Account
from market.organizations.models import ServiceCategory
from market.places.models import Community, Department, Street

PUBLIC_STATUSES = SIGNED_STATUSES
SCOPES = ("city", "department", "community", "street", "category")


@dataclass
class Scope:
    kind: str
    id: int
    title: str
    record: object = None

    @property
    def grouped_by(self) -> str:
        """What the page's chart and table break the totals down by."""
        return "department" if self.kind in ("category", "city") else "category"

    def where(self, statement):
        statement = statement.where(Contract.status.in_(PUBLIC_STATUSES))
        if self.kind == "department":
            return statement.where(Contract.department_id == self.id)
        if self.kind == "category":
            return statement.where(Contract.category_id == self.id)
        if self.kind in ("community", "street"):
            served = select(contract_community.c.contract_id)
            if self.kind == "community":
                served = served.where(contract_community.c.community_id == self.id)
            else:
                served = served.join(Community, Community.id == contract_community.c.community_id) \
                    .where(Community.street_id == self.id)
            return statement.where(Contract.id.in_(served))
        return statement


def scope(kind: str, scope_id: int = 0) -> Scope:
    if kind == "city":
        return Scope("city", 0, _("The whole city"))
    model = {"department": Department, "community": Community, "street": Street, "category": ServiceCategory}[kind]
    record = existing(model, scope_id, _("This page does not exist."))
    return Scope(kind, scope_id, record.name, record)


def _balance(kind: str):
    account = aliased(Account)
    return account, and_(account.owner_type == "contract", account.owner_id == Contract.id, account.kind == kind)


def contract_rows(where: Scope):
    """A select of (Contract, paid, payable) rows, newest first, for a paginated table."""
    paid, paid_on = _balance("paid")
    payable, payable_on = _balance("payable")
    statement = select(Contract, func.coalesce(paid.balance_fen, 0), func.coalesce(payable.balance_fen, 0)) \
        .outerjoin(paid, paid_on).outerjoin(payable, payable_on)
    return where.where(statement).order_by(Contract.id.desc())


@dataclass
class Totals:
    contracts: int = 0
    price_fen: int = 0
    paid_fen: int = 0
    payable_fen: int = 0

    @property
    def outstanding_fen(self) -> int:
        return self.price_fen - self.paid_fen


def _totals_select():
    paid, paid_on = _balance("paid")
    payable, payable_on = _balance("payable")
    return (func.count(Contract.id), func.coalesce(func.sum(Contract.price_fen), 0),
            func.coalesce(func.sum(paid.balance_fen), 0), func.coalesce(func.sum(payable.balance_fen), 0)), \
        lambda statement: statement.outerjoin(paid, paid_on).outerjoin(payable, payable_on)


def totals(where: Scope) -> Totals:
    columns, joined = _totals_select()
    row = db.session.execute(where.where(joined(select(*columns).select_from(Contract)))).one()
    return Totals(*[int(v or 0) for v in row])


def breakdown(where: Scope, by: str) -> list[tuple[str, int, Totals]]:
    """Totals grouped by category or by department: [(name, id, Totals)], largest first. Two queries."""
    group_model, group_column = (ServiceCategory, Contract.category_id) if by == "category" \
        else (Department, Contract.department_id)
    columns, joined = _totals_select()
    rows = db.session.execute(where.where(joined(select(group_column, *columns).select_from(Contract)))
                              .group_by(group_column)).all()
    names = {g.id: g.name for g in db.session.scalars(select(group_model).where(
        group_model.id.in_([row[0] for row in rows])))} if rows else {}
    names[None] = _("Foundations and incubators (grants)")
    result = [(names.get(group_id, ""), group_id, Totals(*[int(v or 0) for v in values])) for group_id, *values in rows]
    return sorted(result, key=lambda item: (-item[2].price_fen, item[1] or 0))


def budget_position(department_id: int) -> dict[str, int]:
    """What a department was allotted, still has uncommitted, and has committed to contracts."""
    kinds = dict(db.session.execute(select(Account.kind, Account.balance_fen).where(
        Account.owner_type == "department", Account.owner_id == department_id)).all())
    return {"allotted": -kinds.get("appropriation", 0), "available": kinds.get("budget", 0)}


def late_payments(where: Scope, today) -> int:
    """Accepted tranches past their pay-by date and still unpaid."""
    statement = select(func.count(Milestone.id)).join(Contract, Contract.id == Milestone.contract_id).where(
        Milestone.status.in_(("accepted", "paying")), Milestone.pay_by < today)
    return db.session.scalar(where.where(statement)) or 0
