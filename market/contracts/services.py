"""The rules of contracts: drafting from an award, signing, amendments, reports, acceptance,
payment and ending. Money moves only through `market.money.services`, once per step."""
import calendar
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from market import clock
from market.accounts.models import User
from market.contracts import (
    signals,
    steps,  # noqa: F401  (how contract steps read on timelines)
)
from market.contracts.models import (
    AMENDMENT_MACHINE,
    CONTRACT_MACHINE,
    DECISIONS,
    INSPECTION_KINDS,
    MILESTONE_MACHINE,
    SIDES,
    SIGNED_STATUSES,
    Acceptance,
    Contract,
    ContractAmendment,
    ContractSignature,
    DeliveryReport,
    Inspection,
    Milestone,
    ReportFile,
    SpendingLine,
)
from market.core import scoring, text, unit, uploads
from market.core.errors import NotFound, PermissionDenied, ServiceError, existing
from market.core.money import format_fen
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.money import payments
from market.money import services as money
from market.needs import timeline
from market.procurement.awards import contract_blockers
from market.procurement.models import TENDER_MACHINE, Award, Bid, Tender
from market.rules import services as rules

DEFAULT_SHARES_BP = (3000, 4000, 3000)  # 30/40/30 for services (DOMAIN.md: an assumed default)
OPEN_MILESTONES = ("pending", "returned")
REPORT_FILE_KINDS = ("pdf", "docx", "xlsx", "png", "jpg", "jpeg")
MAX_REPORT_FILES = 6


# --- terms --------------------------------------------------------------------------------------

@dataclass
class MilestoneTerms:
    title: str
    deliverables: str
    due_on: date
    share_bp: int


@dataclass
class Terms:
    price_fen: int
    starts_on: date
    ends_on: date
    service_standards: str
    milestones: list[MilestoneTerms] = field(default_factory=list)
    score_withhold_below: int | None = None  # both empty: the last tranche is not tied to a score
    score_full_from: int | None = None


def percent_to_bp(value: str) -> int:
    """'33.33' → 3333 basis points; refuses more than two decimals."""
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ServiceError(_("Shares are percentages such as 30 or 33.33.")) from None
    bp = number * 100
    if not number.is_finite() or bp != bp.to_integral_value():
        raise ServiceError(_("Shares are percentages such as 30 or 33.33."))
    return int(bp)


def bp_to_percent(bp: int) -> str:
    whole, rest = divmod(bp, 100)
    return f"{whole}.{rest:02d}" if rest else str(whole)


def split(price_fen: int, shares_bp: list[int]) -> list[int]:
    """Each tranche's amount: its share of the price in whole fen; the rounding goes to the last."""
    amounts = [price_fen * bp // 10000 for bp in shares_bp]
    if amounts:
        amounts[-1] += price_fen - sum(amounts)
    return amounts


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_terms(price_fen: int, starts_on: date, months: int, standards: str) -> Terms:
    ends_on = add_months(starts_on, months) - timedelta(days=1)
    length = (ends_on - starts_on).days
    titles = [_("Start-up and first services"), _("Mid-term services"), _("Final services and closing report")]
    dues = [starts_on + timedelta(days=length // 3), starts_on + timedelta(days=2 * length // 3), ends_on]
    return Terms(price_fen, starts_on, ends_on, standards,
                 [MilestoneTerms(t, _("Delivery report with activities, beneficiaries and spending."), d, s)
                  for t, d, s in zip(titles, dues, DEFAULT_SHARES_BP)])


def _validate(terms: Terms, ceiling_fen: int) -> Terms:
    if not 0 < terms.price_fen <= ceiling_fen:
        raise ServiceError(_("The price must be above zero and at most the awarded %(amount)s.",
                             amount=format_fen(ceiling_fen)), field="price")
    if terms.ends_on < terms.starts_on:
        raise ServiceError(_("The contract must end after it starts."), field="ends_on")
    max_years = rules.in_force()["max_contract_years"]
    if terms.ends_on > add_months(terms.starts_on, 12 * max_years):
        raise ServiceError(_("A contract runs at most %(years)s years.", years=max_years), field="ends_on")
    terms.service_standards = text.required(terms.service_standards, 10000, _("State the service standards."),
                                            "service_standards")
    if not terms.milestones:
        raise ServiceError(_("A contract needs at least one milestone."))
    if any(m.share_bp <= 0 for m in terms.milestones):
        raise ServiceError(_("Every milestone releases a share above zero."))
    if sum(m.share_bp for m in terms.milestones) != 10000:
        raise ServiceError(_("The milestones' shares add up to %(total)s%%; they must add up to exactly 100%%.",
                             total=bp_to_percent(sum(m.share_bp for m in terms.milestones))))
    if (terms.score_withhold_below is None) != (terms.score_full_from is None):
        raise ServiceError(_("Give both scores to tie the last tranche to the final evaluation, or neither."),
                           field="score_full_from")
    if terms.score_full_from is not None and not 0 <= terms.score_withhold_below <= terms.score_full_from <= 100 \
            or terms.score_full_from == 0:
        raise ServiceError(_("The scores are out of 100, and full payment starts at or above the score below "
                             "which the tranche is withheld."), field="score_full_from")
    previous = terms.starts_on
    for m in terms.milestones:
        m.title = text.required(m.title, 120, _("Give every milestone a title."))
        m.deliverables = text.required(m.deliverables, 4000, _("Say what every milestone delivers."))
        if not previous <= m.due_on <= terms.ends_on:
            raise ServiceError(_("Milestones fall due in order, within the contract's term."))
        previous = m.due_on
    return terms


def terms_of(contract: Contract) -> dict:
    """The terms as signed: the digest of this dictionary is what each signature is on."""
    terms = {
        "number": contract.number, "version": contract.terms_version, "title": contract.title,
        "department_id": contract.department_id, "organization_id": contract.organization_id,
        "price_fen": contract.price_fen, "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(), "payment_days": contract.payment_days,
        "service_standards": contract.service_standards,
        "milestones": [{"title": m.title, "deliverables": m.deliverables, "due_on": m.due_on.isoformat(),
                        "share_bp": m.share_bp, "amount_fen": m.amount_fen} for m in contract.milestones],
    }
    if contract.score_tied:  # only then, so that terms signed before this rule existed keep their digest
        terms["score_tie"] = [contract.score_withhold_below, contract.score_full_from]
    return terms


def terms_digest(contract: Contract) -> str:
    return hashlib.sha256(json.dumps(terms_of(contract), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _apply_terms(contract: Contract, terms: Terms) -> None:
    contract.price_fen, contract.starts_on, contract.ends_on = terms.price_fen, terms.starts_on, terms.ends_on
    contract.service_standards = terms.service_standards
    contract.score_withhold_below, contract.score_full_from = terms.score_withhold_below, terms.score_full_from
    amounts = split(terms.price_fen, [m.share_bp for m in terms.milestones])
    contract.milestones = [
        Milestone(position=i, title=m.title, deliverables=m.deliverables, due_on=m.due_on, share_bp=m.share_bp,
                  amount_fen=amount, status="pending") for i, (m, amount) in enumerate(zip(terms.milestones, amounts))]


# --- who may see and do what ------------------------------------------------------------------

def sides_of(user, contract: Contract) -> set[str]:
    if not (user and user.is_authenticated):
        return set()
    sides = set()
    if contract.department_id in user.department_ids() \
            or contract.funder_organization_id in user.acting_organization_ids():
        sides.add("purchaser")
    if contract.organization_id in user.organization_ids():
        sides.add("organization")
    return sides


def get_contract(viewer, contract_id: int) -> Contract:
    """Contracts are public once signed; a draft is seen by its two sides only."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or (contract.status in ("draft", "cancelled") and not sides_of(viewer, contract)):
        raise NotFound(_("This contract does not exist or is not signed yet."))
    return contract


def _require_side(actor, contract: Contract, side: str) -> None:
    if side not in sides_of(actor, contract):
        if side == "purchaser":
            raise PermissionDenied(_("Only a purchaser of this department or a member of the funder can do this."))
        raise PermissionDenied(_("Only a member of this organization can do this."))


def _milestone(contract: Contract, milestone_id: int) -> Milestone:
    milestone = next((m for m in contract.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound(_("This milestone does not exist."))
    return milestone


def record_step(contract: Contract, kind: str, actor, **detail) -> None:
    """A step on the timeline of every community request the contract (or the grant's proposal) answers."""
    requests = contract.tender.requests if contract.tender is not None \
        else contract.proposal.requests if contract.proposal is not None else []
    for request in requests:
        timeline.record(kind, actor, request=request, contract_id=contract.id, number=contract.number, **detail)


# --- drafting and signing ----------------------------------------------------------------------

def _register(actor: User, contract: Contract, terms: Terms, prefix: str) -> None:
    """Save a new draft with its milestones, number it and start its state machines."""
    _apply_terms(contract, terms)
    db.session.add(contract)
    db.session.flush()
    contract.number = f"{prefix}{contract.created_at.year}-{contract.id:06d}"
    CONTRACT_MACHINE.start(contract, actor, "")
    for milestone in contract.milestones:
        MILESTONE_MACHINE.start(milestone, actor, "")


def draft_from_award(actor: User, award: Award) -> Contract:
    """The draft contract of an award, and the award's commitment of the department's budget.

    Called inside the award's transaction: if the budget cannot carry the price, nothing is awarded."""
    tender = db.session.get(Tender, award.tender_id)
    bid = db.session.get(Bid, award.bid_id)
    starts_on = (award.notice_ends_at + timedelta(days=1)).date()
    terms = default_terms(bid.price_fen, starts_on, tender.contract_months, tender.service_standards)
    contract = Contract(number="", award_id=award.id, tender_id=tender.id, department_id=tender.department_id,
                        organization_id=bid.organization_id, category_id=tender.category_id, title=tender.title,
                        service_standards="", price_fen=0, ceiling_fen=bid.price_fen, starts_on=starts_on,
                        ends_on=starts_on, payment_days=rules.in_force()["payment_days"], created_at=clock.now(),
                        created_by_id=actor.id, status="draft")
    contract.communities = list(tender.communities)
    _register(actor, contract, terms, "HT")  # 合同
    available = money.available_budget(contract.department_id)
    if available < contract.price_fen:
        raise ServiceError(_("The department's uncommitted budget (%(available)s) cannot carry this price "
                             "(%(price)s); record the budget first.", available=format_fen(available),
                             price=format_fen(contract.price_fen)))
    money.commit(money.source_of(contract), contract.id, contract.price_fen, actor)
    return contract


def draft_grant(actor: User, round_, proposal, terms: Terms) -> Contract:
    """The draft grant agreement of a selected venture-philanthropy project, on the round's sponsor.

    The grant part is committed from the round's grants pool here; the caller commits the
    project's gifts and match on top (in the same transaction)."""
    terms = _validate(terms, terms.price_fen)
    contract = Contract(number="", round_id=round_.id, proposal_id=proposal.id, department_id=round_.department_id,
                        funder_organization_id=round_.organization_id, organization_id=proposal.organization_id,
                        category_id=proposal.category_id, title=proposal.title, service_standards="", price_fen=0,
                        ceiling_fen=terms.price_fen, starts_on=terms.starts_on, ends_on=terms.ends_on,
                        payment_days=rules.in_force()["payment_days"], created_at=clock.now(), created_by_id=actor.id,
                        status="draft")
    _register(actor, contract, terms, "ZZ")  # 资助
    money.commit(money.source_of(contract), contract.id, proposal.requested_fen, actor)
    return contract


def contract_of_tender(tender_id: int) -> Contract | None:
    return db.session.scalar(select(Contract).where(Contract.tender_id == tender_id, Contract.status != "cancelled"))


def update_terms(actor: User, contract: Contract, terms: Terms) -> Contract:
    """Change a draft's terms. Signatures given on the earlier terms no longer count."""
    _require_side(actor, contract, "purchaser")
    if contract.status != "draft":
        raise ServiceError(_("Signed terms change only by an amendment both sides agree to."))
    terms = _validate(terms, contract.ceiling_fen)
    delta = terms.price_fen - contract.price_fen
    contract.terms_version += 1
    for milestone in list(contract.milestones):
        db.session.delete(milestone)
    db.session.flush()
    _apply_terms(contract, terms)
    db.session.flush()
    for milestone in contract.milestones:
        MILESTONE_MACHINE.start(milestone, actor, "")
    money.change_commitment(money.source_of(contract), contract.id, delta,
                            f"terms:{contract.id}:{contract.terms_version}", actor)
    unit.flush()
    return contract


def signatures(contract: Contract, version: int | None = None) -> list[ContractSignature]:
    return db.session.scalars(select(ContractSignature).where(
        ContractSignature.contract_id == contract.id,
        ContractSignature.terms_version == (version or contract.terms_version)).order_by(ContractSignature.id)).all()


def signing_blockers(contract: Contract) -> list[str]:
    if contract.status != "draft":
        return []
    if contract.tender is not None:
        return contract_blockers(contract.tender)
    return []


def sign(actor: User, contract: Contract, side: str) -> Contract:
    """Sign the current terms for one side; the second signature puts the contract in force."""
    if side not in SIDES:
        raise ServiceError(_("Choose a side to sign for."))
    _require_side(actor, contract, side)
    if contract.status != "draft":
        raise ServiceError(_("Only a draft contract is signed."))
    blockers = signing_blockers(contract)
    if blockers:
        raise ServiceError(" ".join(blockers))
    db.session.add(ContractSignature(contract_id=contract.id, terms_version=contract.terms_version, side=side,
                                     user_id=actor.id, signed_at=clock.now(), terms_digest=terms_digest(contract)))
    refuse_if_taken(_("This side has signed these terms already."))
    if {s.side for s in signatures(contract)} == set(SIDES):
        _bring_into_force(actor, contract)
    return contract


def _bring_into_force(actor: User, contract: Contract) -> None:
    if not CONTRACT_MACHINE.claim(contract, "draft", "active", actor, ""):
        return  # the other side's signature, a moment ago, did it
    contract.signed_at = clock.now()
    if contract.tender is not None and contract.tender.status == "awarded":
        TENDER_MACHINE.move(contract.tender, "contracted", actor, "")
    record_step(
        contract, "contract_signed", actor, organization=contract.organization.name, price_fen=contract.price_fen
    )
    unit.flush()


def cancel_draft(actor: User, contract: Contract, reason: str) -> None:
    """Cancel a draft (the tender is cancelled after a challenge, say); its commitment returns to the budget."""
    _require_side(actor, contract, "purchaser")
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    CONTRACT_MACHINE.move(contract, "cancelled", actor, reason)
    contract.ended_at, contract.end_cause = clock.now(), reason
    money.release(money.source_of(contract), contract.id, f"release:contract:{contract.id}", actor)
    unit.flush()


# --- amendments ----------------------------------------------------------------------------------

@dataclass
class AmendmentData:
    ends_on: date
    reason: str
    open_milestones: dict[int, tuple[date, int]]  # milestone id → (due on, amount in fen)


def open_amendment(contract: Contract) -> ContractAmendment | None:
    return db.session.scalar(select(ContractAmendment).filter_by(contract_id=contract.id, status="proposed"))


def amendments(contract: Contract) -> list[ContractAmendment]:
    return db.session.scalars(select(ContractAmendment).filter_by(contract_id=contract.id)
                              .order_by(ContractAmendment.id)).all()


def propose_amendment(actor: User, contract: Contract, side: str, data: AmendmentData) -> ContractAmendment:
    """Propose new dates and amounts for the milestones not yet reported; the price follows.

    Accepted and paid tranches stay as they are; the price never exceeds the award."""
    _require_side(actor, contract, side)
    if contract.status != "active":
        raise ServiceError(_("Only a contract in force is amended."))
    if open_amendment(contract) is not None:
        raise ServiceError(_("An amendment is waiting for an answer; settle it first."))
    reason = text.required(data.reason, 2000, _("Say why the contract changes."), "reason")
    open_ids = {m.id for m in contract.milestones if m.status in OPEN_MILESTONES}
    if set(data.open_milestones) != open_ids:
        raise ServiceError(_("The contract changed meanwhile; open the form again."))
    milestones = []
    for m in contract.milestones:
        due_on, amount = data.open_milestones.get(m.id, (m.due_on, m.amount_fen))
        if m.id in open_ids and amount <= 0:
            raise ServiceError(_("Every milestone releases an amount above zero."))
        milestones.append({"id": m.id, "title": m.title, "due_on": due_on.isoformat(), "amount_fen": amount})
    price = sum(m["amount_fen"] for m in milestones)
    if price > contract.ceiling_fen:
        raise ServiceError(_("The price must be above zero and at most the awarded %(amount)s.",
                             amount=format_fen(contract.ceiling_fen)), field="price")
    dues = [m["due_on"] for m in milestones]
    if dues != sorted(dues) or dues[-1] > data.ends_on.isoformat() or data.ends_on < contract.starts_on:
        raise ServiceError(_("Milestones fall due in order, within the contract's term."))
    unchanged = data.ends_on == contract.ends_on and all(
        (m["due_on"], m["amount_fen"]) == (old.due_on.isoformat(), old.amount_fen)
        for m, old in zip(milestones, contract.milestones))
    if unchanged:  # the other side would be asked to agree to nothing
        raise ServiceError(_("This proposal changes nothing: change a date or an amount first."))
    proposal = ContractAmendment(
        contract_id=contract.id, from_version=contract.terms_version, reason=reason, proposed_by_side=side,
        proposed_by_id=actor.id, proposed_at=clock.now(),
        proposed_terms={"price_fen": price, "ends_on": data.ends_on.isoformat(), "milestones": milestones},
        previous_terms=terms_of(contract))
    db.session.add(proposal)
    AMENDMENT_MACHINE.start(proposal, actor, reason)
    unit.flush()
    return proposal


def answer_amendment(actor: User, contract: Contract, agree: bool, note: str = "") -> ContractAmendment:
    """The other side agrees (the new terms are signed by both and in force) or refuses."""
    proposal = open_amendment(contract)
    if proposal is None:
        raise ServiceError(_("There is no amendment to answer."))
    other = "organization" if proposal.proposed_by_side == "purchaser" else "purchaser"
    _require_side(actor, contract, other)
    if proposal.from_version != contract.terms_version:
        raise ServiceError(_("The contract changed meanwhile; open the form again."))
    now = clock.now()
    proposal.decided_by_id, proposal.decided_at = actor.id, now
    proposal.decision_note = text.clean(note, 2000)
    if not agree:
        if not proposal.decision_note:
            raise ServiceError(_("Give a reason."), field="note")
        AMENDMENT_MACHINE.move(proposal, "refused", actor, proposal.decision_note)
        unit.flush()
        return proposal
    new = proposal.proposed_terms
    delta = new["price_fen"] - contract.price_fen
    amounts = {m["id"]: (date.fromisoformat(m["due_on"]), m["amount_fen"]) for m in new["milestones"]}
    for m in contract.milestones:
        m.due_on, m.amount_fen = amounts[m.id]
    contract.price_fen, contract.ends_on = new["price_fen"], date.fromisoformat(new["ends_on"])
    shares = _shares(contract.price_fen, [m.amount_fen for m in contract.milestones])
    for m, bp in zip(contract.milestones, shares):
        m.share_bp = bp
    contract.terms_version += 1
    AMENDMENT_MACHINE.move(proposal, "agreed", actor, proposal.decision_note)
    digest = terms_digest(contract)
    db.session.add_all([
        ContractSignature(contract_id=contract.id, terms_version=contract.terms_version, side=proposal.proposed_by_side,
                          user_id=proposal.proposed_by_id, signed_at=proposal.proposed_at, terms_digest=digest),
        ContractSignature(contract_id=contract.id, terms_version=contract.terms_version, side=other, user_id=actor.id,
                          signed_at=now, terms_digest=digest)])
    money.change_commitment(money.source_of(contract), contract.id, delta, f"amendment:{proposal.id}", actor)
    record_step(contract, "contract_amended", actor, reason=proposal.reason, price_fen=contract.price_fen)
    unit.flush()
    return proposal


def _shares(price_fen: int, amounts: list[int]) -> list[int]:
    """Basis points of each amount in the price, summing to exactly 10000 (largest remainder)."""
    raw = [(amount * 10000) // price_fen for amount in amounts]
    remainders = sorted(range(len(amounts)), key=lambda i: -((amounts[i] * 10000) % price_fen))
    for i in remainders[:10000 - sum(raw)]:
        raw[i] += 1
    return raw


# --- delivery ------------------------------------------------------------------------------------

@dataclass
class SpendingData:
    item: str
    budget_fen: int
    spent_fen: int


@dataclass
class ReportData:
    activities: str
    beneficiaries: int
    spending: list[SpendingData] = field(default_factory=list)
    files: list = field(default_factory=list)  # werkzeug FileStorage


def submit_report(actor: User, contract: Contract, milestone_id: int, data: ReportData) -> DeliveryReport:
    _require_side(actor, contract, "organization")
    milestone = _milestone(contract, milestone_id)
    if contract.status not in ("active",):
        raise ServiceError(_("Reports are submitted while the contract is in force."))
    if milestone.status not in OPEN_MILESTONES:
        raise ServiceError(_("This milestone is reported already."))
    activities = text.required(data.activities, 20000, _("Describe the activities."), "activities")
    if data.beneficiaries is None or not 0 <= data.beneficiaries <= 10_000_000:
        raise ServiceError(_("Give the number of people served."), field="beneficiaries")
    files = [f for f in data.files if f and f.filename]
    if len(files) > MAX_REPORT_FILES:
        raise ServiceError(_("Attach at most %(n)s files.", n=MAX_REPORT_FILES), field="files")
    lines = []
    for position, line in enumerate(data.spending):
        item = text.clean(line.item, 120)
        if not item:
            continue
        if line.budget_fen < 0 or line.spent_fen < 0:
            raise ServiceError(_("Amounts cannot be negative."))
        if max(line.budget_fen, line.spent_fen) > contract.price_fen:  # a typing slip, not a spending line
            raise ServiceError(_("“%(item)s”: no line can be larger than the whole contract (%(price)s).",
                                 item=item, price=format_fen(contract.price_fen)), field="spending")
        lines.append(SpendingLine(position=position, item=item, budget_fen=line.budget_fen, spent_fen=line.spent_fen))
    stored = [uploads.store(f, allowed=REPORT_FILE_KINDS) for f in files]
    version = len(milestone.reports) + 1
    report = DeliveryReport(milestone_id=milestone.id, version=version, activities=activities,
                            beneficiaries=data.beneficiaries, submitted_by_id=actor.id, submitted_at=clock.now())
    report.spending = lines
    db.session.add(report)
    db.session.flush()
    db.session.add_all([ReportFile.from_stored(s, report_id=report.id) for s in stored])
    MILESTONE_MACHINE.move(milestone, "reported", actor, "")
    record_step(contract, "milestone_reported", actor, milestone=milestone.title, beneficiaries=data.beneficiaries)
    unit.flush()
    return report


def latest_report(milestone: Milestone) -> DeliveryReport | None:
    return milestone.reports[-1] if milestone.reports else None


def report_file(viewer, contract: Contract, file_id: int) -> ReportFile:
    record = existing(ReportFile, file_id, _("This file does not exist."))
    report = db.session.get(DeliveryReport, record.report_id)
    if report.milestone.contract_id != contract.id:
        raise NotFound(_("This file does not exist."))
    return record


def may_inspect(user, contract: Contract) -> bool:
    """Only the independent third party may record site visits and spot checks, not the purchaser,
    who accepts the deliveries they check: evaluation answers who that is (signals.may_inspect)."""
    if not (user and user.is_authenticated):
        return False
    return any(allowed for _receiver, allowed in signals.may_inspect.send(contract, user=user))


def record_inspection(actor: User, contract: Contract, kind: str, held_on: date, findings: str,
                      milestone_id: int | None = None) -> Inspection:
    if not may_inspect(actor, contract):
        raise PermissionDenied(_("Only an evaluator commissioned to evaluate this contract records checks."))
    if kind not in INSPECTION_KINDS:
        raise ServiceError(_("Choose the kind of check."), field="kind")
    if contract.status in ("draft", "cancelled"):
        raise ServiceError(_("Checks are recorded once the contract is in force."))
    if held_on > clock.today():
        raise ServiceError(_("A check is recorded after it took place."), field="held_on")
    if milestone_id:
        _milestone(contract, milestone_id)
    findings = text.required(findings, 10000, _("Write down the findings."), "findings")
    inspection = Inspection(contract_id=contract.id, milestone_id=milestone_id or None, kind=kind, held_on=held_on,
                            findings=findings, recorded_by_id=actor.id, recorded_at=clock.now())
    db.session.add(inspection)
    unit.flush()
    return inspection


def inspections(contract: Contract) -> list[Inspection]:
    return db.session.scalars(select(Inspection).filter_by(contract_id=contract.id).order_by(Inspection.held_on,
                                                                                            Inspection.id)).all()


# --- acceptance and payment ---------------------------------------------------------------------

def decide(actor: User, contract: Contract, milestone_id: int, decision: str, reasons: str = "") -> Acceptance:
    """Accept (the tranche becomes payable), return for revision, or reject a reported milestone.

    Two decisions at the same moment: one wins the milestone's status, the other is refused."""
    _require_side(actor, contract, "purchaser")
    milestone = _milestone(contract, milestone_id)
    if decision not in DECISIONS:
        raise ServiceError(_("Choose a decision."))
    reasons = text.clean(reasons, 4000)
    if decision != "accepted" and not reasons:
        raise ServiceError(_("Give the reasons; the organization will read them."), field="reasons")
    report = latest_report(milestone)
    if milestone.status != "reported" or report is None:
        raise ServiceError(_("Only a reported milestone is decided."))
    if "organization" in sides_of(actor, contract):
        raise PermissionDenied(_("Whoever delivers a milestone cannot accept it."))
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
    _require_side(actor, contract, "purchaser")
    milestone = _milestone(contract, milestone_id)
    if milestone.status == "paid":
        raise ServiceError(_("This tranche is paid already."))
    if not MILESTONE_MACHINE.claim(milestone, "accepted", "paying", actor, ""):
        db.session.rollback()
        raise ServiceError(_("This tranche is being paid or is not payable."))
    payment = payments.start_payout(actor, contract, milestone)
    unit.commit(unit.AROUND_PROVIDER_CALL)  # the claim and the pending payment, before money moves
    try:
        reference = payments.send_payout(payment, contract)
    except payments.ProviderError as error:
        payments.record_failure(actor, payment, str(error))
        MILESTONE_MACHINE.claim(milestone, "paying", "accepted", actor, str(error))
        unit.commit(unit.KEPT_THOUGH_REFUSED)  # the failure and its reason stay on record
        raise ServiceError(
            _("The payment failed: %(error)s. Nothing was paid; try again.", error=str(error))
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
    _require_side(actor, contract, "purchaser")
    cause = text.required(cause, 4000, _("Record the cause of termination."), "reason")
    if contract.status != "active":
        raise ServiceError(_("Only a contract in force is terminated."))
    if any(m.status in ("reported", "paying") for m in contract.milestones):
        raise ServiceError(_("Decide on the reported milestones first."))
    if any(m.status == "held" for m in contract.milestones):
        raise ServiceError(_("The last tranche waits for the final evaluation's score; publish it first."))
    for milestone in contract.milestones:
        if milestone.status in OPEN_MILESTONES:
            MILESTONE_MACHINE.move(milestone, "cancelled", actor, cause)
    CONTRACT_MACHINE.move(contract, "terminated", actor, cause)
    contract.ended_at, contract.end_cause = clock.now(), cause
    released = money.release(money.source_of(contract), contract.id, f"release:contract:{contract.id}", actor)
    record_step(contract, "contract_terminated", actor, cause=cause, released_fen=released)
    unit.flush()
    return released


def contracts_select(status: str | None = None, department_id: int | None = None, organization_id: int | None = None,
                     category_id: int | None = None):
    """Public contracts (signed ones), newest first."""
    statement = select(Contract).where(Contract.status.in_(SIGNED_STATUSES))
    if status:
        statement = statement.where(Contract.status == status)
    if department_id:
        statement = statement.where(Contract.department_id == department_id)
    if organization_id:
        statement = statement.where(Contract.organization_id == organization_id)
    if category_id:
        statement = statement.where(Contract.category_id == category_id)
    return statement.order_by(Contract.id.desc())


def drafts_for(user) -> list[Contract]:
    """Drafts waiting for this person's side to sign."""
    if not (user and user.is_authenticated):
        return []
    rows = db.session.scalars(select(Contract).where(Contract.status == "draft").where(
        Contract.department_id.in_(user.department_ids()) | Contract.organization_id.in_(user.organization_ids())
        | Contract.funder_organization_id.in_(user.acting_organization_ids()))
        .order_by(Contract.id)).all()
    return rows

