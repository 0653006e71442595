"""Acceptance and payment: the purchaser decides on a reported milestone; an accepted tranche becomes
payable (cut by the final evaluation's score when tied to it) and is paid through the provider
exactly once; a contract completes when every milestone is settled, or is terminated early for a
recorded cause. Money moves only through `market.money.services`, once per step."""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.contracts.access import get_milestone, require_side
from market.contracts.actions import CONTRACT_ACTIONS, MILESTONE_ACTIONS
from market.contracts.delivery import latest_report
from market.contracts.models import CONTRACT_MACHINE, DECISIONS, MILESTONE_MACHINE, Acceptance, Contract, Milestone
from market.contracts.steps import record_step
from market.contracts.terms import OPEN_MILESTONES
from market.core import scoring, text, unit
from market.core.errors import ServiceError
from market.extensions import db
from market.money import payments
from market.money import services as money

# --- acceptance and payment ---------------------------------------------------------------------

def decide(actor: User, contract: Contract, milestone_id: int, decision: str, reasons: str = "") -> Acceptance:
    """Accept (the tranche becomes payable), return for revision, or reject a reported milestone.

    Two decisions at the same moment: one wins the milestone's status, the other is refused."""
    milestone = get_milestone(contract, milestone_id)
    MILESTONE_ACTIONS.require(actor, milestone, "decide")
    if decision not in DECISIONS:
        raise ServiceError(_("Choose a decision."))
    reasons = text.clean(reasons, 4000)
    if decision != "accepted" and not reasons:
        raise ServiceError(_("Give the reasons; the organization will read them."), field="reasons",
                           code="decision_reasons_missing")
    report = latest_report(milestone)
    if report is None:
        raise ServiceError(_("Only a reported milestone is decided."))
    target = decision
    if decision == "accepted" and _is_score_tied(contract, milestone):
        if contract.final_score_cp is None:
            target = "held"
        elif _tied_payable(contract, milestone) == 0:
            target = "withheld"
    if not MILESTONE_MACHINE.claim(milestone, "reported", target, actor, reasons):
        db.session.rollback()
        raise ServiceError(_("This milestone was decided a moment ago by someone else."))
    now = clock.now()
    acceptance = Acceptance(milestone_id=milestone.id, report_id=report.id, decision=decision, reasons=reasons,
                            decided_by_id=actor.id, decided_at=now)
    db.session.add(acceptance)
    record_step(contract, f"milestone_{decision}", actor, milestone=milestone.title, amount_fen=milestone.amount_fen,
                reasons=reasons)
    if decision == "accepted":
        milestone.accepted_at = now
        if target != "held":
            _release_tranche(actor, contract, milestone)
    unit.flush()
    return acceptance


def _is_score_tied(contract: Contract, milestone: Milestone) -> bool:
    return contract.score_tied and milestone.position == contract.milestones[-1].position


def _tied_payable(contract: Contract, milestone: Milestone) -> int:
    return scoring.tranche_payable(milestone.amount_fen, scoring.from_centipoints(contract.final_score_cp),
                                   contract.score_withhold_below, contract.score_full_from)


def _release_tranche(actor, contract: Contract, milestone: Milestone) -> None:
    """An accepted tranche becomes payable, cut by the final score when tied to it; a tranche the
    score withholds entirely is closed, and its money goes back to the budget when the contract ends."""
    if _is_score_tied(contract, milestone):
        score = scoring.from_centipoints(contract.final_score_cp)
        milestone.payable_fen = _tied_payable(contract, milestone)
        record_step(contract, "tranche_scored", actor, milestone=milestone.title, score=str(score),
                    amount_fen=milestone.amount_fen, payable_fen=milestone.payable_fen)
        if milestone.payable_fen == 0:
            if milestone.status != "withheld":
                MILESTONE_MACHINE.move(milestone, "withheld", actor, _("Final evaluation score %(score)s", score=score))
            _complete_if_done(actor, contract)
            return
    if milestone.status != "accepted":
        MILESTONE_MACHINE.move(milestone, "accepted", actor, "")
    milestone.pay_by = clock.today() + timedelta(days=contract.payment_days)
    money.make_payable(contract.id, milestone.id, milestone.due_fen, actor)


def apply_final_score(actor, contract: Contract, total) -> None:
    """The final evaluation is published: a score-tied last tranche follows it (in the caller's transaction)."""
    contract.final_score_cp = scoring.to_centipoints(total)
    last = contract.milestones[-1] if contract.milestones else None
    if contract.score_tied and last is not None and last.status == "held":
        _release_tranche(actor, contract, last)


def acceptances(contract: Contract) -> dict[int, list[Acceptance]]:
    ids = [m.id for m in contract.milestones]
    found: dict[int, list[Acceptance]] = {i: [] for i in ids}
    for a in db.session.scalars(select(Acceptance).where(Acceptance.milestone_id.in_(ids)).order_by(Acceptance.id)):
        found[a.milestone_id].append(a)
    return found


def pay(actor: User, contract: Contract, milestone_id: int):
    """Pay an accepted tranche through the configured provider, exactly once."""
    require_side(actor, contract, "purchaser")
    milestone = get_milestone(contract, milestone_id)
    if milestone.status == "paid":
        raise ServiceError(_("This tranche is paid already."), code="tranche_already_paid")
    if not MILESTONE_MACHINE.claim(milestone, "accepted", "paying", actor, ""):
        db.session.rollback()
        raise ServiceError(_("This tranche is being paid or is not payable."), code="tranche_not_payable")
    payment = payments.start_payout(actor, contract, milestone)
    unit.commit(unit.AROUND_PROVIDER_CALL)  # the claim and the pending payment, before money moves
    try:
        reference = payments.send_payout(payment, contract)
    except payments.ProviderError as error:
        payments.record_failure(actor, payment, str(error))
        MILESTONE_MACHINE.claim(milestone, "paying", "accepted", actor, str(error))
        unit.commit(unit.KEPT_THOUGH_REFUSED)  # the failure and its reason stay on record
        raise ServiceError(
            _("The payment failed: %(error)s. Nothing was paid; try again.", error=str(error)), code="payout_failed"
        ) from error
    payments.record_settlement(actor, payment, reference)
    money.settle(contract.id, milestone.id, milestone.due_fen, reference, actor)
    MILESTONE_MACHINE.claim(milestone, "paying", "paid", actor, "")
    milestone.paid_at = clock.now()
    record_step(contract, "tranche_paid", actor, milestone=milestone.title, amount_fen=milestone.due_fen)
    _complete_if_done(actor, contract)
    unit.flush()
    return payment


def _complete_if_done(actor: User, contract: Contract) -> None:
    if contract.status == "active" and all(m.status in ("paid", "rejected", "cancelled", "withheld")
                                           for m in contract.milestones):
        CONTRACT_MACHINE.move(contract, "completed", actor, "")
        contract.ended_at = clock.now()
        money.release(money.source_of(contract), contract.id, f"release:contract:{contract.id}", actor)
        record_step(contract, "contract_completed", actor)


def terminate(actor: User, contract: Contract, cause: str) -> int:
    """End a contract early for a recorded cause. Accepted tranches stay payable and are paid;
    milestones not delivered are cancelled and their money returns to the budget."""
    CONTRACT_ACTIONS.require(actor, contract, "terminate")
    cause = text.required(cause, 4000, _("Record the cause of termination."), "reason")
    if any(m.status in ("reported", "paying") for m in contract.milestones):
        raise ServiceError(_("Decide on the reported milestones first."), code="reported_milestones_undecided")
    if any(m.status == "held" for m in contract.milestones):
        raise ServiceError(_("The last tranche waits for the final evaluation's score; publish it first."),
                           code="final_score_awaited")
    for milestone in contract.milestones:
        if milestone.status in OPEN_MILESTONES:
            MILESTONE_MACHINE.move(milestone, "cancelled", actor, cause)
    CONTRACT_MACHINE.move(contract, "terminated", actor, cause)
    contract.ended_at, contract.end_cause = clock.now(), cause
    released = money.release(money.source_of(contract), contract.id, f"release:contract:{contract.id}", actor)
    record_step(contract, "contract_terminated", actor, cause=cause, released_fen=released)
    unit.flush()
    return released
