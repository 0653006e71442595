"""Which changes are audited and what their events say. One function per kind of record; each
returns the events a new or changed record makes (usually none or one). Nothing sealed goes in:
a bid's event carries its receipt digest, never its content or, before opening, its bidder."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import inspect, select

from market.contracts.models import Acceptance, ContractSignature, Milestone
from market.core.workflow import StatusChange
from market.extensions import db
from market.grid.models import Dispatch, Problem, ProblemNote
from market.money.models import Entry, LedgerTransaction, Payment
from market.organizations.models import OrganizationGrade
from market.procurement.models import Award, Bid, BidResult, Challenge, Score


@dataclass
class Spec:
    action: str
    subject_type: str
    subject_id: int
    actor_id: int | None
    public: bool
    payload: dict | Callable[[], dict]  # a callable is read at commit time


# Status changes of these subjects are audited; a subject's creation in its first status is not,
# except where noted by PUBLIC_FROM (draft tenders and contracts are nobody's business yet).
AUDITED_MACHINES = {"tender", "contract", "milestone", "grade_application", "round", "proposal", "problem",
                    "task_list", "admission_request", "pushed_work"}
PRIVATE_STATUSES = {"draft"}
PUBLIC_GRADING = {"noticed", "appealed", "issued"}
PUBLIC_PROPOSAL = {"selected", "funded", "cancelled"}


def _changed(obj, name: str) -> bool:
    return inspect(obj).attrs[name].history.has_changes()


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _status_change(change, new):
    if not new or change.subject_type not in AUDITED_MACHINES or change.from_status is None:
        return []
    kind, to = change.subject_type, change.to_status
    public = to not in PRIVATE_STATUSES
    if kind == "grade_application":
        public = to in PUBLIC_GRADING
    elif kind == "proposal":
        public = to in PUBLIC_PROPOSAL
    actor_id = change.actor_id
    if kind == "problem" and actor_id is not None and actor_id == getattr(
            db.session.get(Problem, change.subject_id), "reporter_id", None):
        actor_id = None  # the resident who raised a problem (and rates it) is never named in public
    return [Spec(f"{kind}.{to}", kind, change.subject_id, actor_id, public,
                 {"from": change.from_status, "to": to, "reason": change.reason or ""})]


def _bid(bid, new):
    if new:
        return [Spec("bid.received", "tender", bid.tender_id, bid.submitted_by_id, False,
                     {"bid": bid.id, "digest": bid.digest, "version": bid.version})]
    if _changed(bid, "digest"):
        return [Spec("bid.replaced", "tender", bid.tender_id, bid.submitted_by_id, False,
                     {"bid": bid.id, "digest": bid.digest, "version": bid.version})]
    if _changed(bid, "status") and bid.status == "withdrawn":
        return [Spec("bid.withdrawn", "tender", bid.tender_id, bid.submitted_by_id, False, {"bid": bid.id})]
    if _changed(bid, "opened_at") and bid.opened_at:
        return [Spec("bid.opened", "tender", bid.tender_id, None, True,
                     {"bid": bid.id, "organization": bid.organization_id, "digest": bid.digest,
                      "price_fen": bid.price_fen})]
    return []


def _score(score, new):
    if not (new or _changed(score, "points")):
        return []
    return [Spec("score.given", "tender", score.tender_id, score.expert_id, False,
                 {"bid": score.bid_id, "criterion": score.criterion_id, "points": score.points})]


def _result(result, new):
    return [Spec("bid.ranked", "tender", result.tender_id, None, False,
                 {"bid": result.bid_id, "total": result.total, "rank": result.rank})] if new else []


def _award(award, new):
    return [Spec("award.made", "tender", award.tender_id, award.awarded_by_id, True,
                 {"bid": award.bid_id, "reason": award.reason, "notice_ends_at": _plain(award.notice_ends_at)})] \
        if new else []


def _challenge(challenge, new):
    if new:
        return [Spec("challenge.filed", "tender", challenge.tender_id, challenge.filed_by_id, True,
                     {"challenge": challenge.id, "organization": challenge.organization_id,
                      "grounds": challenge.grounds})]
    if _changed(challenge, "answered_at") and challenge.answered_at:
        return [Spec("challenge.answered", "tender", challenge.tender_id, challenge.answered_by_id, True,
                     {"challenge": challenge.id, "answer": challenge.answer})]
    return []


def _signature(signature, new):
    return [Spec("contract.signature", "contract", signature.contract_id, signature.user_id, True,
                 {"side": signature.side, "terms_version": signature.terms_version,
                  "terms_digest": signature.terms_digest})] if new else []


def _acceptance(acceptance, new):
    if not new:
        return []
    contract_id = db.session.get(Milestone, acceptance.milestone_id).contract_id
    return [Spec("milestone.decision", "contract", contract_id, acceptance.decided_by_id, True,
                 {"milestone": acceptance.milestone_id, "decision": acceptance.decision,
                  "reasons": acceptance.reasons})]


def _payment(payment, new):
    if not (new or _changed(payment, "status")):
        return []
    return [Spec(f"payment.{payment.status}", "contract", payment.contract_id, payment.requested_by_id, True,
                 {"payment": payment.id, "milestone": payment.milestone_id, "amount_fen": payment.amount_fen,
                  "provider": payment.provider, "reference": payment.reference})]


def _posting(transaction, new):
    if not new:
        return []
    subject = ("contract", transaction.contract_id) if transaction.contract_id else ("ledger", transaction.id)
    transaction_id, key, kind = transaction.id, transaction.key, transaction.kind

    def payload():  # the legs are added after the transaction's own flush: read them at commit
        legs = db.session.execute(
            select(Entry.account_id, Entry.amount_fen).where(Entry.transaction_id == transaction_id).order_by(Entry.id)
        ).all()
        return {"transaction": transaction_id, "key": key, "kind": kind, "entries": [list(leg) for leg in legs]}

    return [Spec("ledger.posted", *subject, transaction.actor_id, transaction.contract_id is not None, payload)]


def _grade(grade, new):
    return [Spec("grade.recorded", "organization", grade.organization_id, grade.recorded_by_id, True,
                 {"grade": grade.grade, "valid_from": _plain(grade.valid_from),
                  "valid_until": _plain(grade.valid_until)})] if new else []


def _dispatch(dispatch, new):
    """A problem's dispatch: to whom, by which rule, and the times to answer and to finish by."""
    return [Spec("problem.dispatch", "problem", dispatch.problem_id, dispatch.dispatched_by_id, True,
                 {"body": f"{dispatch.body_kind}:{dispatch.body_id}", "rule": dispatch.rule_id,
                  "respond_by": _plain(dispatch.respond_by), "due_at": _plain(dispatch.due_at)})] if new else []


def _problem_note(note, new):
    """Progress on a problem, its deadline passing, its escalation."""
    return [Spec(f"problem.{note.kind}", "problem", note.problem_id, note.actor_id, True,
                 {"text": note.text})] if new else []


def describers() -> dict:
    return {StatusChange: _status_change, Bid: _bid, Score: _score, BidResult: _result, Award: _award,
            Challenge: _challenge, ContractSignature: _signature, Acceptance: _acceptance, Payment: _payment,
            LedgerTransaction: _posting, OrganizationGrade: _grade, Dispatch: _dispatch, ProblemNote: _problem_note}
