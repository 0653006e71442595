"""Who may do what with an evaluation now (core/actions.py): the evaluator organization's
evaluators declare, score and submit; the commissioning side publishes, returns or cancels. The
services check through it and the evaluation page shows through it."""
from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.roles import Role
from market.contracts import access
from market.contracts.models import Contract
from market.core.actions import ActionSet
from market.core.errors import PermissionDenied, ServiceError
from market.evaluation.models import Evaluation
from market.extensions import db

EVALUATION_ACTIONS = ActionSet("evaluation")


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


def _while(statuses, message: str, code: str = "wrong_status"):
    """A refusal unless the record (an evaluation or a grade application) is in one of `statuses`."""
    return lambda record: None if record.status in statuses else ServiceError(message, code=code)


_scoring = _while(("scoring",), _("This evaluation is not being scored."), code="evaluation_not_scoring")


@EVALUATION_ACTIONS.action("declare")
def _declare(user, evaluation):
    return _evaluator(user, evaluation) or _while(("commissioned",), _("Conflicts are declared once, before scoring."))(
        evaluation)


@EVALUATION_ACTIONS.action("score")
def _score(user, evaluation):
    return _evaluator(user, evaluation) or _scoring(evaluation)


@EVALUATION_ACTIONS.action("see_sheet")
def _see_sheet(user, evaluation):
    """The sheet shows once the conflict is declared (and never for a declined commission)."""
    return _while(("scoring", "submitted", "published", "cancelled"),
                  _("The sheet opens once the evaluator has declared no conflict."))(evaluation)


def _contract_evaluation(evaluation, message: str):
    return None if evaluation.contract_id is not None else ServiceError(message)


@EVALUATION_ACTIONS.action("publish")
def _publish(user, evaluation):
    return _overseer(user, evaluation) or _contract_evaluation(
        evaluation, _("A grading evaluation is published with the committee's decision.")) or _while(
        ("submitted",), _("Only a submitted evaluation is published."))(evaluation)


@EVALUATION_ACTIONS.action("return")
def _return(user, evaluation):
    return _overseer(user, evaluation) or _while(("submitted",), _("Only a submitted evaluation is returned."))(
        evaluation)


@EVALUATION_ACTIONS.action("cancel")
def _cancel(user, evaluation):
    return _overseer(user, evaluation) or _contract_evaluation(
        evaluation, _("A grading evaluation ends with its application (refused or decided).")) or _while(
        ("commissioned", "scoring"), _("Only an evaluation not yet submitted is cancelled."))(evaluation)


# --- grade applications ----------------------------------------------------------------------------

GRADING_ACTIONS = ActionSet("grade_application")


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
    return _civil_affairs(user) or _while(
        ("applied",), _("An evaluator is assigned to an application waiting for one."))(application)


@GRADING_ACTIONS.action("decide")
def _decide_grade(user, application):
    refusal = _civil_affairs(user) or _while(
        ("evaluating",), _("The committee decides once the evaluation is submitted."), code="not_awaiting_decision")(
        application)
    if refusal is not None:
        return refusal
    submitted = db.session.scalar(select(Evaluation.id).where(Evaluation.application_id == application.id,
                                                              Evaluation.status == "submitted"))
    return None if submitted is not None else ServiceError(_("The evaluator has not submitted the evaluation yet."))


@GRADING_ACTIONS.action("answer_appeal")
def _answer_appeal(user, application):
    return _civil_affairs(user) or _while(
        ("appealed",), _("There is no appeal to answer."), code="no_appeal_to_answer")(application)


@GRADING_ACTIONS.action("issue")
def _issue(user, application):
    refusal = _civil_affairs(user) or _while(
        ("noticed",), _("Only a grade on public notice is issued."), code="not_on_notice")(application)
    if refusal is None and clock.today() <= application.notice_ends_on:
        return ServiceError(_("The public notice runs until %(day)s.", day=application.notice_ends_on.isoformat()),
                            code="grade_notice_running")
    return refusal


@GRADING_ACTIONS.action("refuse")
def _refuse(user, application):
    return _civil_affairs(user) or _while(
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
    return _owner(user, application) or _while(
        ("applied",), _("An application is withdrawn before the evaluation starts."))(application)
