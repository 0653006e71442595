"""Gifts to a round's selected projects and the quadratic match: giving by card, receipts, the public
donor list, the live estimate of each project's match, and cancelling a project, which refunds its gifts."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from market import clock
from market.accounts.models import User
from market.core import text, unit
from market.core.errors import NotFound, ServiceError
from market.core.unit import done_once
from market.extensions import db
from market.money import payments
from market.money.models import IncomingPayment
from market.philanthropy import matching
from market.philanthropy.actions import PROPOSAL_ACTIONS
from market.philanthropy.models import PROPOSAL_MACHINE, Donation, MatchResult, Proposal, Round
from market.philanthropy.rounds import changed_meanwhile, pot_balance, proposals_of


def donate(actor: User, proposal: Proposal, amount_fen: int, anonymous: bool, display_name: str,
           token: str) -> Donation:
    """Give to a selected project by card. The ledger provider settles at once; Stripe when its
    webhook confirms. Only a verified resident's gift counts toward the match."""
    PROPOSAL_ACTIONS.require(actor, proposal, "give")
    if not 100 <= amount_fen <= 10**9:
        raise ServiceError(_("Give from ¥1 to ¥10,000,000."), field="amount")
    if not token or len(token) > 40:
        raise ServiceError(_("The form expired; open it again."))
    # The donor list shows only the name the donor typed here: never the account's (real) name.
    display_name = text.clean(display_name, 100)
    anonymous = bool(anonymous) or not display_name
    key = f"gift-{proposal.id}-{actor.id}-{token}"
    try:
        incoming = payments.collect(actor, "proposal", proposal.id, amount_fen, key,
                                    f"{proposal.round.number} {proposal.title}")
    except payments.ProviderError as error:
        db.session.rollback()
        raise ServiceError(_("The card payment could not start: %(error)s. Nothing was charged; try again.",
                             error=str(error)), field="amount", code="card_payment_failed") from error
    incoming_id = incoming.id

    def record_gift() -> Donation:
        found = db.session.scalar(select(Donation).filter_by(incoming_id=incoming_id))
        if found is not None:
            return found  # the same form sent twice: one gift
        donation = Donation(proposal_id=proposal.id, donor_id=actor.id, incoming_id=incoming_id,
                            amount_fen=amount_fen, display_name=display_name, anonymous=bool(anonymous),
                            counts_for_match=actor.is_verified_resident, receipt_number="", created_at=clock.now())
        db.session.add(donation)
        db.session.flush()
        donation.receipt_number = f"JZ{donation.created_at.year}-{donation.id:07d}"
        unit.flush()
        return donation

    # The same form sent twice at once: both find the one card payment; the second's gift waits on
    # the payment's key, then answers with the first's gift (the same receipt).
    return done_once(record_gift, lambda: db.session.scalar(select(Donation).filter_by(incoming_id=incoming_id)))


def get_donation(viewer, donation_id: int) -> Donation:
    found = db.session.get(Donation, donation_id)
    if found is None or not (viewer and viewer.is_authenticated and found.donor_id == viewer.id):
        raise NotFound(_("This receipt does not exist."))
    return found


def donors(proposal: Proposal) -> list[Donation]:
    """The public donor list: completed gifts, newest first (anonymous ones without a name; a gift
    given without a display name is anonymous, never listed under the account's name)."""
    return db.session.scalars(select(Donation).join(IncomingPayment).where(
        Donation.proposal_id == proposal.id, IncomingPayment.status == "succeeded")
        .order_by(Donation.id.desc())).all()


def gifts_by_project(round_: Round) -> dict[int, dict[int, int]]:
    """Completed gifts that count toward the match: {project: {donor: fen}}, selected projects only."""
    gifts: dict[int, dict[int, int]] = {p.id: {} for p in proposals_of(round_, ("selected", "funded"))}
    rows = db.session.execute(select(Donation.proposal_id, Donation.donor_id, func.sum(Donation.amount_fen))
                              .join(IncomingPayment).join(Proposal, Proposal.id == Donation.proposal_id)
                              .where(Proposal.round_id == round_.id, IncomingPayment.status == "succeeded",
                                     Donation.counts_for_match.is_(True))
                              .group_by(Donation.proposal_id, Donation.donor_id)).all()
    for proposal_id, donor_id, total in rows:
        if proposal_id in gifts:
            gifts[proposal_id][donor_id] = int(total)
    return gifts


def gift_totals(round_: Round) -> dict[int, int]:
    """All completed gifts per project, counted for the match or not."""
    rows = db.session.execute(select(Donation.proposal_id, func.sum(Donation.amount_fen))
                              .join(IncomingPayment).join(Proposal, Proposal.id == Donation.proposal_id)
                              .where(Proposal.round_id == round_.id, IncomingPayment.status == "succeeded")
                              .group_by(Donation.proposal_id)).all()
    return {proposal_id: int(total) for proposal_id, total in rows}  # PostgreSQL sums bigints as numeric


def estimate(round_: Round) -> dict[int, matching.Match]:
    """The live match: what each selected project would get if giving closed now."""
    frozen = frozen_matches(round_)
    if frozen:
        return {m.proposal_id: matching.Match(m.donors, m.counted_fen, Decimal(m.raw_match), m.match_fen, m.capped)
                for m in frozen}
    return matching.compute(gifts_by_project(round_), pot_balance(round_, "matching"), round_.match_cap_fen,
                            round_.donor_cap_fen)


def frozen_matches(round_: Round) -> list[MatchResult]:
    return db.session.scalars(select(MatchResult).filter_by(round_id=round_.id).order_by(MatchResult.id)).all()


def cancel_project(actor: User, proposal: Proposal, reason: str) -> int:
    """A selected project is cancelled before its agreement: every gift is refunded. Returns how many."""
    PROPOSAL_ACTIONS.require(actor, proposal, "cancel_project")
    reason = text.required(reason, 2000, _("Give a reason."), "reason")
    if not PROPOSAL_MACHINE.claim(proposal, "selected", "cancelled", actor, reason):  # one of two at once
        db.session.rollback()
        raise changed_meanwhile(PROPOSAL_MACHINE, proposal.status, "cancelled",
                                 _("The project was cancelled a moment ago."))
    unit.commit(unit.AROUND_PROVIDER_CALL)  # claimed before the gifts are refunded
    return refund_gifts(actor, proposal, reason)


def refund_gifts(actor, proposal: Proposal, reason: str) -> int:
    refunded = 0
    for donation in db.session.scalars(select(Donation).filter_by(proposal_id=proposal.id).order_by(Donation.id)):
        if donation.incoming.status == "succeeded":
            try:
                payments.refund(actor, donation.incoming, reason)  # commits each refund on its own
            except ServiceError:
                continue  # refunded a moment ago by another request
            refunded += 1
    return refunded
