"""Contract and payment steps on the timeline of each community request a contract answers:
recording one, and how each reads."""
from flask_babel import gettext as _

from market.contracts.models import Contract
from market.core.money import format_fen
from market.needs import timeline
from market.needs.timeline import describes
from market.notifications.wording import due_words


@describes("contract_signed")
def _signed(d):
    return _("Contract %(number)s signed with %(organization)s for %(price)s", number=d.get("number", ""),
             organization=d.get("organization", ""), price=format_fen(d.get("price_fen", 0)))


@describes("contract_amended")
def _amended(d):
    return _("Contract %(number)s amended (new price %(price)s): %(reason)s", number=d.get("number", ""),
             price=format_fen(d.get("price_fen", 0)), reason=d.get("reason", ""))


@describes("milestone_reported")
def _reported(d):
    return _("Delivery reported for “%(milestone)s”: %(count)s people served", milestone=d.get("milestone", ""),
             count=d.get("beneficiaries", 0))


@describes("milestone_accepted")
def _accepted(d):
    return _("“%(milestone)s” accepted; %(amount)s is payable", milestone=d.get("milestone", ""),
             amount=format_fen(d.get("amount_fen", 0)))


@describes("tranche_scored")
def _scored(d):
    return _("Final evaluation score %(score)s: the last tranche “%(milestone)s” pays %(payable)s of %(amount)s",
             score=d.get("score", ""), milestone=d.get("milestone", ""), payable=format_fen(d.get("payable_fen", 0)),
             amount=format_fen(d.get("amount_fen", 0)))


@describes("milestone_returned")
def _returned(d):
    return _("“%(milestone)s” returned for revision: %(reasons)s", milestone=d.get("milestone", ""),
             reasons=d.get("reasons", ""))


@describes("milestone_rejected")
def _rejected(d):
    return _("“%(milestone)s” rejected: %(reasons)s", milestone=d.get("milestone", ""), reasons=d.get("reasons", ""))


@describes("tranche_paid")
def _paid(d):
    return _("%(amount)s paid for “%(milestone)s”", amount=format_fen(d.get("amount_fen", 0)),
             milestone=d.get("milestone", ""))


@describes("contract_completed")
def _completed(d):
    return _("Contract %(number)s completed", number=d.get("number", ""))


@describes("contract_terminated")
def _terminated(d):
    return _("Contract %(number)s terminated: %(cause)s", number=d.get("number", ""), cause=d.get("cause", ""))


def record_step(contract: Contract, kind: str, actor, **detail) -> None:
    """A step on the timeline of every community request the contract (or the grant's proposal) answers."""
    requests = contract.tender.requests if contract.tender is not None \
        else contract.proposal.requests if contract.proposal is not None else []
    for request in requests:
        timeline.record(kind, actor, request=request, contract_id=contract.id, number=contract.number, **detail)


@describes("report_reminder")
def _report_reminder(d):
    return _("Contract %(number)s “%(title)s”: the report on “%(milestone)s” is %(when)s", number=d.get("number", ""),
             title=d.get("title", ""), milestone=d.get("milestone", ""), when=due_words(d))


@describes("payment_reminder")
def _payment_reminder(d):
    return _("Contract %(number)s “%(title)s”: the tranche for “%(milestone)s” is to be paid, %(when)s",
             number=d.get("number", ""), title=d.get("title", ""), milestone=d.get("milestone", ""),
             when=due_words(d))
