"""What a person may do with an item of the ledger now (core/actions.py): dispatch it (the level
that follows it up), accept or send it back and then record progress and close it (the body it is
dispatched to), rate or reopen it (the reporter, or a leader for them). Services check through it and
pages show through it."""
from datetime import timedelta

from flask_babel import gettext as _

from market import clock
from market.core.actions import ActionSet, while_in
from market.core.errors import InvalidTransition, PermissionDenied, ServiceError
from market.grid import access, categories, dispatch_rules
from market.grid.models import DONE_STATUSES, PROBLEM_MACHINE, TO_DISPATCH, Problem
from market.grid.settings import grid_rules
from market.needs.access import is_worker_of
from market.needs.models import ACTIVE_NEED_STATUSES, NEED_MACHINE, Need

PROBLEM_ACTIONS = ActionSet("problem", PROBLEM_MACHINE)


@PROBLEM_ACTIONS.action("dispatch")
def _dispatch(user, problem: Problem):
    if not access.follows_up(user, problem):
        return PermissionDenied(_("Only the community following this problem up (or, once it is escalated, the "
                                  "street's or district's staff) dispatches it."))
    if problem.status == "dispatched" or problem.status == "accepted":  # a re-dispatch: only once escalated
        if problem.level == 0:
            return InvalidTransition(_("It is with %(body)s already; it is dispatched again only if it comes back "
                                       "or is escalated.", body=problem.current_dispatch.body_name),
                                     code="already_dispatched")
    elif refusal := while_in(TO_DISPATCH, _("A closed problem is not dispatched."))(problem):
        return refusal
    if dispatch_rules.rule_in_force(problem.community.street.district_id, problem.category) is None:
        return ServiceError(_("The district has no dispatch rule for “%(c)s” in force: ask civil affairs to add one.",
                              c=categories.label(problem.category)), code="no_rule")
    return None


def _handler(user, problem: Problem):
    if not access.handles(user, problem):
        return PermissionDenied(_("Only the body this problem is dispatched to can do this."))
    return None


@PROBLEM_ACTIONS.action("accept")
def _accept(user, problem: Problem):
    return _handler(user, problem) or while_in(("dispatched",), _("Only a problem waiting for an answer is "
                                                                  "accepted."), code="not_waiting")(problem)


@PROBLEM_ACTIONS.action("return")
def _return(user, problem: Problem):
    return _handler(user, problem) or while_in(("dispatched",), _("Only a problem waiting for an answer is "
                                                                  "sent back."), code="not_waiting")(problem)


@PROBLEM_ACTIONS.action("progress")
def _progress(user, problem: Problem):
    return _handler(user, problem) or while_in(("accepted",), _("Progress is recorded while the problem is being "
                                                                "handled."), code="not_handled")(problem)


@PROBLEM_ACTIONS.action("close")
def _close(user, problem: Problem):
    return _handler(user, problem) or while_in(("accepted",), _("Only a problem being handled is closed."),
                                               code="not_handled")(problem)


def _reporter(user, problem: Problem):
    if not access.speaks_for_reporter(user, problem):
        return PermissionDenied(_("Only the person who raised the problem (or the leader who recorded it, for them) "
                                  "can do this."))
    return None


@PROBLEM_ACTIONS.action("rate")
def _rate(user, problem: Problem):
    return _reporter(user, problem) or while_in(("closed",), _("Only a closed problem that is not rated yet is "
                                                               "rated."), code="not_closed")(problem)


@PROBLEM_ACTIONS.action("reopen")
def _reopen(user, problem: Problem):
    if refusal := _reporter(user, problem):
        return refusal
    if refusal := while_in(DONE_STATUSES, _("Only a closed problem is reopened."), code="not_closed")(problem):
        return refusal
    if problem.reopened_at is not None:
        return InvalidTransition(_("This problem was reopened once already."), code="reopened_once")
    days = grid_rules().reopen_days
    if clock.now() > problem.closed_at + timedelta(days=days):
        return InvalidTransition(_("A problem is reopened within %(n)s days of its closing.", n=days),
                                 code="reopen_too_late")
    return None


@PROBLEM_ACTIONS.action("to_need")
def _to_need(user, problem: Problem):
    """A service need after all (meals for an old man living alone): the community's workers turn it
    into a need of the community while it waits for them, before any body has taken it on."""
    if not access.is_worker(user, problem):
        return PermissionDenied(_("Only a community worker of its community turns a problem into a need."))
    if problem.level > 0:
        return ServiceError(_("An escalated problem is followed up by the street or district: it stays in the "
                              "ledger."), code="escalated")
    return while_in(TO_DISPATCH, _("Only a problem waiting to be dispatched is turned into a need."),
                    code="not_waiting")(problem)


# A need that is a problem for the ledger after all (a broken street lamp): the grid's side of it, as the
# needs area knows nothing of the ledger.
NEED_MOVES = ActionSet("need", NEED_MACHINE)


@NEED_MOVES.action("to_problem")
def _to_problem(user, need: Need):
    if not is_worker_of(user, need.community_id):
        return PermissionDenied(_("Only a community worker of its community moves a need to the problem ledger."))
    if need.is_hidden:
        return InvalidTransition(_("A hidden need is not moved."), code="hidden")
    return while_in(ACTIVE_NEED_STATUSES, _("Only an open need is moved to the problem ledger."),
                    code="not_open")(need)
