"""What a person may do with a contract, and with each of its milestones, now (core/actions.py):
the services check through it and the contract page shows through it."""
from flask_babel import gettext as _

from market.contracts import signals
from market.contracts.access import side_refusal, sides_of
from market.contracts.models import CONTRACT_MACHINE, MILESTONE_MACHINE, SIGNED_STATUSES, Contract, Milestone
from market.contracts.terms import OPEN_MILESTONES
from market.core.actions import ActionSet, while_in
from market.core.errors import PermissionDenied

CONTRACT_ACTIONS = ActionSet("contract", CONTRACT_MACHINE)
MILESTONE_ACTIONS = ActionSet("milestone", MILESTONE_MACHINE)


_draft = while_in(("draft",), _("Signed terms change only by an amendment both sides agree to."))


@CONTRACT_ACTIONS.action("change_terms")
def _change_terms(user, contract: Contract):
    return side_refusal(user, contract, "purchaser") or _draft(contract)


@CONTRACT_ACTIONS.action("cancel_draft")
def _cancel_draft(user, contract: Contract):
    return side_refusal(user, contract, "purchaser") or _draft(contract)


@CONTRACT_ACTIONS.action("terminate")
def _terminate(user, contract: Contract):
    return side_refusal(user, contract, "purchaser") or while_in(
        ("active",), _("Only a contract in force is terminated."))(contract)


@CONTRACT_ACTIONS.action("propose_amendment")
def _propose(user, contract: Contract):
    if not sides_of(user, contract):
        return PermissionDenied(_("Only the two sides of the contract can do this."))
    return while_in(("active",), _("Only a contract in force is amended."))(contract)


@CONTRACT_ACTIONS.action("see_evaluations")
def _see_evaluations(user, contract: Contract):
    return while_in(SIGNED_STATUSES, _("A contract is evaluated and rated once it is signed."))(contract)


@CONTRACT_ACTIONS.action("sign")
def _sign(user, contract: Contract):
    if not sides_of(user, contract):
        return PermissionDenied(_("Only the two sides of the contract can do this."))
    return while_in(("draft",), _("Only a draft contract is signed."))(contract)


@CONTRACT_ACTIONS.action("inspect")
def _inspect(user, contract: Contract):
    """Only the independent third party records site visits and spot checks, not the purchaser who
    accepts the deliveries they check: evaluation answers who that is (signals.may_inspect)."""
    if not (user and user.is_authenticated
            and any(allowed for _receiver, allowed in signals.may_inspect.send(contract, user=user))):
        return PermissionDenied(_("Only an evaluator commissioned to evaluate this contract records checks."))
    return while_in(SIGNED_STATUSES, _("Checks are recorded once the contract is in force."))(contract)


@MILESTONE_ACTIONS.action("report")
def _report(user, milestone: Milestone):
    contract = milestone.contract
    return side_refusal(user, contract, "organization") or while_in(
        ("active",), _("Reports are submitted while the contract is in force."))(contract) or while_in(
        OPEN_MILESTONES, _("This milestone is reported already."))(milestone)


@MILESTONE_ACTIONS.action("decide")
def _decide(user, milestone: Milestone):
    contract = milestone.contract
    sides = sides_of(user, contract)
    if "purchaser" not in sides:
        return side_refusal(user, contract, "purchaser")
    if "organization" in sides:  # one person on both sides never accepts their own delivery
        return PermissionDenied(_("Whoever delivers a milestone cannot accept it."))
    return while_in(("reported",), _("Only a reported milestone is decided."))(milestone)


@MILESTONE_ACTIONS.action("pay")
def _pay(user, milestone: Milestone):
    return side_refusal(user, milestone.contract, "purchaser") or while_in(
        ("accepted",), _("This tranche is being paid or is not payable."), code="tranche_not_payable")(milestone)
