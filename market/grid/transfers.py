"""A problem of the ledger that is really a service need (an old man with no one to cook for him) is
turned into a need of the community, and a need that is really a problem (a broken street lamp) is
moved to the ledger: each in one step by the community's workers, with a reason. Nothing is lost on
the way: the record it came from keeps its history, ends in a status that says where it went and
links to the new one, whose timeline starts with where it came from; the resident follows the new
one as their own and is told, and its photos go with it."""
from flask_babel import gettext as _

from market.accounts.models import User
from market.core import unit
from market.core.errors import InvalidTransition, ServiceError
from market.core.uploads import StoredFile
from market.extensions import db
from market.grid import problems
from market.grid.actions import NEED_MOVES, PROBLEM_ACTIONS
from market.grid.models import PROBLEM_MACHINE, Problem, ProblemPhoto
from market.needs import needs, timeline
from market.needs.access import is_resident_of
from market.needs.models import Need

NEED_URGENCY = {"urgent": "urgent", "normal": "normal"}  # the ledger's two urgencies, in the needs' scale


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not 4 <= len(reason) <= 1000:
        raise ServiceError(_("Say why in 4 to 1000 characters: it is shown with the step."), field="reason")
    return reason


def _stored(photo) -> StoredFile:
    return StoredFile(photo.original_filename, photo.stored_name, photo.content_type, photo.size_bytes, photo.sha256)


def problem_to_need(actor: User, problem: Problem, title: str, description: str, category_id: int,
                    reason: str) -> Need:
    """The problem ends as "turned into a service need"; the need is the registered reporter's, or,
    for a resident with no account, the leader's who recorded it (they speak for them)."""
    PROBLEM_ACTIONS.require(actor, problem, "to_need")
    reason = _reason(reason)
    author = problem.reporter or problem.recorded_by or actor
    data = needs.NeedData(title=title, description=description, category_id=category_id,
                          urgency=NEED_URGENCY[problem.urgency], people_affected=1)
    needs.validated(data)  # refused before anything moves
    # a dispatch at the same moment claims the same row: one of the two is made
    if not PROBLEM_MACHINE.claim(problem, problem.status, "to_need", actor, reason,
                                 Problem.dispatch_count == len(problem.dispatches)):
        raise InvalidTransition(PROBLEM_MACHINE.taken_by_other(problem, actor)
                                or _("This problem was dispatched at the same moment."), code="already_dispatched")
    need = needs.receive_need(actor, author, problem.community_id, data,
                              [_stored(p) for p in problem.photos if p.stage == "reported"], reason)
    problem.to_need_id, problem.dispatch_by = need.id, None
    timeline.record("need_from_problem", actor, need=need, reason=reason, summary=problem.summary,
                    page=["grid.problem", {"problem_id": problem.id}])
    unit.flush()
    return need


def need_to_problem(actor: User, need: Need, summary: str, category: str, urgency: str,
                    building_id: int | None, address: str, reason: str) -> Problem:
    """The need ends as "moved to the problem ledger"; the problem is recorded by the worker for its
    author, who follows it (and rates it) as a reporter."""
    NEED_MOVES.require(actor, need, "to_problem")
    reason = _reason(reason)
    author = need.author
    reporter_email = author.email if is_resident_of(author, need.community_id) else ""
    # the need is claimed first (a merge at the same moment leaves nothing made); the problem's own rules
    # refuse after it, so both steps stand or fall together
    with db.session.begin_nested():
        needs.move_out(actor, need, reason)
        problem = problems.record_problem(actor, problems.ProblemData(
            community_id=need.community_id, building_id=building_id, address=address, category=category,
            # a need says up to 5000 characters, a problem 2000: the rest stays on the need, linked from it
            urgency=urgency, summary=summary, description=need.description[:2000], channel="need",
            reporter_email=reporter_email, origin=reason))
    problem.from_need_id = need.id
    problem.photos.extend(ProblemPhoto.from_stored(_stored(p), stage="reported") for p in need.photos)
    timeline.record("need_to_problem", actor, need=need, reason=reason, summary=problem.summary,
                    page=["grid.problem", {"problem_id": problem.id}])
    unit.flush()
    return problem


def need_defaults(problem: Problem) -> tuple[str, str]:
    """What the need says at first: the problem's words."""
    return problem.summary, problem.description or problem.summary

