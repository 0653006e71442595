"""Closing a venture-philanthropy round: giving closes into frozen matches and drafted grant
agreements, the round moves through delivery to its close (or is cancelled before any agreement),
what is left goes back to its funders in proportion, and the money summary balances the books."""
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from market import clock
from market.accounts.models import User
from market.contracts.models import Contract
from market.contracts.signing import draft_grant
from market.contracts.terms import default_terms
from market.core import scoring, text, unit
from market.core.errors import ServiceError
from market.extensions import db
from market.money import ledger
from market.money.models import Account, Entry, IncomingPayment, LedgerTransaction
from market.needs import timeline
from market.philanthropy import matching
from market.philanthropy.actions import ROUND_ACTIONS
from market.philanthropy.giving import gift_totals, gifts_by_project, refund_gifts
from market.philanthropy.models import POTS, PROPOSAL_MACHINE, ROUND_MACHINE, Donation, MatchResult, Proposal, Round
from market.philanthropy.rounds import (
    LIVE_PROPOSALS,
    changed_meanwhile,
    funding_source,
    fundings,
    pot_balance,
    pots,
    proposals_of,
    require_manager,
)

GRANT_SHARES_BP = (5000, 3000, 2000)  # 50/30/20: on starting, after the mid-term review, after the final review


def close_giving(actor: User, round_: Round) -> list[MatchResult]:
    """Close giving: freeze each project's match in the ledger and draft its grant agreement."""
    ROUND_ACTIONS.require(actor, round_, "close_giving")
    if db.session.scalar(select(func.count(Donation.id)).join(IncomingPayment).join(Proposal).where(
            Proposal.round_id == round_.id, IncomingPayment.status == "pending")):
        raise ServiceError(_("Some card payments are still being confirmed; try again in a few minutes."),
                           code="card_payments_pending")
    if not ROUND_MACHINE.claim(round_, "selection", "agreement", actor, ""):
        db.session.rollback()
        raise ServiceError(_("Giving was closed a moment ago by someone else."))
    results = matching.compute(gifts_by_project(round_), pot_balance(round_, "matching"), round_.match_cap_fen,
                               round_.donor_cap_fen)
    totals = gift_totals(round_)
    frozen = []
    for proposal in proposals_of(round_, ("selected",)):
        match = results[proposal.id]
        record = MatchResult(round_id=round_.id, proposal_id=proposal.id, donors=match.donors,
                             counted_fen=match.counted_fen, raw_match=str(scoring.rounded(match.raw)),
                             match_fen=match.match_fen, capped=match.capped)
        db.session.add(record)
        frozen.append(record)
        if match.match_fen:
            ledger.transfer("match", f"match:round:{round_.id}:proposal:{proposal.id}",
                            ledger.account("round", round_.id, "matching"),
                            ledger.account("proposal", proposal.id, "pool"), match.match_fen,
                            memo=proposal.title, actor=actor)
        _draft_agreement(actor, round_, proposal, totals.get(proposal.id, 0) + match.match_fen)
    unit.flush()
    return frozen


def _draft_agreement(actor: User, round_: Round, proposal: Proposal, gifts_fen: int) -> None:
    starts_on = clock.today() + timedelta(days=1)
    terms = default_terms(proposal.requested_fen + gifts_fen, starts_on, proposal.months,
                                    _("As in proposal “%(title)s”: %(outputs)s", title=proposal.title,
                                      outputs=proposal.outputs))
    titles = [_("Start-up (half the grant on signing the agreement)"), _("Mid-term review"), _("Final review")]
    for milestone, title, share in zip(terms.milestones, titles, GRANT_SHARES_BP):
        milestone.title, milestone.share_bp = title, share
    contract = draft_grant(actor, round_, proposal, terms)
    pool = ledger.account("proposal", proposal.id, "pool")
    if gifts_fen:
        ledger.transfer("commitment", f"commit:gifts:contract:{contract.id}", pool,
                        ledger.account("contract", contract.id, "committed"), gifts_fen, actor=actor,
                        contract_id=contract.id)
    PROPOSAL_MACHINE.move(proposal, "funded", actor, contract.number)
    for request in proposal.requests:
        timeline.record("grant_agreed", actor, request=request, contract_id=contract.id, number=contract.number,
                        title=proposal.title, amount_fen=contract.price_fen, organization=proposal.organization.name)


def agreements(round_: Round) -> list:
    return db.session.scalars(select(Contract).where(Contract.round_id == round_.id).order_by(Contract.id)).all()


def advance(actor: User, round_: Round, target: str) -> None:
    """Agreement → delivery → mid-term → final review → closed; each with its condition."""
    require_manager(actor, round_)
    grants = agreements(round_)
    if target == "delivery" and any(c.status == "draft" for c in grants):
        raise ServiceError(_("Every grant agreement must be signed first."))
    if target == "closed":
        if any(c.status in ("draft", "active") for c in grants):
            raise ServiceError(_("Every grant agreement must be completed or ended first."))
    if not ROUND_MACHINE.claim(round_, round_.status, target, actor, ""):  # the same step sent twice at once
        db.session.rollback()
        raise changed_meanwhile(ROUND_MACHINE, round_.status, target, _("The round moved on a moment ago."))
    if target == "closed":
        _return_leftovers(actor, round_)
    unit.flush()


def cancel_round(actor: User, round_: Round, reason: str) -> int:
    """Cancel before any agreement: every gift is refunded and the pots go back. Returns gifts refunded."""
    ROUND_ACTIONS.require(actor, round_, "cancel")
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    if not ROUND_MACHINE.claim(round_, round_.status, "cancelled", actor, reason):  # one of two at once
        db.session.rollback()
        raise changed_meanwhile(ROUND_MACHINE, round_.status, "cancelled", _("The round was cancelled a moment ago."))
    selected = proposals_of(round_, ("selected",))
    for proposal in proposals_of(round_, LIVE_PROPOSALS):
        PROPOSAL_MACHINE.move(proposal, "cancelled" if proposal.status == "selected" else "withdrawn", actor, reason)
    _return_leftovers(actor, round_)
    unit.flush()
    return sum(refund_gifts(actor, proposal, reason) for proposal in selected)


def _return_leftovers(actor, round_: Round) -> None:
    """What is left in each pot goes back to where it came from, in proportion to what each source put in."""
    for pot in POTS:
        left = pot_balance(round_, pot)
        if left <= 0:
            continue
        sources, put_in = {}, {}  # account code → the account, and what it put into this pot
        for record in fundings(round_):
            if record.pot == pot:
                source = funding_source(round_, record.funder_kind)
                sources[source.code] = source
                put_in[source.code] = put_in.get(source.code, 0) + record.amount_fen
        total = sum(put_in.values())
        shares = matching.whole_fen({code: Decimal(left) * amount / total for code, amount in put_in.items()}, left)
        legs = [ledger.Leg(ledger.account("round", round_.id, pot), -left)]
        legs += [ledger.Leg(sources[code], amount) for code, amount in sorted(shares.items()) if amount]
        ledger.post("round_return", f"round-return:{round_.id}:{pot}", legs, memo=str(POTS[pot]), actor=actor)


def money_summary(round_: Round) -> dict[str, int]:
    """Money in and out across the round, from the ledger: what came in (funding and gifts) equals
    what went out (grants paid, refunds, returns) plus what is still held."""
    funded = sum(r.amount_fen for r in fundings(round_))
    project_ids = [p.id for p in proposals_of(round_)]
    by_status = dict(db.session.execute(select(IncomingPayment.status, func.sum(IncomingPayment.amount_fen)).join(
        Account, Account.id == IncomingPayment.account_id).where(
        Account.owner_type == "proposal", Account.owner_id.in_(project_ids))
        .group_by(IncomingPayment.status)).all()) if project_ids else {}
    refunded = int(by_status.get("refunded") or 0)
    gifts = int(by_status.get("succeeded") or 0) + refunded  # every gift received, refunded or not
    contract_ids = list(db.session.scalars(select(Contract.id).where(Contract.round_id == round_.id)))
    held = ledger.balances("contract", contract_ids, ("committed", "payable", "paid")) if contract_ids else {}
    paid = sum(v for (cid, kind), v in held.items() if kind == "paid")
    in_contracts = sum(v for (cid, kind), v in held.items() if kind != "paid")
    in_projects = sum(ledger.balances("proposal", project_ids, ("pool",)).values()) if project_ids else 0
    pot_money = sum(pots(round_).values())
    returned = int(db.session.scalar(select(func.coalesce(func.sum(Entry.amount_fen), 0)).join(LedgerTransaction)
                                     .where(LedgerTransaction.key.like(f"round-return:{round_.id}:%"),
                                            Entry.amount_fen > 0)))
    return {"funded": funded, "gifts": gifts, "paid": paid, "refunded": refunded, "returned": returned,
            "held": in_contracts + in_projects + pot_money, "in": funded + gifts, "out": paid + refunded + returned}
