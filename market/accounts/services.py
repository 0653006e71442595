"""Rules for people: registration, login limits, password reset, residence and roles.

Functions take the acting user and plain values, check permissions themselves, and commit
once at the end, so a refused or failed call leaves nothing half-saved.
"""
import re
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.util import identity_key

from market import clock
from market.accounts import signals
from market.accounts.models import (
    MAIL_FREQUENCIES,
    RESIDENCE_MACHINE,
    LoginAttempt,
    PasswordResetToken,
    Residence,
    ResidenceCode,
    RoleGrant,
    User,
    UserSession,
)
from market.accounts.roles import ROLE_SCOPE, SCOPES, Role, Scope
from market.core import codes, mail, text, unit
from market.core.errors import NotFound, PermissionDenied, ServiceError
from market.core.security import hash_password
from market.core.unit import refuse_if_taken
from market.extensions import db
from market.places import services as places
from market.places.models import Building, Community, Department, District, Grid, Street

MIN_PASSWORD_LENGTH = 10
CODE_VALID_DAYS = 30


def normalize_email(email: str) -> str:
    return email.strip().lower()


# The 10,000 most common passwords, lower-cased; where the list comes from: market/accounts/data/README.md
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip() for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
                     if line.strip())


def is_common_password(password: str) -> bool:
    """A common password in any case, or one with digits appended (`Password123`, `qwerty2026`)."""
    lowered = password.lower()
    common = common_passwords()
    return lowered in common or re.sub(r"\d+$", "", lowered) in common


def password_problem(password: str, email: str = "") -> str | None:
    if is_common_password(password):
        return _("This password is one of the most common ones and is guessed first. Choose another, "
                 "for example a few unrelated words.")
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(set(password)) < 4:
        return _("The password is too simple: use more different characters.")
    if email and password.lower() == normalize_email(email):
        return _("The password must not be your e-mail address.")
    return None


def _check_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem:
        raise ServiceError(problem, field="password")


# --- registration and login ---------------------------------------------------------------

def register(email: str, display_name: str, password: str, locale: str = "zh") -> User | None:
    """Create an account. For an address already registered, create nothing and mail its owner
    instead, returning None: the asker is answered the same either way, so registering does not
    tell who has an account."""
    email = normalize_email(email)
    _check_password(password, email)
    owner = db.session.scalar(select(User).where(User.email == email))
    if owner is not None:
        hash_password(password)  # the same hashing work as for a new account
        _mail_registration_attempt(owner)
        return None
    user = User(
        email=email,
        display_name=display_name.strip(),
        locale=locale if locale in ("zh", "en") else "zh",
        created_at=clock.now(),
        session_token=secrets.token_hex(16),
    )
    user.set_password(password)
    db.session.add(user)
    refuse_if_taken(_("An account with this e-mail address already exists."), field="email")  # registered twice at once
    return user


def _mail_registration_attempt(owner: User) -> None:
    if not owner.active:
        return
    with force_locale(owner.locale):
        mail.send(
            owner.email,
            _("Someone tried to register with your address"),
            _(
                "Hello %(name)s,\n\nSomeone tried to create a new Market account with this e-mail address, "
                "which already has an account. Nothing was changed.\n\nIf it was you, sign in:\n\n%(login)s\n\n"
                "If you forgot your password, reset it here:\n\n%(reset)s\n\n"
                "If it was not you, ignore this message.",
                name=owner.display_name, login=mail.external_url("accounts.login"),
                reset=mail.external_url("accounts.forgot_password"),
            ),
        )


def _recent_failures(column, value, since) -> int:
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
    )


def authenticate(email: str, password: str, ip: str) -> User:
    """Check a login. Too many failures for an address (or from an address) lock it for a while."""
    email = normalize_email(email)
    config = current_app.config
    now = clock.now()
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    limit = config["LOGIN_MAX_FAILURES"]
    if (
        _recent_failures(LoginAttempt.email, email, now - window) >= limit
        or _recent_failures(LoginAttempt.ip, ip, now - window) >= limit * 4
    ):
        raise ServiceError(
            _("Too many failed attempts. Try again in %(minutes)s minutes.", minutes=config["LOGIN_WINDOW_MINUTES"])
        )
    user = db.session.scalar(select(User).where(User.email == email))
    # Hash even for unknown addresses so timing does not reveal which exist.
    valid = user.check_password(password) if user else (_dummy_user().check_password(password) and False)
    db.session.add(LoginAttempt(email=email, ip=ip, at=now, succeeded=bool(valid and user.active)))
    unit.commit(unit.KEPT_THOUGH_REFUSED)  # a failure counts toward the lock-out
    if not valid:
        raise ServiceError(_("The e-mail address or password is wrong."))
    if not user.active:
        raise ServiceError(_("This account has been disabled."))
    return user


_DUMMY = None


def _dummy_user() -> User:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = User()
        _DUMMY.set_password(secrets.token_hex(16))
    return _DUMMY


# --- sessions: one record per sign-in on a device ----------------------------------------

SEEN_EVERY = timedelta(minutes=15)  # how often a session's last use is written down

# Marks looked for in a User-Agent header, first match wins (Edge's names Chrome and Safari too).
_BROWSERS = (("MicroMessenger", "WeChat"), ("Edg", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("HarmonyOS", "HarmonyOS"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def summarize_user_agent(header: str) -> str:
    """"Chrome · Windows": enough for a person to recognise their devices."""
    header = (header or "").strip()
    browser = next((name for mark, name in _BROWSERS if mark in header), "")
    system = next((name for mark, name in _SYSTEMS if mark in header), "")
    return (" · ".join(part for part in (browser, system) if part) or header)[:120]


def start_session(user: User, user_agent: str = "") -> str:
    """Record a sign-in on this device. The key returned goes into its cookies (through
    User.get_session_key); only its hash is kept, so the table cannot sign anybody in."""
    key = f"{user.id}.{secrets.token_urlsafe(32)}"  # the id lets session_user find a person already loaded
    now = clock.now()
    db.session.add(UserSession(user_id=user.id, key_hash=codes.digest(key), created_at=now, last_seen_at=now,
                               user_agent=summarize_user_agent(user_agent)))
    unit.flush()
    user.session_key = key
    return key


def session_user(key: str, lasts: timedelta | None = None) -> User | None:
    """Who is signed in with this key: None once the session ended (signed out, signed out
    everywhere, password changed elsewhere), for an unknown key, an inactive account, or a session
    older than `lasts` (a sign-in the remember-me cookie restored lasts as long as the cookie).
    When the use is to be written down (every SEEN_EVERY), user.session_seen_due says what to pass
    note_session_use at the end of the request."""
    user_id, _dot, secret = (key or "").partition(".")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 10 and secret):
        return None
    session_of = select(UserSession).where(UserSession.key_hash == codes.digest(key),
                                           UserSession.user_id == int(user_id))
    # Often the person is loaded already (the author of what the page shows): then only the session
    # is read; otherwise both in one query.
    user = db.session.identity_map.get(identity_key(User, int(user_id)))
    if user is None:
        record, user = db.session.execute(session_of.add_columns(User).join(User, User.id == UserSession.user_id)
                                          ).first() or (None, None)
    else:
        record = db.session.scalar(session_of)
    now = clock.now()
    if record is None:
        return None
    if record.ended_at is not None or (lasts is not None and record.created_at + lasts < now) or not user.active:
        return None
    user.session_key = key
    user.session_seen_due = (record.id, now) if now - record.last_seen_at >= SEEN_EVERY else None
    return user


def note_session_use(session_id: int, at) -> None:
    """In a short transaction of its own: reading a page commits nothing of the request's."""
    table = UserSession.__table__
    with db.engine.begin() as connection:
        connection.execute(table.update().where(table.c.id == session_id, table.c.last_seen_at < at)
                           .values(last_seen_at=at))


def end_session(key: str) -> None:
    """Sign one device out for good: its cookies are refused from now on, even replayed."""
    db.session.execute(db.update(UserSession).where(UserSession.key_hash == codes.digest(key),
                                                    UserSession.ended_at.is_(None)).values(ended_at=clock.now()))
    unit.flush()


def _end_sessions(user: User, keep: str | None = None) -> None:
    statement = db.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep:
        statement = statement.where(UserSession.key_hash != codes.digest(keep))
    db.session.execute(statement.values(ended_at=clock.now()))


def end_all_sessions(user: User) -> None:
    """Sign out everywhere: every device of the person, this one too."""
    _end_sessions(user)
    unit.flush()


def active_sessions(user: User) -> list[UserSession]:
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                        UserSession.ended_at.is_(None))
                              .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()


# --- password reset ----------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """Mail a one-time link if the account exists; say nothing either way to the asker."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active:
        return
    token = secrets.token_urlsafe(32)
    now = clock.now()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(
        PasswordResetToken(
            user_id=user.id, token_hash=codes.digest(token), created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    unit.flush()
    link = mail.external_url("accounts.reset_password", token=token)
    with force_locale(user.locale):
        mail.send(
            user.email,
            _("Reset your Market password"),
            _(
                "Hello %(name)s,\n\nSomeone asked to reset the password of your Market account. "
                "If it was you, open this link within %(hours)s hours:\n\n%(link)s\n\n"
                "If it was not you, ignore this message; your password stays as it is.",
                name=user.display_name, hours=hours, link=link,
            ),
        )


def reset_token_user(token: str) -> User:
    record = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == codes.digest(token)))
    if record is None or record.used_at is not None or record.expires_at < clock.now():
        raise ServiceError(_("This reset link is invalid or has expired. Ask for a new one."))
    return record.user


def reset_password(token: str, new_password: str) -> User:
    user = reset_token_user(token)
    _check_password(new_password, user.email)
    now = clock.now()
    # Using one link spends every outstanding link of the account.
    for record in db.session.scalars(
        select(PasswordResetToken).where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
    ):
        record.used_at = now
    _set_new_password(user, new_password)
    unit.flush()
    return user


def _set_new_password(user: User, new_password: str, keep_session: str | None = None) -> None:
    user.set_password(new_password)
    _end_sessions(user, keep=keep_session)  # whoever knew the old password is signed out


# --- profile -----------------------------------------------------------------------------

def update_profile(user: User, display_name: str, phone: str, locale: str, mail_frequency: str) -> None:
    if mail_frequency not in MAIL_FREQUENCIES:
        raise ServiceError(_("Choose how notifications reach you by e-mail."), field="mail_frequency",
                           code="unknown_mail_frequency")
    user.display_name = display_name.strip()
    user.phone = phone.strip()
    user.locale = locale if locale in ("zh", "en") else user.locale
    user.mail_frequency = mail_frequency
    unit.flush()


def set_locale(user: User | None, locale: str) -> None:
    if user is not None and locale in ("zh", "en"):
        user.locale = locale
        unit.flush()


def change_password(user: User, current: str, new_password: str, keep_session: str | None = None) -> None:
    """A new password; every other device is signed out, the one with session key `keep_session` stays."""
    if not user.check_password(current):
        raise ServiceError(_("The current password is wrong."), field="current_password")
    _check_password(new_password, user.email)
    _set_new_password(user, new_password, keep_session)
    unit.flush()


# --- residence ---------------------------------------------------------------------------

def request_residence(user: User, community_id: int, address_note: str = "") -> Residence:
    """Ask to be verified as living in a community. Moving starts a new, pending request."""
    community = db.session.get(Community, community_id)
    if community is None:
        raise ServiceError(_("Choose a community from the list."), field="community_id")
    residence = user.residence
    now = clock.now()
    if residence is not None and residence.status in ("pending", "verified") and residence.community_id == community_id:
        raise ServiceError(_("You have already asked to be verified in this community."))
    if residence is not None:
        if residence.status == "verified":
            RESIDENCE_MACHINE.move(residence, "revoked", user, _("Moved to another community"))
        db.session.delete(residence)
        db.session.flush()
    residence = Residence(
        user_id=user.id, community_id=community_id, address_note=address_note.strip(), requested_at=now,
    )
    db.session.add(residence)
    RESIDENCE_MACHINE.start(residence, user, _("Residence claimed"))
    unit.flush()
    return residence


def _require_worker_of(actor: User, community_id: int) -> None:
    if community_id not in actor.worker_community_ids():
        raise PermissionDenied(_("Only a community worker of this community can do this."))


def pending_residences_select(actor: User):
    communities = actor.worker_community_ids()
    return (
        select(Residence)
        .where(Residence.community_id.in_(communities), Residence.status == "pending")
        .join(Residence.user)
        .options(db.contains_eager(Residence.user))
        .order_by(Residence.requested_at)
    )


def verified_residences_select(actor: User):
    return (
        select(Residence)
        .where(Residence.community_id.in_(actor.worker_community_ids()), Residence.status == "verified")
        .join(Residence.user)
        .options(db.contains_eager(Residence.user))
        .order_by(Residence.decided_at.desc(), Residence.id.desc())
    )


def revoke_residence(actor: User, residence_id: int, reason: str) -> Residence:
    """A worker records that a verified resident moved away: they no longer act for the community."""
    residence = db.session.get(Residence, residence_id)
    if residence is None:
        raise NotFound(_("This residence request does not exist."))
    _require_worker_of(actor, residence.community_id)
    reason = text.required(reason, 1000, _("Say why; the resident will read it."), "reason")
    RESIDENCE_MACHINE.move(residence, "revoked", actor, reason)
    residence.decided_at, residence.decided_by_id, residence.decision_reason = clock.now(), actor.id, reason
    unit.flush()
    return residence


def decide_residence(actor: User, residence_id: int, approve: bool, reason: str = "") -> Residence:
    residence = db.session.get(Residence, residence_id)
    if residence is None:
        raise NotFound(_("This residence request does not exist."))
    _require_worker_of(actor, residence.community_id)
    if not approve and not reason.strip():
        raise ServiceError(_("Give the resident a reason for the refusal."), field="reason")
    RESIDENCE_MACHINE.move(residence, "verified" if approve else "rejected", actor, reason.strip())
    residence.method = "worker"
    residence.decided_at = clock.now()
    residence.decided_by_id = actor.id
    residence.decision_reason = reason.strip()
    signals.residence_decided.send(residence)
    unit.flush()
    return residence


def issue_residence_codes(actor: User, community_id: int, count: int) -> list[str]:
    """Create one-time codes to hand out in person; the plain codes are shown only now."""
    _require_worker_of(actor, community_id)
    if not 1 <= count <= 50:
        raise ServiceError(_("Issue between 1 and 50 codes at a time."), field="count")
    now = clock.now()
    issued = []
    for _i in range(count):
        code = codes.new_code()
        issued.append(code)
        db.session.add(
            ResidenceCode(
                community_id=community_id, code_hash=codes.digest(code), issued_by_id=actor.id,
                issued_at=now, expires_at=now + timedelta(days=CODE_VALID_DAYS),
            )
        )
    unit.flush()
    return issued


def redeem_residence_code(user: User, code: str) -> Residence:
    code = codes.normalize(code)
    record = db.session.scalar(select(ResidenceCode).where(ResidenceCode.code_hash == codes.digest(code)))
    now = clock.now()
    if record is None or record.used_at is not None or record.expires_at < now:
        raise ServiceError(_("This code is not valid. Check it, or ask your community for a new one."), field="code")
    # Claim the code atomically, so the same code redeemed twice at once verifies one person.
    claimed = db.session.execute(
        db.update(ResidenceCode)
        .where(ResidenceCode.id == record.id, ResidenceCode.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise ServiceError(_("This code is not valid. Check it, or ask your community for a new one."), field="code")
    residence = user.residence
    if residence is not None and (residence.community_id != record.community_id or residence.status != "pending"):
        if residence.status == "verified":
            RESIDENCE_MACHINE.move(residence, "revoked", user, _("Moved to another community"))
        db.session.delete(residence)
        db.session.flush()
        residence = None
    if residence is None:
        residence = Residence(user_id=user.id, community_id=record.community_id, requested_at=now)
        db.session.add(residence)
        RESIDENCE_MACHINE.start(residence, user, _("Residence claimed"))
    RESIDENCE_MACHINE.move(residence, "verified", user, _("One-time code from the community"))
    residence.method = "code"
    residence.decided_at = now
    residence.decided_by_id = record.issued_by_id
    unit.flush()
    return residence


def name_building(user: User, building_id: int | None) -> Residence:
    """A verified resident names the building they live in (or none): their building leader then
    counts them among the building's residents."""
    residence = user.residence
    if residence is None or residence.status != "verified":
        raise PermissionDenied(_("Only a verified resident names their building."))
    if building_id and building_id not in dict(places.building_choices(residence.community_id)):
        raise ServiceError(_("Choose a building of your community."), field="building_id")
    residence.building_id = building_id or None
    unit.flush()
    return residence


# --- roles -------------------------------------------------------------------------------

# Places a role may be bound to below the community and above it, besides communities and departments
PLACE_MODELS = {"grid": Grid, "building": Building, "street": Street, "district": District}
PLACE_CHOICES = {"grid": list, "building": list, "street": places.street_choices, "district": places.district_choices}


def _require_civil_affairs(actor: User) -> None:
    if not actor.has_role(Role.CIVIL_AFFAIRS):
        raise PermissionDenied(_("Only a civil-affairs administrator can do this."))


def grant_role(actor: User, user: User, role: Role, **scope_ids: int | None) -> RoleGrant:
    """Give a role, bound to what the role acts for (`community_id=…`, `street_id=…`: ROLE_SCOPE);
    the other bindings are ignored."""
    _require_civil_affairs(actor)
    return bind_role(actor, user, role, scope_ids.get(f"{ROLE_SCOPE.get(role)}_id"))


def bind_role(actor: User, user: User, role: Role, scope_id: int | None) -> RoleGrant:
    """The grant of `role` bound to `scope_id`, once: for a caller that has checked that `actor` may
    give it (civil affairs any role; a community's workers its grid and building leaders)."""
    scope = ROLE_SCOPE[role]
    if role == Role.RESIDENT:
        raise ServiceError(_("Every account is a resident already."))
    values = {f"{name}_id": None for name in SCOPES}
    if scope is not None:
        if scope_id is None or not scope_of(scope).exists(scope_id):
            raise ServiceError(_("This role must be bound to an existing %(scope)s.", scope=_scope_label(scope)),
                               field=f"{scope}_id")
        values[f"{scope}_id"] = scope_id
    exists = db.session.scalar(select(RoleGrant.id).filter_by(user_id=user.id, role=role.value, **values))
    if exists:
        raise ServiceError(_("This person already holds that role."), code="role_held")
    grant = RoleGrant(user_id=user.id, role=role.value, granted_at=clock.now(), granted_by_id=actor.id, **values)
    db.session.add(grant)
    unit.flush()
    return grant


def revoke_role(actor: User, grant_id: int) -> None:
    _require_civil_affairs(actor)
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound(_("This role grant does not exist."))
    if grant.user_id == actor.id and grant.role == Role.CIVIL_AFFAIRS:
        raise ServiceError(_("You cannot remove your own administrator role."))
    db.session.delete(grant)
    unit.flush()


def scope_of(scope: str) -> Scope:
    """The records a role of `scope` is bound to: places here, organizations through signals.role_scope."""
    if scope == "community":
        return Scope(lambda id_: db.session.get(Community, id_) is not None, places.community_choices)
    if scope == "department":
        return Scope(lambda id_: db.session.get(Department, id_) is not None, places.department_choices)
    if scope in PLACE_MODELS:
        model = PLACE_MODELS[scope]
        return Scope(lambda id_: db.session.get(model, id_) is not None, PLACE_CHOICES[scope])
    answers = [answer for _receiver, answer in signals.role_scope.send(scope)]
    return answers[0] if answers else Scope(lambda _id: False, list)


def _scope_label(scope: str) -> str:
    return {"community": _("community"), "department": _("department"), "organization": _("organization"),
            "grid": _("grid"), "building": _("building"), "street": _("street or town"),
            "district": _("district")}[scope]


def users_with_role(role: Role) -> list[User]:
    return db.session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                              .where(RoleGrant.role == role.value).order_by(User.display_name).distinct()).all()


def holders_of(role: Role, scope_ids) -> dict[int, list[User]]:
    """The people holding `role` for each of `scope_ids` (communities, departments or organizations,
    as the role is bound), in one query: who a reminder of that scope goes to."""
    column = getattr(RoleGrant, f"{ROLE_SCOPE[role]}_id")
    found: dict[int, list[User]] = {}
    for grant in db.session.scalars(select(RoleGrant).options(db.joinedload(RoleGrant.user))
                                    .where(RoleGrant.role == role.value, column.in_(set(scope_ids)))):
        found.setdefault(getattr(grant, column.key), []).append(grant.user)
    return found


def users_select(actor: User, query: str = ""):
    _require_civil_affairs(actor)
    statement = select(User).order_by(User.id)
    if query.strip():
        like = f"%{query.strip().lower()}%"
        statement = statement.where(func.lower(User.email).like(like) | User.display_name.like(like))
    return statement
