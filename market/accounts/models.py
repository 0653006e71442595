from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from market.accounts.roles import Role
from market.core.security import hash_password
from market.core.workflow import StateMachine
from market.extensions import db

MAIL_FREQUENCIES = {
    "daily": _l("One e-mail a day with everything new (the digest)"),
    "each": _l("An e-mail for each notification, as it happens"),
    "never": _l("No e-mail: I read my notifications in Market"),
}


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    # How notifications reach them by mail: "each" as it happens, "daily" in one digest, or "never".
    mail_frequency: Mapped[str] = mapped_column(String(10), default="daily", server_default="daily")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # No longer read: each sign-in is a UserSession below (ended by signing out or a new password).
    session_token: Mapped[str] = mapped_column(String(32))

    grants = relationship(
        "RoleGrant", back_populates="user", lazy="selectin", foreign_keys="RoleGrant.user_id",
        order_by="RoleGrant.id",
    )
    residence = relationship(
        "Residence", back_populates="user", uselist=False, lazy="selectin",
        foreign_keys="Residence.user_id",
    )
    memberships = relationship(
        "Membership", back_populates="user", lazy="selectin", foreign_keys="Membership.user_id",
        order_by="Membership.id",
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    # The key of this device's UserSession, set by accounts.services.start_session at sign-in and by
    # load_user on later requests. Flask-Login keeps it (login_manager.id_attribute, in market/__init__.py)
    # in the session and remember-me cookies instead of get_id, which stays the plain id for equality.
    session_key = None
    session_seen_due = None  # (UserSession id, now) when load_user is to write down the session's use

    def get_session_key(self) -> str:
        if not self.session_key:
            raise RuntimeError("start a session with accounts.services.start_session before login_user")
        return self.session_key

    def set_password(self, password: str) -> None:
        # Werkzeug 3 defaults to scrypt, a memory-hard hash.
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # Role questions are answered from the grants loaded with the user (no extra queries).
    def has_role(self, role: Role) -> bool:
        if role == Role.RESIDENT:
            return True
        return any(g.role == role for g in self.grants)

    @property
    def roles(self) -> list[Role]:
        held = {Role.RESIDENT} | {Role(g.role) for g in self.grants}
        return [r for r in Role if r in held]

    def worker_community_ids(self) -> set[int]:
        return {g.community_id for g in self.grants if g.role == Role.COMMUNITY_WORKER}

    def department_ids(self) -> set[int]:
        return {g.department_id for g in self.grants if g.role == Role.PURCHASER}

    def grid_ids(self) -> set[int]:
        return {g.grid_id for g in self.grants if g.role == Role.GRID_LEADER}

    def building_ids(self) -> set[int]:
        return {g.building_id for g in self.grants if g.role == Role.BUILDING_LEADER}

    def street_ids(self) -> set[int]:
        return {g.street_id for g in self.grants if g.role == Role.STREET_STAFF}

    def district_ids(self) -> set[int]:
        return {g.district_id for g in self.grants if g.role == Role.DISTRICT_STAFF}

    def sets_rules_of(self, district_id: int) -> bool:
        """Civil affairs, or the district's staff: who sets a district's rules (its dispatch rules,
        its two lists)."""
        return self.has_role(Role.CIVIL_AFFAIRS) or district_id in self.district_ids()

    def organization_ids(self) -> set[int]:
        return {m.organization_id for m in self.memberships}

    def acting_organization_ids(self) -> set[int]:
        """Organizations this person acts for as a sponsor or operator: as a member, or as incubator
        staff granted to it (an incubator's operator sponsors rounds and signs their grants)."""
        return self.organization_ids() | {g.organization_id for g in self.grants if g.role == Role.INCUBATOR_STAFF}

    def owns_organization(self, organization_id: int) -> bool:
        return any(m.organization_id == organization_id and m.is_owner for m in self.memberships)

    @property
    def is_verified_resident(self) -> bool:
        return self.residence is not None and self.residence.status == "verified"


class RoleGrant(db.Model):
    """A role held by a person, bound to what it acts for: a community, department, organization,
    grid, building, street or district (ROLE_SCOPE). The service refuses a second identical grant."""

    __table_args__ = (
        UniqueConstraint("user_id", "role", "community_id", "department_id", "organization_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    granted_at: Mapped[datetime]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user = relationship("User", back_populates="grants", foreign_keys=[user_id])
    # Loaded with every signed-in request (User.grants): the community joined (the workers' menu names
    # it), the rest when asked for. Joining all seven costs PostgreSQL about 8 ms a request in planning
    # the eight-table outer join alone.
    community = relationship("Community", lazy="joined")
    department = relationship("Department")
    organization = relationship("Organization")
    grid = relationship("Grid")
    building = relationship("Building")
    street = relationship("Street")
    district = relationship("District")

    @property
    def bound_to(self) -> str:
        """What the role acts for, in words: "姑苏区 平江街道 平江路社区", "平江路社区 一片区 3幢"…"""
        if self.building is not None:
            grid = self.building.grid
            return f"{grid.community.name} {grid.name} {self.building.name}"
        if self.grid is not None:
            return f"{self.grid.community.name} {self.grid.name}"
        if self.community is not None:
            return self.community.full_name
        if self.street is not None:
            return f"{self.street.district.name} {self.street.name}"
        for bound in (self.department, self.organization, self.district):
            if bound is not None:
                return bound.name
        return ""


RESIDENCE_MACHINE = StateMachine(
    subject_type="residence",
    initial="pending",
    transitions={
        "pending": frozenset({"verified", "rejected"}),
        "verified": frozenset({"revoked"}),
        "rejected": frozenset(),
        "revoked": frozenset(),
    },
    labels={"pending": _l("Waiting for verification"), "verified": _l("Verified"),
            "rejected": _l("Not verified"), "revoked": _l("Moved away")},
)


class Residence(db.Model):
    """Where a person says they live, and whether the community has confirmed it."""

    __table_args__ = (Index("ix_residence_community_status", "community_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    status: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(20), default="")  # worker | code
    address_note: Mapped[str] = mapped_column(String(120), default="")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))  # named when verified, if the
    # community has its buildings: the building leader then knows their residents
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User", back_populates="residence", foreign_keys=[user_id])
    community = relationship("Community", lazy="joined")


class ResidenceCode(db.Model):
    """A one-time code a community worker hands a resident in person; only its hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    used_at: Mapped[datetime | None]


class LoginAttempt(db.Model):
    """Every login attempt, kept for rate limiting and for the account's security log."""

    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column(Boolean)


class UserSession(db.Model):
    """One sign-in on one device: the cookies name it by a random key, of which only the hash is kept.
    Signing out ends it; so do signing out everywhere and a new password (for the other devices)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(120), default="")  # a summary: browser and system

    user = relationship("User")


class PasswordResetToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user = relationship("User")
