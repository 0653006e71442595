"""Tokens and rate limits for the API; no request objects here, only callers and clocks."""
import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from market import clock
from market.api.models import ApiRateWindow, ApiToken
from market.core import text, unit, upsert
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.extensions import db

TOKEN_PREFIX = "mkt_"
MAX_TOKENS = 10


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the record and the token itself, which is never stored."""
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in to manage API tokens."))
    name = text.clean(name or "", 80).strip()
    if not name:
        raise ServiceError(_("Name the token after the integration that will use it."), field="name")
    if len(tokens_of(user)) >= MAX_TOKENS:
        raise ServiceError(_("You have %(n)s tokens in use; revoke one first.", n=MAX_TOKENS))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=name, token_hash=_hash(token), prefix=token[:12], created_at=clock.now())
    db.session.add(record)
    unit.flush()
    return record, token


def tokens_of(user) -> list[ApiToken]:
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                              .order_by(ApiToken.id)).all()


def revoke_token(user, token_id: int) -> None:
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id or record.revoked_at is not None:
        raise NotFound(_("This token does not exist or is revoked already."))
    record.revoked_at = clock.now()
    unit.flush()


def authenticate(token: str) -> ApiToken | None:
    """The live token with this value, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if record is None or record.revoked_at is not None:
        return None
    return record


@dataclass
class Allowance:
    limit: int
    remaining: int
    reset_seconds: int

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0


def count_request(caller: str, token: ApiToken | None = None) -> Allowance:
    """Count one request of `caller` in the current minute (shared by all processes) and say what is left.
    One commit: the count, and the token's last use."""
    limit = current_app.config["API_RATE_TOKEN" if token else "API_RATE_ANONYMOUS"]
    now = clock.now()
    if token is not None:
        token.last_used_at = now
    seconds = int(now.timestamp())
    window = seconds // 60
    statement = upsert.insert(ApiRateWindow).values(caller=caller, window=window, count=1).on_conflict_do_update(
        index_elements=["caller", "window"], set_={"count": ApiRateWindow.count + 1}).returning(ApiRateWindow.count)
    count = db.session.execute(statement).scalar_one()
    if count == 1:  # a new minute for this caller: forget its older ones
        db.session.execute(delete(ApiRateWindow).where(ApiRateWindow.caller == caller, ApiRateWindow.window < window))
    unit.commit(unit.SHARED_COUNT)
    return Allowance(limit, limit - count, 60 - seconds % 60)
