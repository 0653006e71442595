"""Third-party evaluation (第三方评估): commissioning an evaluator organization, its conflict
declaration, scoring every indicator with evidence, and publishing the result.

The satisfaction indicator is not typed in: it is computed from residents' ratings when the
sheet is submitted. A published final evaluation sets the score a tied last tranche follows.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts import services as accounts
from market.accounts.models import RoleGrant, User
from market.accounts.roles import Role
from market.contracts import payment
from market.contracts.models import SIGNED_STATUSES, Contract
from market.contracts.steps import record_step
from market.core import scoring, text, unit
from market.core.errors import NotFound, PermissionDenied, ServiceError, existing
from market.evaluation import (
    ratings,
    rubrics,
    steps,  # noqa: F401  (how evaluation steps read on timelines)
)
from market.evaluation.actions import EVALUATION_ACTIONS, is_evaluator_for, may_commission, may_oversee
from market.evaluation.models import (
    EVALUATION_KINDS,
    EVALUATION_MACHINE,
    GRADING_MACHINE,
    Evaluation,
    GradeApplication,
    IndicatorScore,
)
from market.extensions import db
from market.notifications import services as notifications
from market.organizations.models import Organization

CONTRACT_KINDS = ("mid_term", "final")
LIVE = ("commissioned", "scoring", "submitted", "published")


# --- who may do what -----------------------------------------------------------------------------

def evaluator_organizations() -> list[Organization]:
    """Approved organizations with at least one third-party evaluator on their staff."""
    ids = select(RoleGrant.organization_id).where(RoleGrant.role == Role.EVALUATOR)
    return db.session.scalars(select(Organization).where(Organization.id.in_(ids), Organization.status == "approved")
                              .order_by(Organization.name)).all()


def may_read(user, evaluation: Evaluation) -> bool:
    """Published evaluations are public; before that, only the evaluator and the commissioning side."""
    return evaluation.status == "published" or is_evaluator_for(user, evaluation) or may_oversee(user, evaluation)


def get_evaluation(viewer, evaluation_id: int) -> Evaluation:
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None or not may_read(viewer, evaluation):
        raise NotFound(_("This evaluation does not exist or is not published yet."))
    return evaluation


# --- commissioning ------------------------------------------------------------------------------

def commission(actor: User, contract: Contract, kind: str, evaluator_org_id: int, rubric_id: int,
               due_on: date) -> Evaluation:
    if not may_commission(actor, contract):
        raise PermissionDenied(_("Only a purchaser of this department or civil affairs commissions evaluations."))
    if kind not in CONTRACT_KINDS:
        raise ServiceError(_("Choose a mid-term or a final evaluation."), field="kind")
    if contract.status not in SIGNED_STATUSES:
        raise ServiceError(_("Evaluations are commissioned once the contract is signed."))
    if db.session.scalar(select(Evaluation.id).where(Evaluation.contract_id == contract.id, Evaluation.kind == kind,
                                                     Evaluation.status.in_(LIVE))) is not None:
        raise ServiceError(_("This contract has a %(kind)s already.", kind=EVALUATION_KINDS[kind]), field="kind",
                           code="evaluation_already_commissioned")
    evaluator = existing(Organization, evaluator_org_id, _("Choose an evaluator organization."))
    if evaluator not in evaluator_organizations():
        raise ServiceError(_("Choose an approved organization with third-party evaluators."), field="evaluator_org_id",
                           code="not_an_evaluator_organization")
    if evaluator.id == contract.organization_id:
        raise ServiceError(_("An organization cannot evaluate its own contract."), field="evaluator_org_id")
    rubric = rubrics.get_rubric(rubric_id)
    if rubric.purpose != "performance" or rubric.status != "published":
        raise ServiceError(_("Choose a published performance rubric."), field="rubric_id")
    if due_on < clock.today():
        raise ServiceError(_("The due date cannot be in the past."), field="due_on")
    evaluation = Evaluation(kind=kind, contract_id=contract.id, rubric_id=rubric.id, evaluator_org_id=evaluator.id,
                            commissioned_by_id=actor.id, commissioned_at=clock.now(), due_on=due_on, status="")
    db.session.add(evaluation)
    db.session.flush()
    EVALUATION_MACHINE.start(evaluation, actor, "")
    _tell_evaluators(evaluation)
    unit.flush()
    return evaluation


def start_grading_evaluation(actor: User, application, evaluator_org_id: int, due_on: date) -> Evaluation:
    """Civil affairs assigns an evaluator to a grade application (in the caller's transaction)."""
    evaluator = existing(Organization, evaluator_org_id, _("Choose an evaluator organization."))
    if evaluator not in evaluator_organizations():
        raise ServiceError(_("Choose an approved organization with third-party evaluators."), field="evaluator_org_id",
                           code="not_an_evaluator_organization")
    if evaluator.id == application.organization_id:
        raise ServiceError(_("An organization cannot evaluate itself."), field="evaluator_org_id")
    if due_on < clock.today():
        raise ServiceError(_("The due date cannot be in the past."), field="due_on")
    evaluation = Evaluation(kind="grading", application_id=application.id, rubric_id=application.rubric_id,
                            evaluator_org_id=evaluator.id, commissioned_by_id=actor.id, commissioned_at=clock.now(),
                            due_on=due_on, status="")
    db.session.add(evaluation)
    db.session.flush()
    EVALUATION_MACHINE.start(evaluation, actor, "")
    _tell_evaluators(evaluation)
    return evaluation


def _tell_evaluators(evaluation: Evaluation) -> None:
    """The evaluator organization's evaluators hear of a new evaluation to carry out."""
    for person in accounts.holders_of(Role.EVALUATOR, {evaluation.evaluator_org_id}).get(evaluation.evaluator_org_id,
                                                                                         []):
        notifications.notify(person, "evaluation_commissioned", {"kind": evaluation.kind,
                                                                 "due": evaluation.due_on.isoformat()},
                             ("evaluation.show", {"evaluation_id": evaluation.id}))


def evaluated_organization_id(evaluation: Evaluation) -> int:
    if evaluation.contract_id is not None:
        return evaluation.contract.organization_id
    return db.session.get(GradeApplication, evaluation.application_id).organization_id


def declare(actor: User, evaluation: Evaluation, conflict: bool, note: str) -> Evaluation:
    """The evaluator declares whether it has a conflict of interest before it sees anything to score.

    Belonging to the evaluated organization is a conflict whatever is declared; a conflict
    declines the commission, and the commissioning side chooses another evaluator."""
    EVALUATION_ACTIONS.require(actor, evaluation, "declare")
    note = text.clean(note, 2000)
    member = evaluated_organization_id(evaluation) in actor.organization_ids()
    conflict = conflict or member
    if conflict and not note and not member:
        raise ServiceError(_("Describe the conflict of interest."), field="note", code="conflict_not_described")
    evaluation.conflict, evaluation.conflict_note = conflict, note or (
        _("The evaluator belongs to the evaluated organization.") if member else "")
    evaluation.declared_by_id, evaluation.declared_at = actor.id, clock.now()
    EVALUATION_MACHINE.move(evaluation, "declined" if conflict else "scoring", actor, evaluation.conflict_note)
    if conflict and evaluation.application_id is not None:  # the grade application waits for another evaluator
        application = db.session.get(GradeApplication, evaluation.application_id)
        GRADING_MACHINE.move(application, "applied", actor, _("The evaluator declined: conflict of interest."))
    unit.flush()
    return evaluation


# --- scoring ------------------------------------------------------------------------------------

@dataclass
class Entry:
    value: str  # points such as "17.5", or "na"
    evidence: str


def parse_points(value: str, maximum: int, allow_na: bool, name: str) -> Decimal | None:
    value = (value or "").strip().lower()
    if value in ("na", "n/a", "不适用"):
        if not allow_na:
            raise ServiceError(_("“%(name)s” cannot be marked not applicable.", name=name),
                               code="not_applicable_not_allowed")
        return scoring.NA
    try:
        points = Decimal(value)
    except InvalidOperation:
        raise ServiceError(_("Give “%(name)s” from 0 to %(max)s points (two decimals at most).", name=name,
                             max=maximum), code="points_out_of_range") from None
    if not points.is_finite() or points != points.quantize(scoring.CENT) or not 0 <= points <= maximum:
        raise ServiceError(_("Give “%(name)s” from 0 to %(max)s points (two decimals at most).", name=name,
                             max=maximum), code="points_out_of_range")
    return points


def save_scores(actor: User, evaluation: Evaluation, entries: dict[int, Entry]) -> int:
    """Save the evaluator's points and evidence for the indicators given; blanks are left for later."""
    EVALUATION_ACTIONS.require(actor, evaluation, "score")
    saved = {s.indicator_id: s for s in evaluation.scores}
    now = clock.now()
    count = 0
    for indicator in rubrics.leaves(evaluation.rubric):
        entry = entries.get(indicator.id)
        if indicator.source != "manual" or entry is None or not (entry.value or "").strip():
            continue
        points = parse_points(entry.value, indicator.points, indicator.allow_na, indicator.name)
        evidence = text.clean(entry.evidence, 4000)
        if not evidence:
            raise ServiceError(_("Record the evidence for “%(name)s”.", name=indicator.name), code="evidence_missing")
        record = saved.get(indicator.id)
        if record is None:
            record = IndicatorScore(evaluation_id=evaluation.id, indicator_id=indicator.id, scored_at=now)
            db.session.add(record)
            evaluation.scores.append(record)
        record.points_cp = None if points is scoring.NA else scoring.to_centipoints(points)
        record.evidence, record.scored_by_id, record.scored_at = evidence, actor.id, now
        count += 1
    unit.flush()
    return count


def automatic_points(evaluation: Evaluation, indicator) -> tuple[Decimal | None, str]:
    """A satisfaction indicator's points from residents' ratings, and how they were counted."""
    if evaluation.contract_id is not None:
        index, count = ratings.satisfaction(contract_ids=[evaluation.contract_id])
    else:
        index, count = ratings.satisfaction(organization_id=evaluated_organization_id(evaluation))
    if index is None:
        return scoring.NA, _("No resident has rated yet: left out of the average.")
    points = scoring.rounded(Decimal(indicator.points) * index / 100)
    return points, _("Satisfaction index %(index)s from %(count)s residents' ratings.", index=index, count=count)


def sheet(evaluation: Evaluation) -> list[dict]:
    """Every indicator with what is recorded for it, in the rubric's order."""
    saved = {s.indicator_id: s for s in evaluation.scores}
    leaf_ids = {i.id for i in rubrics.leaves(evaluation.rubric)}
    rows = []
    for indicator in evaluation.rubric.indicators:
        record = saved.get(indicator.id)
        row = {"indicator": indicator, "leaf": indicator.id in leaf_ids, "record": record,
               "points": scoring.from_centipoints(record.points_cp) if record else None,
               "na": record is not None and record.points_cp is None}
        if row["leaf"] and indicator.source == "satisfaction" and record is None:
            row["points"], row["preview"] = automatic_points(evaluation, indicator)
            row["na"] = row["points"] is None
        rows.append(row)
    return rows


def result(evaluation: Evaluation) -> scoring.Result:
    leaf_scores = {s.indicator_id: scoring.from_centipoints(s.points_cp) for s in evaluation.scores}
    return scoring.score_tree(rubrics.tree(evaluation.rubric), leaf_scores, evaluation.rubric.cap)


def submit(actor: User, evaluation: Evaluation, summary: str) -> Evaluation:
    """Close the sheet: every indicator is scored (satisfaction filled in now) and the total computed."""
    EVALUATION_ACTIONS.require(actor, evaluation, "score")
    summary = text.required(summary, 10000, _("Write the evaluation's conclusions."), "summary")
    saved = {s.indicator_id: s for s in evaluation.scores}
    now = clock.now()
    missing = []
    for indicator in rubrics.leaves(evaluation.rubric):
        if indicator.source == "satisfaction":
            points, how = automatic_points(evaluation, indicator)
            record = saved.get(indicator.id) or IndicatorScore(evaluation_id=evaluation.id, indicator_id=indicator.id,
                                                                scored_at=now)
            record.points_cp = None if points is scoring.NA else scoring.to_centipoints(points)
            record.evidence, record.automatic, record.scored_at = how, True, now
            if indicator.id not in saved:
                evaluation.scores.append(record)
        elif indicator.id not in saved:
            missing.append(indicator.code)
    if missing:
        db.session.rollback()
        raise ServiceError(_("Score every indicator first; missing: %(codes)s.", codes=", ".join(missing)),
                           code="indicators_unscored")
    try:
        total = result(evaluation).total
    except ValueError:
        db.session.rollback()
        raise ServiceError(_("Not every indicator can be marked not applicable.")) from None
    evaluation.total_cp = scoring.to_centipoints(total)
    evaluation.band = scoring.band(total, evaluation.rubric.bands)
    evaluation.summary, evaluation.submitted_by_id, evaluation.submitted_at = summary, actor.id, now
    EVALUATION_MACHINE.move(evaluation, "submitted", actor, "")
    notifications.notify(db.session.get(User, evaluation.commissioned_by_id), "evaluation_submitted",
                         {"kind": evaluation.kind}, ("evaluation.show", {"evaluation_id": evaluation.id}))
    unit.flush()
    return evaluation


def return_for_revision(actor: User, evaluation: Evaluation, reason: str) -> None:
    EVALUATION_ACTIONS.require(actor, evaluation, "return")
    reason = text.required(reason, 2000, _("Say what the evaluator should revise."), "reason",
                           code="revision_reason_missing")
    EVALUATION_MACHINE.move(evaluation, "scoring", actor, reason)
    unit.flush()


def publish(actor: User, evaluation: Evaluation) -> Evaluation:
    """Publish a contract's evaluation; a final one sets the score a tied last tranche follows."""
    EVALUATION_ACTIONS.require(actor, evaluation, "publish")
    publish_in_transaction(actor, evaluation)
    contract = evaluation.contract
    total = scoring.from_centipoints(evaluation.total_cp)
    record_step(contract, "evaluation_published", actor, evaluation_kind=evaluation.kind, total=str(total),
                          band=evaluation.band)
    if evaluation.kind == "final":
        payment.apply_final_score(actor, contract, total)
    unit.flush()
    return evaluation


def publish_in_transaction(actor: User, evaluation: Evaluation) -> None:
    if evaluation.status != "submitted":
        raise ServiceError(_("Only a submitted evaluation is published."))
    EVALUATION_MACHINE.move(evaluation, "published", actor, "")
    evaluation.published_at = clock.now()


def cancel(actor: User, evaluation: Evaluation, reason: str) -> None:
    EVALUATION_ACTIONS.require(actor, evaluation, "cancel")
    reason = text.required(reason, 2000, _("Give the reason for cancelling it."), "reason")
    EVALUATION_MACHINE.move(evaluation, "cancelled", actor, reason)
    unit.flush()


def of_contract(contract: Contract) -> list[Evaluation]:
    """All of a contract's evaluations: anyone sees that they exist and their status; the sheet
    itself only once published (`may_read`)."""
    return db.session.scalars(select(Evaluation).where(Evaluation.contract_id == contract.id)
                              .order_by(Evaluation.id)).all()


def assigned_to(user) -> list[Evaluation]:
    """What waits for this evaluator's organizations."""
    org_ids = {g.organization_id for g in user.grants if g.role == Role.EVALUATOR}
    return db.session.scalars(select(Evaluation).where(Evaluation.evaluator_org_id.in_(org_ids),
                                                       Evaluation.status.in_(("commissioned", "scoring", "submitted")))
                              .order_by(Evaluation.due_on, Evaluation.id)).all()


def published_for_organization(organization_id: int) -> list[Evaluation]:
    return db.session.scalars(select(Evaluation).join(Contract, Evaluation.contract_id == Contract.id).where(
        Contract.organization_id == organization_id, Evaluation.status == "published")
        .order_by(Evaluation.published_at)).all()
