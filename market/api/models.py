from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db


class ApiToken(db.Model):
    """A token for an integration. Only its SHA-256 is kept; the token is shown once, at creation."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, to tell tokens apart
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User")


class ApiRateWindow(db.Model):
    """Requests counted per caller per minute, in the database so every server process shares them."""

    __tablename__ = "api_rate_window"
    __table_args__ = (UniqueConstraint("caller", "window"), Index("ix_api_rate_window_window", "window"))
    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(80))  # token:<id> or ip:<address>
    window: Mapped[int]  # minutes since the epoch
    count: Mapped[int]
