"""What a person may do with the two lists, an admission request, a report of pushed work or a
year-end evaluation now (core/actions.py). Services check through it and pages show through it."""
from flask_babel import gettext as _

from market import clock
from market.accounts.roles import Role
from market.core.actions import ActionSet, while_in
from market.core.errors import PermissionDenied, ServiceError
from market.partnership.models import (
    ADMISSION_MACHINE,
    LIST_MACHINE,
    PUSHED_MACHINE,
    AdmissionRequest,
    PushedWork,
    TaskList,
)

LIST_ACTIONS = ActionSet("task_list", LIST_MACHINE)


def _sets_rules(user, task_list: TaskList):
    if not (user and user.is_authenticated and user.sets_rules_of(task_list.district_id)):
        return PermissionDenied(_("Only civil affairs or the district's staff keep its two lists."))
    return None


@LIST_ACTIONS.action("import_items")
def _import_items(user, task_list: TaskList):
    return _sets_rules(user, task_list) or while_in(
        ("draft",), _("A published version never changes: start a new version to change the lists."),
        code="published")(task_list)


@LIST_ACTIONS.action("change")
def _change(user, task_list: TaskList):
    return _import_items(user, task_list)


@LIST_ACTIONS.action("publish")
def _publish(user, task_list: TaskList):
    if refusal := _import_items(user, task_list):
        return refusal
    if not task_list.items:
        return ServiceError(_("Import the items before publishing."), code="empty")
    if task_list.effective_from < clock.today():
        return ServiceError(_("The day this version was to apply from has passed: give it a new first day, then "
                              "publish it."), code="start_passed")
    return None


def is_civil_affairs(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.CIVIL_AFFAIRS))


ADMISSION_ACTIONS = ActionSet("admission_request", ADMISSION_MACHINE)


@ADMISSION_ACTIONS.action("decide")
def _decide(user, request: AdmissionRequest):
    if not is_civil_affairs(user):
        return PermissionDenied(_("Only civil affairs admits work for communities."))
    return while_in(("submitted",), _("This request is decided already."), code="decided")(request)


@ADMISSION_ACTIONS.action("withdraw")
def _withdraw(user, request: AdmissionRequest):
    if not (user and user.is_authenticated and request.department_id in user.department_ids()):
        return PermissionDenied(_("Only the department's staff withdraw its request."))
    return while_in(("submitted",), _("Only a request waiting for a decision is withdrawn."), code="decided")(request)


@ADMISSION_ACTIONS.action("entrust")
def _entrust(user, request: AdmissionRequest):
    if not (user and user.is_authenticated and request.department_id in user.department_ids()):
        return PermissionDenied(_("Only the department's staff entrust the work it asked for."))
    if refusal := while_in(("admitted",), _("Only admitted work is entrusted by agreement: this request is not "
                                            "admitted."), code="not_admitted")(request):
        return refusal
    if request.money_offered <= 0:
        return ServiceError(_("This work was admitted without money, so nothing can come with it: ask for admission "
                              "again with the money the work costs."), code="no_money_offered")
    return None


PUSHED_ACTIONS = ActionSet("pushed_work", PUSHED_MACHINE)


@PUSHED_ACTIONS.action("decide")
def _decide_pushed(user, report: PushedWork):
    if not is_civil_affairs(user):
        return PermissionDenied(_("Only civil affairs looks into work pushed on communities."))
    return while_in(("reported",), _("This report is decided already."), code="decided")(report)


REVIEW_ACTIONS = ActionSet("year_review")  # of a (department, community body) pair: reviews.Pair


@REVIEW_ACTIONS.action("give")
def _give_review(user, pair):
    """Each side evaluates the other: the department's staff its communities' entrusted work, the
    members of a committee or workstation the department."""
    if not (user and user.is_authenticated):
        return PermissionDenied(_("Sign in to evaluate."))
    if pair.direction == "of_community" and pair.department.id not in user.department_ids():
        return PermissionDenied(_("Only the department's staff evaluate the communities' entrusted work."))
    if pair.direction == "of_department" and pair.organization.id not in user.organization_ids():
        return PermissionDenied(_("Only a member of the community's committee or workstation evaluates the "
                                  "department."))
    return None
