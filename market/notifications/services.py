"""Telling people: in Market always, by mail too when they asked for it."""
from collections.abc import Callable

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


def notify(user: User, kind: str, detail: dict, page: Page, mail_subject: Callable[[], str] | None = None,
           mail_page: Page | None = None) -> Notification:
    """Tell `user` of a step of `kind` (its words: wording.py), about `page`. If they asked for
    mail, it leaves after the commit, in their language: `mail_subject()` (made in that language),
    the step's words and a link to `mail_page` (else `page`)."""
    endpoint, values = page
    notification = Notification(user_id=user.id, kind=kind, detail=detail, endpoint=endpoint,
                                endpoint_values=values, created_at=clock.now())
    db.session.add(notification)
    if user.mail_opt_in and mail_subject is not None:
        mail_endpoint, mail_values = mail_page or page
        with force_locale(user.locale):
            mail.send_after_commit(user.email, mail_subject(), _(
                "%(step)s\n\nFollow it here: %(link)s", step=describe(kind, detail),
                link=mail.external_url(mail_endpoint, **mail_values)))
    return notification


def notifications_select(user: User):
    return select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=clock.now()))
    unit.flush()
