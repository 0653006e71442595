"""Who may see and do what with a contract: its two sides (the purchaser or funder, and the
organization), who reads a draft, a milestone of the contract by its id, and the public list of
signed contracts."""

from flask_babel import gettext as _
from sqlalchemy import select

from market.contracts.models import SIGNED_STATUSES, Contract, Milestone
from market.core.errors import NotFound, PermissionDenied
from market.extensions import db

# --- who may see and do what ------------------------------------------------------------------

def sides_of(user, contract: Contract) -> set[str]:
    if not (user and user.is_authenticated):
        return set()
    sides = set()
    if contract.department_id in user.department_ids() \
            or contract.funder_organization_id in user.acting_organization_ids():
        sides.add("purchaser")
    if contract.organization_id in user.organization_ids():
        sides.add("organization")
    return sides


def get_contract(viewer, contract_id: int) -> Contract:
    """Contracts are public once signed; a draft is seen by its two sides only."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or (contract.status in ("draft", "cancelled") and not sides_of(viewer, contract)):
        raise NotFound(_("This contract does not exist or is not signed yet."))
    return contract


def side_refusal(user, contract: Contract, side: str) -> PermissionDenied | None:
    """Why this person may not act for `side` of the contract; None when they may."""
    if side in sides_of(user, contract):
        return None
    if side == "purchaser":
        return PermissionDenied(_("Only a purchaser of this department or a member of the funder can do this."))
    return PermissionDenied(_("Only a member of this organization can do this."))


def require_side(actor, contract: Contract, side: str) -> None:
    if refusal := side_refusal(actor, contract, side):
        raise refusal


def get_milestone(contract: Contract, milestone_id: int) -> Milestone:
    milestone = next((m for m in contract.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound(_("This milestone does not exist."))
    return milestone


def contracts_select(status: str | None = None, department_id: int | None = None, organization_id: int | None = None,
                     category_id: int | None = None):
    """Public contracts (signed ones), newest first."""
    statement = select(Contract).where(Contract.status.in_(SIGNED_STATUSES))
    if status:
        statement = statement.where(Contract.status == status)
    if department_id:
        statement = statement.where(Contract.department_id == department_id)
    if organization_id:
        statement = statement.where(Contract.organization_id == organization_id)
    if category_id:
        statement = statement.where(Contract.category_id == category_id)
    return statement.order_by(Contract.id.desc())
