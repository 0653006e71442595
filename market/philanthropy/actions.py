"""What a person may do with a venture-philanthropy round, or one of its proposals, now
(core/actions.py): the sponsor's people run the round phase by phase; an organization withdraws its
proposal, or cancels its selected project (so may the sponsor); residents give to a selected project
while giving is open. The services check through it and the pages show through it."""
from flask_babel import gettext as _

from market import clock
from market.core import text
from market.core.actions import ActionSet, while_in
from market.core.errors import PermissionDenied, ServiceError
from market.philanthropy.models import PROPOSAL_MACHINE, ROUND_MACHINE, Proposal, Round

ROUND_ACTIONS = ActionSet("round", ROUND_MACHINE)
OPEN_PHASES = ("draft", "call", "screening", "review", "pitch", "selection")  # a round may still be cancelled


def may_manage(user, round_: Round) -> bool:
    """The sponsor's people: purchasers of the department, or members of the sponsoring organization."""
    if not (user and user.is_authenticated):
        return False
    if round_.department_id is not None:
        return round_.department_id in user.department_ids()
    return round_.organization_id in user.acting_organization_ids()


def _manager_while(statuses, message: str, code: str = "wrong_status", timing=None):
    """A sponsor's action while the round is in one of `statuses` (and, if given, `timing(round)`
    answers no refusal)."""
    in_status = while_in(statuses, message, code)

    def rule(user, round_: Round):
        if not may_manage(user, round_):
            return PermissionDenied(_("Only the round's sponsor can do this."))
        return in_status(round_) or (timing(round_) if timing else None)
    return rule


def _call_closed(round_: Round):
    if clock.now() < round_.proposals_due_at:
        return ServiceError(_("The call is open until %(when)s.", when=text.moment(round_.proposals_due_at)),
                            code="call_still_open")
    return None


def _giving_over(round_: Round):
    if clock.now() < round_.giving_ends_at:
        return ServiceError(_("Giving is open until %(when)s.", when=text.moment(round_.giving_ends_at)),
                            code="giving_still_open")
    return None


ROUND_ACTIONS.action("edit")(_manager_while(("draft",), _("A round's rules are fixed once the call opens.")))
ROUND_ACTIONS.action("fund")(_manager_while(
    OPEN_PHASES, _("Money is added to a round until its projects are selected.")))
ROUND_ACTIONS.action("add_reviewer")(_manager_while(
    ("draft", "call", "screening", "review"), _("Reviewers are added before the expert review ends.")))
ROUND_ACTIONS.action("open_call")(_manager_while(("draft",), _("Only a draft round opens its call.")))
ROUND_ACTIONS.action("close_call")(_manager_while(
    ("call",), _("Only an open call is closed."), timing=_call_closed))
ROUND_ACTIONS.action("start_review")(_manager_while(
    ("screening",), _("The expert review starts after the eligibility check.")))
ROUND_ACTIONS.action("close_giving")(_manager_while(
    ("selection",), _("Giving is closed once the projects are selected."), timing=_giving_over))
ROUND_ACTIONS.action("cancel")(_manager_while(
    OPEN_PHASES, _("A round with grant agreements is not cancelled; end the agreements instead.")))


# --- proposals -------------------------------------------------------------------------------------

PROPOSAL_ACTIONS = ActionSet("proposal", PROPOSAL_MACHINE)


def _member(user, proposal: Proposal) -> bool:
    return bool(user and user.is_authenticated and proposal.organization_id in user.organization_ids())


@PROPOSAL_ACTIONS.action("withdraw")
def _withdraw(user, proposal: Proposal):
    if not _member(user, proposal):
        return PermissionDenied(_("Only a member of this organization can do this."))
    return while_in(("submitted", "eligible", "shortlisted"),
                    _("Only a proposal not yet selected is withdrawn; a selected project is cancelled."))(proposal)


@PROPOSAL_ACTIONS.action("cancel_project")
def _cancel_project(user, proposal: Proposal):
    if not (_member(user, proposal) or may_manage(user, proposal.round)):
        return PermissionDenied(_("Only the round's sponsor or the organization can do this."))
    return while_in(("selected",), _("Only a selected project is cancelled, before its grant agreement."))(
        proposal) or while_in(("selection",), _("Only a selected project is cancelled, before its grant agreement."))(
        proposal.round)


def giving_open(round_: Round) -> bool:
    return round_.status == "selection" and clock.now() < round_.giving_ends_at


@PROPOSAL_ACTIONS.action("give")
def _give(user, proposal: Proposal):
    if proposal.status != "selected" or not giving_open(proposal.round):
        return ServiceError(_("This project is not taking gifts."), code="not_taking_gifts")
    if not (user and user.is_authenticated):
        return ServiceError(_("Sign in to give."), code="sign_in_to_give")
    if _member(user, proposal):
        return ServiceError(_("Members of the organization cannot give to its own project here."), field="amount",
                            code="own_project")
    return None
