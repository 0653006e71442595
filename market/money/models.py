"""The ledger's tables, and the records of money that crosses to or from a payment provider."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.workflow import StateMachine
from market.extensions import db

PAYMENT_STATUSES = {"pending": _l("Payment in progress"), "settled": _l("Paid"), "failed": _l("Payment failed")}
# A tranche's payout: asked of the provider, then paid or failed; a failed one is asked again (with
# the same idempotency key, so the provider never pays twice).
PAYMENT_MACHINE = StateMachine(
    subject_type="payment",
    initial="pending",
    transitions={"pending": frozenset({"settled", "failed"}), "failed": frozenset({"pending"}),
                 "settled": frozenset()},
    labels=PAYMENT_STATUSES,
)
INCOMING_STATUSES = {"pending": _l("Being confirmed"), "succeeded": _l("Received"), "refunded": _l("Refunded"),
                     "failed": _l("Payment failed")}
# Money paid in by card: confirmed (or failed) by the provider; a received payment may be refunded.
INCOMING_MACHINE = StateMachine(
    subject_type="incoming_payment",
    initial="pending",
    transitions={"pending": frozenset({"succeeded", "failed"}), "succeeded": frozenset({"refunded"}),
                 "refunded": frozenset(), "failed": frozenset()},
    labels=INCOMING_STATUSES,
)


class Account(db.Model):
    """One ledger account, named by `code` such as "department:12:budget".

    `balance_fen` is kept by every posting (the sum of its entries; a test checks) so that a
    guarded UPDATE can refuse to take an account below zero, even under concurrent postings."""

    __table_args__ = (Index("ix_account_owner", "owner_type", "owner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    owner_type: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int | None]
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class LedgerTransaction(db.Model):
    """A balanced set of entries, posted once: `key` makes every posting idempotent."""

    __tablename__ = "ledger_transaction"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    memo: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    contract_id: Mapped[int | None] = mapped_column(index=True)
    milestone_id: Mapped[int | None]

    entries = relationship("Entry", order_by="Entry.id", lazy="selectin")
    actor = relationship("User")


class Entry(db.Model):
    """One leg of a transaction: positive adds to the account's balance, negative takes from it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    account = relationship("Account", lazy="joined")


class Payment(db.Model):
    """A tranche paid out to an organization through a provider; one per milestone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    reference: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(20))
    failure: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


class PayoutAccount(db.Model):
    """Where a provider pays an organization (a Stripe Connect account)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    provider: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    ready: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]

    __table_args__ = (Index("uq_payout_account_org_provider", "organization_id", "provider", unique=True),)


class IncomingPayment(db.Model):
    """Money paid in by card (a donation, a contribution to a pool), confirmed by the provider."""

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)  # the pool it goes to
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    client_secret: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20))
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]


class WebhookEvent(db.Model):
    """Each provider event handled once: a replayed event finds its id here and is ignored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime]
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
