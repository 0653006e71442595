"""Payment providers: one interface, two implementations, chosen by the PAYMENTS setting.

- `ledger` (default) settles at once and offline: the demo and a fresh machine need nothing else.
- `stripe` uses the official SDK: Connect accounts for organizations, transfers for payouts
  (with idempotency keys, so a retried payout is the same payout), PaymentIntents for money
  paid in, refunds, and signed webhooks.
"""
import json
from dataclasses import dataclass
from datetime import timezone

import stripe
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from stripe._http_client import UrllibClient

from market import clock
from market.core import unit
from market.core.errors import ServiceError
from market.core.unit import done_once
from market.extensions import db
from market.money import ledger
from market.money.models import (
    INCOMING_MACHINE,
    PAYMENT_MACHINE,
    Account,
    IncomingPayment,
    LedgerTransaction,
    Payment,
    PayoutAccount,
    WebhookEvent,
)


class ProviderError(Exception):
    """The provider refused or could not be reached; the message is safe to show. `code` names the reason:
    "provider_refused" when the provider said no (its words are in the message), or a rule of Market's own."""

    def __init__(self, message: str, code: str = "provider_refused"):
        super().__init__(message)
        self.code = code


@dataclass
class Incoming:
    reference: str
    client_secret: str
    settled: bool  # the ledger provider settles at once; Stripe confirms by webhook


@dataclass
class Transfer:
    reference: str
    amount_fen: int
    key: str


class LedgerProvider:
    """Settles at once, offline: the money movement is the ledger posting itself."""

    name = "ledger"

    def payout(self, amount_fen: int, organization_id: int, key: str, description: str) -> str:
        return f"ledger-{key}"

    def collect(self, amount_fen: int, key: str, description: str) -> Incoming:
        return Incoming(f"ledger-{key}", "", settled=True)

    def refund(self, reference: str, amount_fen: int, key: str) -> str:
        return f"ledger-refund-{key}"

    def onboarding_link(self, organization_id: int, return_url: str, refresh_url: str) -> str | None:
        return None  # nothing to set up: payouts are recorded in the ledger

    def transfers(self) -> list[Transfer]:
        return [Transfer(p.reference, p.amount_fen, p.idempotency_key) for p in db.session.scalars(
            select(Payment).where(Payment.provider == self.name, Payment.status == "settled"))]


class StripeProvider:
    name = "stripe"

    def __init__(self, config):
        if not config["STRIPE_SECRET_KEY"]:
            raise RuntimeError("PAYMENTS=stripe needs STRIPE_SECRET_KEY")
        addresses = {"api": config["STRIPE_API_BASE"]} if config["STRIPE_API_BASE"] else {}
        # urllib keeps no pooled connections open between the few, rare calls Market makes.
        self.client = stripe.StripeClient(config["STRIPE_SECRET_KEY"], base_addresses=addresses, max_network_retries=0,
                                          http_client=UrllibClient())
        self.currency = config["CURRENCY"]

    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except stripe.StripeError as error:
            message = getattr(error, "user_message", None) or str(error) or type(error).__name__
            raise ProviderError(message) from error

    def _account(self, organization_id: int) -> PayoutAccount | None:
        return db.session.scalar(select(PayoutAccount).filter_by(organization_id=organization_id, provider=self.name))

    def payout(self, amount_fen: int, organization_id: int, key: str, description: str) -> str:
        account = self._account(organization_id)
        if account is None or not account.ready:
            raise ProviderError(_("the organization has not finished setting up its payout account"),
                                code="payout_account_not_ready")
        transfer = self._call(self.client.v1.transfers.create,
                              {"amount": amount_fen, "currency": self.currency, "destination": account.external_id,
                               "description": description[:500], "metadata": {"key": key}},
                              {"idempotency_key": key})
        return transfer.id

    def collect(self, amount_fen: int, key: str, description: str) -> Incoming:
        intent = self._call(self.client.v1.payment_intents.create,
                            {"amount": amount_fen, "currency": self.currency, "description": description[:500],
                             "automatic_payment_methods": {"enabled": True}, "metadata": {"key": key}},
                            {"idempotency_key": key})
        return Incoming(intent.id, intent.client_secret or "", settled=False)

    def refund(self, reference: str, amount_fen: int, key: str) -> str:
        refund = self._call(self.client.v1.refunds.create, {"payment_intent": reference, "amount": amount_fen},
                            {"idempotency_key": key})
        return refund.id

    def onboarding_link(self, organization_id: int, return_url: str, refresh_url: str) -> str:
        account = self._account(organization_id)
        if account is None:
            created = self._call(self.client.v1.accounts.create,
                                 {"type": "express", "metadata": {"organization_id": str(organization_id)}},
                                 {"idempotency_key": f"account-organization-{organization_id}"})
            account = PayoutAccount(organization_id=organization_id, provider=self.name, external_id=created.id,
                                    ready=False, updated_at=clock.now())
            db.session.add(account)
            unit.commit(unit.AROUND_PROVIDER_CALL)  # the provider created the account
        link = self._call(self.client.v1.account_links.create,
                          {"account": account.external_id, "refresh_url": refresh_url, "return_url": return_url,
                           "type": "account_onboarding"})
        return link.url

    def refresh_account(self, organization_id: int) -> PayoutAccount | None:
        account = self._account(organization_id)
        if account is not None:
            remote = self._call(self.client.v1.accounts.retrieve, account.external_id)
            account.ready = bool(remote.payouts_enabled and remote.details_submitted)
            account.updated_at = clock.now()
            unit.flush()
        return account

    def transfers(self) -> list[Transfer]:
        listing = self._call(self.client.v1.transfers.list, {"limit": 100})
        return [Transfer(t.id, t.amount, t.metadata.to_dict().get("key", "") if t.metadata else "")
                for t in listing.auto_paging_iter()]

    def construct_event(self, payload: bytes, signature: str, secret: str):
        return self.client.construct_event(payload, signature, secret)


def provider():
    name = current_app.config["PAYMENTS"]
    if name == "stripe":
        return StripeProvider(current_app.config)
    if name == "ledger":
        return LedgerProvider()
    raise RuntimeError(f"unknown PAYMENTS provider {name!r}")


# --- payouts of tranches ---------------------------------------------------------------------------

def start_payout(actor, contract, milestone) -> Payment:
    """The payment record for a milestone, created once; a failed attempt is retried on the same
    record and with the same idempotency key, so the provider never pays twice."""
    payment = db.session.scalar(select(Payment).where(Payment.milestone_id == milestone.id))
    if payment is None:
        payment = Payment(milestone_id=milestone.id, contract_id=contract.id, organization_id=contract.organization_id,
                          amount_fen=milestone.due_fen, provider=provider().name,
                          idempotency_key=f"payout-milestone-{milestone.id}", attempts=0,
                          requested_by_id=actor.id, requested_at=clock.now())
        db.session.add(payment)
        PAYMENT_MACHINE.start(payment, actor)
    elif payment.status == "settled":
        raise ServiceError(_("This tranche is paid already."), code="tranche_already_paid")
    elif payment.status == "failed":
        PAYMENT_MACHINE.move(payment, "pending", actor, _("Tried again"))
    payment.failure = ""
    payment.attempts += 1
    return payment


def send_payout(payment: Payment, contract) -> str:
    return provider().payout(payment.amount_fen, payment.organization_id, payment.idempotency_key,
                             f"{contract.number} {contract.title}")


def record_failure(actor, payment: Payment, message: str) -> None:
    PAYMENT_MACHINE.move(payment, "failed", actor, message[:2000])
    payment.failure = message[:2000]


def record_settlement(actor, payment: Payment, reference: str) -> None:
    PAYMENT_MACHINE.move(payment, "settled", actor, "")
    payment.reference, payment.settled_at = reference, clock.now()


def payments_of(contract_id: int) -> list[Payment]:
    return db.session.scalars(select(Payment).where(Payment.contract_id == contract_id).order_by(Payment.id)).all()


# --- money paid in ---------------------------------------------------------------------------------

def collect(payer, pool_owner_type: str, pool_owner_id: int, amount_fen: int, key: str,
            purpose: str) -> IncomingPayment:
    """Start a card payment into a pool. The ledger provider settles at once; Stripe settles when
    its `payment_intent.succeeded` webhook arrives. The same key never charges twice."""
    if amount_fen <= 0:
        raise ServiceError(_("Enter an amount above zero."), field="amount")
    chosen = provider()
    incoming = chosen.collect(amount_fen, key, purpose)
    existing_payment = db.session.scalar(select(IncomingPayment).filter_by(reference=incoming.reference))
    if existing_payment is not None:
        return existing_payment
    reference = incoming.reference

    def record_payment() -> IncomingPayment:
        pool = ledger.account(pool_owner_type, pool_owner_id, "pool")
        record = IncomingPayment(account_id=pool.id, amount_fen=amount_fen, provider=chosen.name,
                                 reference=reference, client_secret=incoming.client_secret,
                                 payer_id=getattr(payer, "id", None), purpose=purpose[:200], created_at=clock.now())
        db.session.add(record)
        INCOMING_MACHINE.start(record, payer)  # flushes: the reference's key settles two at once
        if incoming.settled:
            settle_incoming(record)
        unit.commit(unit.AROUND_PROVIDER_CALL)  # the provider started the payment
        return record

    # The same key at the same moment (a form sent twice at once): one payment, the one recorded first.
    return done_once(record_payment, lambda: db.session.scalar(select(IncomingPayment).filter_by(reference=reference)))


def settle_incoming(record: IncomingPayment) -> bool:
    """Book a confirmed card payment into its pool, once (however many confirmations arrive at once)."""
    if record.status != "pending" or not INCOMING_MACHINE.claim(record, "pending", "succeeded", None):
        return False
    ledger.transfer("incoming", f"incoming:{record.reference}", ledger.account("external", 0, "cards"),
                    db.session.get(Account, record.account_id), record.amount_fen, memo=record.purpose)
    record.settled_at = clock.now()
    return True


def refund(actor, record: IncomingPayment, reason: str) -> IncomingPayment:
    """Give a card payment back (a project is cancelled): the provider refunds, the ledger reverses.
    The payment is claimed first, so two refunds of it at the same moment refund once."""
    if record.status != "succeeded" or not INCOMING_MACHINE.claim(record, "succeeded", "refunded", actor, reason[:500]):
        raise ServiceError(_("Only a completed payment is refunded."))
    key = f"refund-{record.reference}"
    try:
        provider().refund(record.reference, record.amount_fen, key)
    except ProviderError:
        db.session.rollback()  # the claim goes too: the payment stays refundable
        raise
    ledger.transfer("refund", f"refund:{record.reference}", db.session.get(Account, record.account_id),
                    ledger.account("external", 0, "cards"), record.amount_fen, memo=reason[:500], actor=actor)
    record.refunded_at = clock.now()
    unit.commit(unit.AROUND_PROVIDER_CALL)  # the provider refunded it
    return record


# --- webhooks --------------------------------------------------------------------------------------

class BadSignature(Exception):
    pass


class BadEvent(Exception):
    """A correctly signed event that cannot be acted on (no id, no data.object…): refused with a
    message for the sender, so it is not retried against an error page."""


WEBHOOK_TOLERANCE_SECONDS = 300  # how far a signature's time may be from market.clock, either way (Stripe's 5 min)
OBJECT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "account.updated")


def _signed_at(signature: str) -> int:
    """The time (t=…) of a Stripe-Signature header the SDK has verified, read the way the SDK reads it."""
    for item in signature.split(","):
        parts = item.split("=", 2)
        if parts[0] == "t":
            return int(parts[1])
    raise BadSignature("no timestamp")


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")  # NaN and Infinity, which no database stores as JSON


def _readable(event) -> tuple[str, str, dict]:
    """The (parsed JSON) event's id, type and object, or BadEvent saying what is missing."""
    if not isinstance(event, dict):
        raise BadEvent("the event is not a JSON object")
    event_id, kind, data = event.get("id"), event.get("type"), event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 80:
        raise BadEvent("the event has no id")
    if not isinstance(kind, str) or not 0 < len(kind) <= 60:
        raise BadEvent("the event has no type")
    if not isinstance(obj, dict):
        raise BadEvent("the event has no data.object")
    if kind in OBJECT_EVENTS and not (isinstance(obj.get("id"), str) and obj.get("id")):
        raise BadEvent("the event's data.object has no id")
    return event_id, kind, obj


def handle_stripe_webhook(payload: bytes, signature: str) -> str:
    """Verify a webhook's signature, then act on it once. Returns what was done, for the log.

    Copies of one event sent at the same moment act once (the event's row is claimed first), and so
    do different events about one PaymentIntent (the payment is claimed, see `_claim`)."""
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    if not secret:
        raise BadSignature("no webhook secret configured")
    try:
        # The SDK checks the signature; its time is checked here against market.clock, both ways
        # (the SDK's own check refuses only old times, and by the machine's time).
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=None)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise BadSignature(str(error)) from error
    now = clock.now().replace(tzinfo=timezone.utc).timestamp()
    if abs(_signed_at(signature) - now) > WEBHOOK_TOLERANCE_SECONDS:
        raise BadSignature("the signature's time is outside the tolerance")
    try:
        event = json.loads(payload, parse_constant=_not_json)
    except (ValueError, RecursionError) as error:
        raise BadEvent("the event is not JSON") from error
    event_id, kind, obj = _readable(event)
    if db.session.scalar(select(WebhookEvent.id).filter_by(event_id=event_id)) is not None:
        return "replay ignored"
    # The event's row first: of copies sent at the same moment, one inserts it and acts; the others
    # wait for that commit on the unique event id and are answered as replays.
    db.session.add(WebhookEvent(provider="stripe", event_id=event_id, type=kind, received_at=clock.now(),
                                payload=event))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "replay ignored"
    outcome = "ignored"
    if kind == "payment_intent.succeeded":
        record = db.session.scalar(select(IncomingPayment).filter_by(reference=obj["id"]))
        outcome = "settled" if record is not None and settle_incoming(record) else "nothing to settle"
    elif kind == "payment_intent.payment_failed":
        record = db.session.scalar(select(IncomingPayment).filter_by(reference=obj["id"]))
        if record is not None and record.status == "pending" and INCOMING_MACHINE.claim(record, "pending", "failed",
                                                                                        None):
            outcome = "failed"
    elif kind == "account.updated":
        account = db.session.scalar(select(PayoutAccount).filter_by(external_id=obj["id"]))
        if account is not None:
            account.ready = bool(obj.get("payouts_enabled") and obj.get("details_submitted"))
            account.updated_at, outcome = clock.now(), "account updated"
    unit.flush()
    return outcome


# --- reconciliation --------------------------------------------------------------------------------

@dataclass
class Difference:
    kind: str  # missing_at_provider | missing_in_ledger | amount
    key: str
    ledger_fen: int | None
    provider_fen: int | None


def reconcile() -> list[Difference]:
    """Compare settled payouts in the ledger with the provider's transfers."""
    ours = {p.idempotency_key: p for p in db.session.scalars(select(Payment).where(Payment.status == "settled"))}
    paid = {t.milestone_id: t for t in db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.kind == "payment"))}
    theirs = {t.key: t for t in provider().transfers()}
    differences = []
    for key, payment in ours.items():
        transfer = theirs.get(key)
        if transfer is None:
            differences.append(Difference("missing_at_provider", key, payment.amount_fen, None))
        elif transfer.amount_fen != payment.amount_fen:
            differences.append(Difference("amount", key, payment.amount_fen, transfer.amount_fen))
        if payment.milestone_id not in paid:
            differences.append(Difference("missing_in_ledger", key, payment.amount_fen, None))
    for key, transfer in theirs.items():
        if key not in ours:
            differences.append(Difference("missing_in_ledger", key or transfer.reference, None, transfer.amount_fen))
    return differences
