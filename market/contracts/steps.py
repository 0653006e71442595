"""Contract and payment steps: on the timeline of each community request a contract answers, and
in the notifications of the people of both sides (who acted aside); and how each reads."""
from flask_babel import gettext as _

from market.accounts import services as accounts
from market.accounts.roles import Role
from market.contracts.models import Contract
from market.core.money import format_fen
from market.needs import timeline
from market.needs.timeline import describes
from market.notifications import services as notifications
from market.notifications.wording import due_words
from market.organizations import services as organizations


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
    """A step on the timeline of every community request the contract (or the grant's proposal)
    answers, told to both sides."""
    requests = contract.tender.requests if contract.tender is not None \
        else contract.proposal.requests if contract.proposal is not None else []
    for request in requests:
        timeline.record(kind, actor, request=request, contract_id=contract.id, number=contract.number, **detail)
    tell_sides(contract, kind, actor, **detail)


def people_of(contract: Contract, side: str) -> list:
    """Who acts for a side: the organization's members; the department's purchasers, or for a grant
    the funder's staff and members."""
    if side == "organization":
        return organizations.members_of({contract.organization_id}).get(contract.organization_id, [])
    if contract.department_id is not None:
        return accounts.holders_of(Role.PURCHASER, {contract.department_id}).get(contract.department_id, [])
    funder = contract.funder_organization_id
    return accounts.holders_of(Role.INCUBATOR_STAFF, {funder}).get(funder, []) \
        + organizations.members_of({funder}).get(funder, [])


def tell_sides(contract: Contract, kind: str, actor, sides=("purchaser", "organization"), **detail) -> None:
    """Notify the people of `sides` of a step on the contract; the person acting is not told."""
    told = {actor.id} if actor is not None else set()
    for side in sides:
        for person in people_of(contract, side):
            if person.id not in told:
                told.add(person.id)
                notifications.notify(person, kind, {"number": contract.number, "title": contract.title, **detail},
                                     ("contracts.show", {"contract_id": contract.id}))


@describes("report_reminder")
def _report_reminder(d):
    return _("Contract %(number)s “%(title)s”: the report on “%(milestone)s” is %(when)s", number=d.get("number", ""),
             title=d.get("title", ""), milestone=d.get("milestone", ""), when=due_words(d))


@describes("payment_reminder")
def _payment_reminder(d):
    return _("Contract %(number)s “%(title)s”: the tranche for “%(milestone)s” is to be paid, %(when)s",
             number=d.get("number", ""), title=d.get("title", ""), milestone=d.get("milestone", ""),
             when=due_words(d))


@describes("contract_to_sign")
def _to_sign(d):
    return _("Contract %(number)s “%(title)s” is drafted: read the terms and sign", number=d.get("number", ""),
             title=d.get("title", ""))


@describes("amendment_proposed")
def _amendment_proposed(d):
    return _("Contract %(number)s: a change is proposed, waiting for your answer: %(reason)s",
             number=d.get("number", ""), reason=d.get("reason", ""))


@describes("amendment_refused")
def _amendment_refused(d):
    return _("Contract %(number)s: the proposed change is refused: %(note)s", number=d.get("number", ""),
             note=d.get("note", ""))
