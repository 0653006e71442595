"""Who may do what with an evaluation now (core/actions.py): the evaluator organization's
evaluators declare, score and submit; the commissioning side publishes, returns or cancels. The
services check through it and the evaluation page shows through it."""
from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.roles import Role
from market.contracts import access
from market.contracts.models import Contract
from market.core.actions import ActionSet, while_in
from market.core.errors import PermissionDenied, ServiceError
from market.evaluation.models import EVALUATION_MACHINE, GRADING_MACHINE, RUBRIC_MACHINE, Evaluation, Rubric
from market.extensions import db

EVALUATION_ACTIONS = ActionSet("evaluation", EVALUATION_MACHINE)


def is_evaluator_for(user, evaluation: Evaluation) -> bool:
    return bool(user and user.is_authenticated and any(
        g.role == Role.EVALUATOR and g.organization_id == evaluation.evaluator_org_id for g in user.grants))


def may_commission(user, contract: Contract) -> bool:
    return "purchaser" in access.sides_of(user, contract) or bool(
        user and user.is_authenticated and user.has_role(Role.CIVIL_AFFAIRS))


def may_oversee(user, evaluation: Evaluation) -> bool:
    """The commissioning side: the contract's purchasers or civil affairs (grading: civil affairs)."""
    if evaluation.contract is not None:
        return may_commission(user, evaluation.contract)
    return bool(user and user.is_authenticated and user.has_role(Role.CIVIL_AFFAIRS))


def _evaluator(user, evaluation):
    if not is_evaluator_for(user, evaluation):
        return PermissionDenied(_("Only an evaluator of the commissioned organization can do this."))
    return None


def _overseer(user, evaluation):
    if not may_oversee(user, evaluation):
        return PermissionDenied(_("Only the commissioning side can do this."))
    return None


_scoring = while_in(("scoring",), _("This evaluation is not being scored."), code="evaluation_not_scoring")


@EVALUATION_ACTIONS.action("declare")
def _declare(user, evaluation):
    return _evaluator(user, evaluation) or while_in(
        ("commissioned",), _("Conflicts are declared once, before scoring."))(evaluation)


@EVALUATION_ACTIONS.action("score")
def _score(user, evaluation):
    return _evaluator(user, evaluation) or _scoring(evaluation)


@EVALUATION_ACTIONS.action("see_sheet")
def _see_sheet(user, evaluation):
    """The sheet shows once the conflict is declared (and never for a declined commission)."""
    return while_in(("scoring", "submitted", "published", "cancelled"),
                  _("The sheet opens once the evaluator has declared no conflict."))(evaluation)


def _contract_evaluation(evaluation, message: str):
    return None if evaluation.contract_id is not None else ServiceError(message)


@EVALUATION_ACTIONS.action("publish")
def _publish(user, evaluation):
    return _overseer(user, evaluation) or _contract_evaluation(
        evaluation, _("A grading evaluation is published with the committee's decision.")) or while_in(
        ("submitted",), _("Only a submitted evaluation is published."))(evaluation)


@EVALUATION_ACTIONS.action("return")
def _return(user, evaluation):
    return _overseer(user, evaluation) or while_in(("submitted",), _("Only a submitted evaluation is returned."))(
        evaluation)


@EVALUATION_ACTIONS.action("cancel")
def _cancel(user, evaluation):
    return _overseer(user, evaluation) or _contract_evaluation(
        evaluation, _("A grading evaluation ends with its application (refused or decided).")) or while_in(
        ("commissioned", "scoring"), _("Only an evaluation not yet submitted is cancelled."))(evaluation)


# --- grade applications ----------------------------------------------------------------------------

GRADING_ACTIONS = ActionSet("grade_application", GRADING_MACHINE)


def _civil_affairs(user):
    if not (user and user.is_authenticated and user.has_role(Role.CIVIL_AFFAIRS)):
        return PermissionDenied(_("Only a civil-affairs administrator can do this."))
    return None


def _owner(user, application):
    if not (user and user.is_authenticated and user.owns_organization(application.organization_id)):
        return PermissionDenied(_("Only an owner of this organization can do this."))
    return None


@GRADING_ACTIONS.action("assign")
def _assign(user, application):
    return _civil_affairs(user) or while_in(
        ("applied",), _("An evaluator is assigned to an application waiting for one."))(application)


@GRADING_ACTIONS.action("decide")
def _decide_grade(user, application):
    refusal = _civil_affairs(user) or while_in(
        ("evaluating",), _("The committee decides once the evaluation is submitted."), code="not_awaiting_decision")(
        application)
    if refusal is not None:
        return refusal
    submitted = db.session.scalar(select(Evaluation.id).where(Evaluation.application_id == application.id,
                                                              Evaluation.status == "submitted"))
    return None if submitted is not None else ServiceError(_("The evaluator has not submitted the evaluation yet."))


@GRADING_ACTIONS.action("answer_appeal")
def _answer_appeal(user, application):
    return _civil_affairs(user) or while_in(
        ("appealed",), _("There is no appeal to answer."), code="no_appeal_to_answer")(application)


@GRADING_ACTIONS.action("issue")
def _issue(user, application):
    refusal = _civil_affairs(user) or while_in(
        ("noticed",), _("Only a grade on public notice is issued."), code="not_on_notice")(application)
    if refusal is None and clock.today() <= application.notice_ends_on:
        return ServiceError(_("The public notice runs until %(day)s.", day=application.notice_ends_on.isoformat()),
                            code="grade_notice_running")
    return refusal


@GRADING_ACTIONS.action("refuse")
def _refuse(user, application):
    return _civil_affairs(user) or while_in(
        ("applied", "evaluating"), _("An application is refused before the committee decides."),
        code="not_refusable")(application)


@GRADING_ACTIONS.action("appeal")
def _appeal(user, application):
    refusal = _owner(user, application)
    if refusal is not None:
        return refusal
    if application.status != "noticed" or clock.today() > application.notice_ends_on:
        return ServiceError(_("An appeal is made during the public notice."))
    if application.appealed_at is not None:
        return ServiceError(_("The decision was appealed once already."), code="already_appealed")
    return None


@GRADING_ACTIONS.action("withdraw")
def _withdraw(user, application):
    return _owner(user, application) or while_in(
        ("applied",), _("An application is withdrawn before the evaluation starts."))(application)


# --- rubrics ---------------------------------------------------------------------------------------

RUBRIC_ACTIONS = ActionSet("rubric", RUBRIC_MACHINE)


def may_manage_rubrics(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.CIVIL_AFFAIRS))


def _rubric_manager(user):
    if not may_manage_rubrics(user):
        return PermissionDenied(_("Only a civil-affairs administrator manages rubrics."))
    return None


_rubric_draft = while_in(("draft",), _("A published rubric does not change; copy it to adapt it."),
                         code="rubric_published")


@RUBRIC_ACTIONS.action("edit")
def _edit_rubric(user, rubric: Rubric):
    return _rubric_manager(user) or _rubric_draft(rubric)


@RUBRIC_ACTIONS.action("publish")
def _publish_rubric(user, rubric: Rubric):
    return _rubric_manager(user) or while_in(("draft",), _("Only a draft is published."))(rubric)


@RUBRIC_ACTIONS.action("copy")
def _copy_rubric(user, rubric: Rubric):
    return _rubric_manager(user)


@RUBRIC_ACTIONS.action("retire")
def _retire_rubric(user, rubric: Rubric):
    return _rubric_manager(user) or while_in(("published",), _("Only a published rubric is retired."))(rubric)


# --- who may rate a contract's service -------------------------------------------------------------

SERVED_ACTIONS = ActionSet("contract")  # the organization names the residents it serves, or hands out codes

_in_force = while_in(("active",), _("Residents served are registered while the contract is in force."))


@SERVED_ACTIONS.action("register_served")
def _register_served(user, contract: Contract):
    return access.side_refusal(user, contract, "organization") or _in_force(contract)


@SERVED_ACTIONS.action("issue_codes")
def _issue_codes(user, contract: Contract):
    return access.side_refusal(user, contract, "organization") or while_in(
        ("active",), _("Codes are issued while the contract is in force."))(contract)
