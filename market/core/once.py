"""Forms sent once: a double click, two tabs or a retried request do one thing.

Every form carries a one-time token beside its CSRF token (`core.forms.Form.once`). The first
request that sends it records a receipt under that token in the same transaction as what the form
does; a second request with the same token finds the receipt (or, sending at the same moment, is
refused by its unique key) and answers with where the first one went instead of doing it again.
A refused form is not a receipt: its token can be sent again once the errors are put right.
"""
import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from market import clock
from market.extensions import db

KEPT = timedelta(days=30)  # a page left open longer than this sends a new form
TOKEN = re.compile(r"[0-9a-f]{32}")  # what new_token makes; anything else was not made here


class FormReceipt(db.Model):
    __tablename__ = "form_receipt"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # who sent it (no key: receipts outlive nothing)
    sent_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    location: Mapped[str | None] = mapped_column(String(500))  # where the first sending went
    message: Mapped[str] = mapped_column(String(500), default="")  # and what it was told


def new_token() -> str:
    return uuid.uuid4().hex


def sent_token(form) -> str | None:
    """The one-time token this request sent with `form`, if the form has one and it was sent."""
    field = getattr(form, "once", None)
    raw = field.raw_data if field is not None else None
    token = (raw[0] if raw else "") or ""
    return token if TOKEN.fullmatch(token) else None


def receipt(token: str, user_id: int | None) -> FormReceipt | None:
    """This user's receipt for `token`, if it was sent before."""
    found = db.session.get(FormReceipt, token)
    return found if found is not None and found.user_id == user_id else None


def claim(token: str, user_id: int | None, location: str | None, message: str) -> FormReceipt | None:
    """Record the first sending of `token` in the current transaction (with where it will go and
    what it will say, when known before it is done) and return None; if the token was sent before
    (or is being sent by another request now, which then wins), return that sending's receipt.
    A receipt of someone else's token is not shown to this user."""
    earlier = db.session.get(FormReceipt, token)
    if earlier is None:
        db.session.add(FormReceipt(token=token, user_id=user_id, sent_at=clock.now(), location=location,
                                   message=message[:500]))
        try:
            db.session.flush()  # waits for a request holding the same token, then fails on its key
            return None
        except IntegrityError:
            db.session.rollback()
            earlier = db.session.get(FormReceipt, token)
            if earlier is None:
                raise
    return earlier if earlier.user_id == user_id else FormReceipt(token=token, user_id=user_id, message="")


def note_location(token: str, location: str) -> None:
    found = db.session.get(FormReceipt, token)
    if found is not None:
        found.location = location[:500]


def purge(now: datetime) -> int:
    """Forget receipts older than KEPT (run by the daily job)."""
    return db.session.execute(delete(FormReceipt).where(FormReceipt.sent_at < now - KEPT)).rowcount
