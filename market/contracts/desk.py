"""What waits on the desk in contracts (signatures, reports, acceptances, payments, amendments), and
the reminders of reports and payments that fall due."""
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from market.accounts import services as accounts
from market.accounts.roles import Role
from market.contracts.actions import CONTRACT_ACTIONS, MILESTONE_ACTIONS
from market.contracts.models import Contract, ContractAmendment, ContractSignature, Milestone
from market.contracts.terms import OPEN_MILESTONES
from market.core.desk import Item, Waiting, pile
from market.extensions import db
from market.notifications.reminders import Due, duty
from market.organizations import services as organizations


def _purchaser_side(user):
    """Contracts this person signs as purchaser (甲方): their departments', and the grants their
    incubator funds; None when they sign none."""
    departments = user.department_ids()
    funders = {g.organization_id for g in user.grants if g.role == Role.INCUBATOR_STAFF}
    if not (departments or funders):
        return None
    return or_(Contract.department_id.in_(departments), Contract.funder_organization_id.in_(funders))


def _organization_side(user):
    organizations = user.organization_ids()
    return Contract.organization_id.in_(organizations) if organizations else None


def _contract_item(action: str):
    return lambda contract: Item(contract.title, ("contracts.show", {"contract_id": contract.id}), action,
                                 note=contract.number)


def _milestone_item(action: str, due=lambda milestone: milestone.due_on):
    return lambda milestone, contract: Item(
        contract.title, ("contracts.show", {"contract_id": contract.id}), action, due=due(milestone),
        note=milestone.title)


def _unsigned_by(side: str):
    return ~exists().where(ContractSignature.contract_id == Contract.id, ContractSignature.side == side,
                           ContractSignature.terms_version == Contract.terms_version)


def _to_sign(side_condition, side: str):
    return Waiting(select(Contract).where(side_condition, Contract.status == "draft", _unsigned_by(side))
                   .order_by(Contract.created_at, Contract.id),
                   _contract_item(_("Read the terms and sign")), action=(CONTRACT_ACTIONS, "sign"))


def _amendments(side_condition, other_side: str):
    return Waiting(
        select(ContractAmendment, Contract).join(Contract, Contract.id == ContractAmendment.contract_id)
        .where(side_condition, ContractAmendment.status == "proposed",
               ContractAmendment.proposed_by_side == other_side)
        .order_by(ContractAmendment.proposed_at, ContractAmendment.id),
        lambda amendment, contract: Item(contract.title, ("contracts.show", {"contract_id": contract.id}),
                                         _("Agree or refuse the change"), note=amendment.reason[:60]))


@pile("purchaser", "contracts_to_sign", _l("Contracts to sign"))
def purchaser_contracts_to_sign(user, today, limits):
    side = _purchaser_side(user)
    return None if side is None else _to_sign(side, "purchaser")


@pile("purchaser", "reports_to_accept", _l("Delivery reports to accept"))
def reports_to_accept(user, today, limits):
    side = _purchaser_side(user)
    if side is None:
        return None
    return Waiting(
        select(Milestone, Contract).join(Contract).where(side, Milestone.status == "reported")
        .order_by(Milestone.due_on, Milestone.id),
        _milestone_item(_("Check the report and decide"), due=lambda milestone: None),
        action=(MILESTONE_ACTIONS, "decide"))


@pile("purchaser", "payments_due", _l("Tranches to pay"))
def payments_due(user, today, limits):
    side = _purchaser_side(user)
    if side is None:
        return None
    return Waiting(
        select(Milestone, Contract).join(Contract).where(side, Milestone.status == "accepted")
        .order_by(Milestone.pay_by, Milestone.id),
        _milestone_item(_("Pay the tranche"), due=lambda milestone: milestone.pay_by),
        action=(MILESTONE_ACTIONS, "pay"))


@pile("purchaser", "amendments", _l("Changes proposed by organizations"))
def purchaser_amendments(user, today, limits):
    side = _purchaser_side(user)
    return None if side is None else _amendments(side, "organization")


@pile("organization", "contracts_to_sign", _l("Contracts to sign"))
def organization_contracts_to_sign(user, today, limits):
    side = _organization_side(user)
    return None if side is None else _to_sign(side, "organization")


def reports_due_condition(today, limits):
    """Milestones whose report is due soon or late: not reported (or returned) on a contract in force."""
    horizon = today + timedelta(days=limits.due_soon_days)
    return and_(Contract.status == "active", Milestone.status.in_(OPEN_MILESTONES),
                Milestone.due_on <= horizon)


@pile("organization", "reports_due", _l("Delivery reports due"))
def reports_due(user, today, limits):
    side = _organization_side(user)
    if side is None:
        return None
    return Waiting(
        select(Milestone, Contract).join(Contract).where(side, reports_due_condition(today, limits))
        .order_by(Milestone.due_on, Milestone.id),
        _milestone_item(_("Report the delivery")), action=(MILESTONE_ACTIONS, "report"))


@pile("organization", "amendments", _l("Changes proposed by purchasers"))
def organization_amendments(user, today, limits):
    side = _organization_side(user)
    return None if side is None else _amendments(side, "purchaser")




# --- reminders (notifications/reminders.py) --------------------------------------------------------

def _contract_page(contract: Contract):
    return ("contracts.show", {"contract_id": contract.id})


@duty("milestone_report")
def report_reminders(today, limits):
    """The organization's members, of a report due soon or late."""
    rows = db.session.execute(select(Milestone, Contract).join(Contract).where(
        Contract.status == "active", Milestone.status.in_(OPEN_MILESTONES),
        Milestone.due_on <= today + timedelta(days=limits.remind_days_before))).all()
    members = organizations.members_of({contract.organization_id for _m, contract in rows})
    return [Due(milestone.id, milestone.due_on, members.get(contract.organization_id, []), "report_reminder",
                {"number": contract.number, "title": contract.title, "milestone": milestone.title},
                _contract_page(contract)) for milestone, contract in rows]


@duty("tranche_payment")
def payment_reminders(today, limits):
    """The purchasers of the department (or the funder's staff and members), of a tranche to pay."""
    rows = db.session.execute(select(Milestone, Contract).join(Contract).where(
        Milestone.status == "accepted", Milestone.pay_by.is_not(None),
        Milestone.pay_by <= today + timedelta(days=limits.remind_days_before))).all()
    purchasers = accounts.holders_of(Role.PURCHASER, {c.department_id for _m, c in rows if c.department_id})
    funders = {c.funder_organization_id for _m, c in rows if c.funder_organization_id}
    staff, members = accounts.holders_of(Role.INCUBATOR_STAFF, funders), organizations.members_of(funders)
    return [Due(milestone.id, milestone.pay_by,
                purchasers.get(contract.department_id, []) if contract.department_id else
                staff.get(contract.funder_organization_id, []) + members.get(contract.funder_organization_id, []),
                "payment_reminder", {"number": contract.number, "title": contract.title, "milestone": milestone.title},
                _contract_page(contract)) for milestone, contract in rows]
