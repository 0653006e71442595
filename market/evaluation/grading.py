"""Grading of organizations (等级评估): application → evaluation by a third party → committee
decision → public notice (公示) → appeal → grade issued with its validity.

The grade comes from the evaluation's total by the rubric's thresholds; the committee may not
change it except in answering an appeal, and every step is on the application's history.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.accounts.roles import Role
from market.core import scoring, text, unit
from market.core.errors import Ineligible, PermissionDenied, Problem, ServiceError, existing
from market.evaluation import rubrics
from market.evaluation import services as evaluations
from market.evaluation.actions import GRADING_ACTIONS
from market.evaluation.models import EVALUATION_MACHINE, GRADING_MACHINE, Evaluation, GradeApplication
from market.extensions import db
from market.organizations.models import GRADES, AnnualInspection, Organization, OrganizationGrade
from market.procurement import undertakers
from market.rules import services as rules

OPEN = ("applied", "evaluating", "noticed", "appealed")


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def grade_from_band(band: str) -> int:
    return int(band.rstrip("A"))


def application_problems(org: Organization) -> list[Problem]:
    """Why the organization may not apply now (DOMAIN.md), each with its code; an empty list means it may."""
    today = clock.today()
    values = rules.in_force()
    problems = []
    if org.status != "approved":
        problems.append(Problem(_("The organization is not approved by civil affairs."),
                                code="organization_not_approved"))
    if _years_between(org.registered_on, today) < values["grade_min_registration_years"]:
        problems.append(Problem(_("An organization applies after %(n)s full years of registration.",
                                  n=values["grade_min_registration_years"]),
                                code="registered_too_recently_for_grading"))
    last_year = today.year - 1
    if org.registered_on.year <= last_year:
        inspection = db.session.scalar(select(AnnualInspection).filter_by(organization_id=org.id, year=last_year))
        if inspection is None or inspection.result == "unqualified":
            problems.append(Problem(_("The annual inspection of %(year)s was failed or not taken.", year=last_year),
                                    code="inspection_failed_or_missing"))
    if undertakers.active_debarment(org.id) is not None:
        problems.append(Problem(_("The organization is debarred."), code="debarred"))
    held = db.session.scalar(select(OrganizationGrade).where(
        OrganizationGrade.organization_id == org.id, OrganizationGrade.valid_from <= clock.now().date(),
        OrganizationGrade.valid_until >= clock.now().date()).order_by(OrganizationGrade.valid_from.desc()))
    if held is not None and _years_between(held.valid_from, today) < values["grade_upgrade_years"]:
        problems.append(Problem(_("A grade is held since %(day)s; apply again after holding it %(n)s years.",
                                  day=held.valid_from.isoformat(), n=values["grade_upgrade_years"]),
                                code="grade_held_too_recently"))
    if db.session.scalar(select(GradeApplication.id).where(GradeApplication.organization_id == org.id,
                                                           GradeApplication.status.in_(OPEN))) is not None:
        problems.append(Problem(_("An application of this organization is open already."), code="application_open"))
    return problems


def apply(actor: User, org: Organization, rubric_id: int, self_assessment: str) -> GradeApplication:
    if not actor.owns_organization(org.id):
        raise PermissionDenied(_("Only an owner of this organization can do this."))
    problems = application_problems(org)
    if problems:
        raise Ineligible(problems)
    rubric = rubrics.get_rubric(rubric_id)
    if rubric.purpose != "grading" or rubric.status != "published":
        raise ServiceError(_("Choose a published grading rubric."), field="rubric_id", code="not_a_grading_rubric")
    self_assessment = text.required(self_assessment, 20000, _("Write the self-assessment."), "self_assessment")
    application = GradeApplication(organization_id=org.id, rubric_id=rubric.id, status="",
                                   self_assessment=self_assessment, applied_by_id=actor.id, applied_at=clock.now())
    db.session.add(application)
    db.session.flush()
    GRADING_MACHINE.start(application, actor, "")
    unit.flush()
    return application


def get_application(application_id: int) -> GradeApplication:
    return existing(GradeApplication, application_id, _("This application does not exist."))


def may_read(user, application: GradeApplication) -> bool:
    """Applications are public from the public notice on; before, the applicant and civil affairs see them."""
    return application.status in PUBLIC or bool(
        user and user.is_authenticated and (user.has_role(Role.CIVIL_AFFAIRS)
                                            or application.organization_id in user.organization_ids()))


def evaluation_of(application: GradeApplication) -> Evaluation | None:
    return db.session.scalar(select(Evaluation).where(Evaluation.application_id == application.id,
                                                      Evaluation.status.not_in(("declined", "cancelled")))
                             .order_by(Evaluation.id.desc()))


def assign(actor: User, application: GradeApplication, evaluator_org_id: int, due_on: date) -> Evaluation:
    GRADING_ACTIONS.require(actor, application, "assign")
    problems = application_problems_at_assignment(application)
    if problems:
        raise Ineligible(problems)
    evaluation = evaluations.start_grading_evaluation(actor, application, evaluator_org_id, due_on)
    GRADING_MACHINE.move(application, "evaluating", actor, evaluation.evaluator.name)
    unit.flush()
    return evaluation


def application_problems_at_assignment(application: GradeApplication) -> list[Problem]:
    """Conditions that may have changed since applying (the open application itself aside)."""
    return [p for p in application_problems(application.organization) if p.code != "application_open"]


def decide(actor: User, application: GradeApplication, note: str) -> GradeApplication:
    """The committee's decision: the grade the evaluation's total earns goes on public notice."""
    GRADING_ACTIONS.require(actor, application, "decide")
    evaluation = evaluation_of(application)
    evaluations.publish_in_transaction(actor, evaluation)
    application.proposed_grade = grade_from_band(evaluation.band)
    application.decided_by_id, application.decided_at = actor.id, clock.now()
    application.decision_note = text.clean(note, 4000)
    application.notice_ends_on = clock.today() + timedelta(days=rules.in_force()["grade_notice_days"])
    GRADING_MACHINE.move(application, "noticed", actor, _("Proposed grade %(grade)s, %(total)s points",
                                                           grade=GRADES[application.proposed_grade],
                                                           total=scoring.from_centipoints(evaluation.total_cp)))
    unit.flush()
    return application


def appeal(actor: User, application: GradeApplication, grounds: str) -> GradeApplication:
    GRADING_ACTIONS.require(actor, application, "appeal")
    application.appeal_grounds = text.required(grounds, 10000, _("State the grounds of the appeal."), "grounds")
    application.appealed_at = clock.now()
    GRADING_MACHINE.move(application, "appealed", actor, application.appeal_grounds)
    unit.flush()
    return application


def appeal_answer_due(application: GradeApplication) -> date | None:
    if application.appealed_at is None:
        return None
    return clock.china_date(application.appealed_at) + timedelta(days=rules.in_force()["grade_appeal_answer_days"])


def answer_appeal(actor: User, application: GradeApplication, answer: str, grade: int) -> GradeApplication:
    """Answer the appeal, keeping or changing the grade; a changed grade goes on notice again."""
    GRADING_ACTIONS.require(actor, application, "answer_appeal")
    if grade not in GRADES:
        raise ServiceError(_("Choose a grade from 1A to 5A."), field="grade")
    application.appeal_answer = text.required(answer, 10000, _("Write the answer to the appeal."), "answer")
    application.appeal_answered_at = clock.now()
    if grade != application.proposed_grade:
        application.proposed_grade = grade
        application.notice_ends_on = clock.today() + timedelta(days=rules.in_force()["grade_notice_days"])
    GRADING_MACHINE.move(application, "noticed", actor, application.appeal_answer)
    unit.flush()
    return application


@dataclass
class ShownGrade:
    """The grade an application stands at, and what it is: "proposed" by the committee, "appeal"
    (decided in answering the appeal, kept or changed) or "issued"; `first` is the grade first
    proposed, when the appeal changed it."""
    kind: str
    grade: int
    first: int | None = None


def shown_grade(application: GradeApplication) -> ShownGrade | None:
    if application.grade_id is not None:
        return ShownGrade("issued", db.session.get(OrganizationGrade, application.grade_id).grade)
    if not application.proposed_grade:
        return None
    if application.appeal_answered_at is None:
        return ShownGrade("proposed", application.proposed_grade)
    evaluation = evaluation_of(application)
    first = grade_from_band(evaluation.band) if evaluation is not None and evaluation.band else None
    return ShownGrade("appeal", application.proposed_grade,
                      first if first is not None and first != application.proposed_grade else None)


def issue(actor: User, application: GradeApplication) -> OrganizationGrade:
    """After the notice without an open appeal, the grade is issued and valid from today."""
    GRADING_ACTIONS.require(actor, application, "issue")
    grade = undertakers.grant_grade(actor, application.organization_id, application.proposed_grade, clock.today())
    db.session.flush()
    application.grade_id = grade.id
    GRADING_MACHINE.move(application, "issued", actor, GRADES[grade.grade])
    unit.flush()
    return grade


def refuse(actor: User, application: GradeApplication, reason: str) -> None:
    GRADING_ACTIONS.require(actor, application, "refuse")
    reason = text.required(reason, 4000, _("Give the organization a reason for the refusal."), "reason")
    GRADING_MACHINE.move(application, "refused", actor, reason)
    application.decision_note = reason
    for evaluation in db.session.scalars(select(Evaluation).where(
            Evaluation.application_id == application.id, Evaluation.status.in_(("commissioned", "scoring",
                                                                                "submitted")))):
        EVALUATION_MACHINE.move(evaluation, "cancelled", actor, reason)
    unit.flush()


def withdraw(actor: User, application: GradeApplication) -> None:
    GRADING_ACTIONS.require(actor, application, "withdraw")
    GRADING_MACHINE.move(application, "withdrawn", actor, "")
    unit.flush()


PUBLIC = ("noticed", "appealed", "issued")


def applications_select(status: str | None = None, public_only: bool = True):
    """Applications newest first; the public sees them from the public notice on."""
    statement = select(GradeApplication).order_by(GradeApplication.applied_at.desc(), GradeApplication.id.desc())
    if public_only:
        statement = statement.where(GradeApplication.status.in_(PUBLIC))
    return statement.where(GradeApplication.status == status) if status else statement


def applications_of(org: Organization) -> list[GradeApplication]:
    return db.session.scalars(select(GradeApplication).where(GradeApplication.organization_id == org.id)
                              .order_by(GradeApplication.id.desc())).all()
