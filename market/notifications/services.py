"""Telling people: in Market always; by mail as each person chose (each, in a daily digest, never)."""
from collections.abc import Callable
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from market import clock
from market.accounts.models import User
from market.core import mail, unit
from market.extensions import db
from market.notifications.models import Notification
from market.notifications.wording import describe

Page = tuple[str, dict]  # an endpoint and its values
DIGEST_MOST = 50  # notifications listed in one digest; the rest are counted, with a link to them all


def notify(user: User, kind: str, detail: dict, page: Page, mail_subject: Callable[[], str] | None = None,
           mail_page: Page | None = None) -> Notification:
    """Tell `user` of a step of `kind` (its words: wording.py), about `page`. Who wants each
    notification by mail gets one after the commit, in their language: `mail_subject()` (made in that
    language; the step's words when there is none), the step's words and a link to `mail_page` (else
    `page`). Who wants the daily digest finds it there (`send_digests`)."""
    endpoint, values = page
    notification = Notification(user_id=user.id, kind=kind, detail=detail, endpoint=endpoint,
                                endpoint_values=values, created_at=clock.now())
    db.session.add(notification)
    if user.mail_frequency == "each":
        mail_endpoint, mail_values = mail_page or page
        with force_locale(user.locale):
            step = describe(kind, detail)
            short = step if len(step) <= 60 else step[:59] + "…"
            subject = mail_subject() if mail_subject is not None else _("Market: %(step)s", step=short)
            link = mail.external_url(mail_endpoint, **mail_values)
            mail.send_after_commit(user.email, subject, _("%(step)s\n\nFollow it here: %(link)s", step=step, link=link))
        notification.mailed_at = clock.now()
    return notification


def send_digests(now: datetime | None = None) -> int:
    """One mail to each person who chose the daily digest, listing what they were told since their
    last one; each notification is mailed once. Returns the number of digests sent."""
    now = now or clock.now()
    waiting = (select(Notification.user_id).join(User, User.id == Notification.user_id)
               .where(Notification.mailed_at.is_(None), Notification.created_at <= now, User.mail_frequency == "daily")
               .distinct())
    sent = 0
    for user in db.session.scalars(select(User).where(User.id.in_(waiting)).order_by(User.id)):
        items = db.session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.mailed_at.is_(None), Notification.created_at <= now)
            .order_by(Notification.created_at, Notification.id)).all()
        with force_locale(user.locale):
            lines = [f"- {describe(n.kind, n.detail)}\n  {mail.external_url(n.endpoint, **n.endpoint_values)}"
                     for n in items[:DIGEST_MOST]]
            if len(items) > DIGEST_MOST:
                lines.append(_("… and %(n)s more.", n=len(items) - DIGEST_MOST))
            mail.send_after_commit(user.email, _("Market: %(n)s new for you", n=len(items)), _(
                "What happened in Market for you since the last digest:\n\n%(lines)s\n\nAll your notifications: "
                "%(link)s\nChoose how often we write in your profile: %(profile)s", lines="\n".join(lines),
                link=mail.external_url("notifications.index"), profile=mail.external_url("accounts.profile")))
        for notification in items:
            notification.mailed_at = now
        sent += 1
    unit.flush()
    return sent


def notifications_select(user: User):
    return select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=clock.now()))
    unit.flush()
