"""Outgoing mail: a local outbox of .eml files in development, SMTP when configured."""
import smtplib
from datetime import timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, url_for

from market import clock
from market.extensions import db


def send(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now().replace(tzinfo=timezone.utc))
    message["Message-ID"] = make_msgid(domain="market.localhost")
    message.set_content(body)
    if current_app.config["MAIL_BACKEND"] == "smtp":
        _send_smtp(message)
    else:
        _write_outbox(message)
    return message


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a message, inside a web request or not."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)


def send_after_commit(to: str, subject: str, body: str) -> None:
    """Queue a message that leaves only if the current transaction commits."""
    db.session.info.setdefault("outgoing_mail", []).append((to, subject, body))


def flush_queued_mail(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction may still roll back
        return
    for to, subject, body in session.info.pop("outgoing_mail", []):
        try:
            send(to, subject, body)
        except Exception:  # a mail server's failure must not undo what was committed
            current_app.logger.exception("mail to %s failed", to)


def drop_queued_mail(session) -> None:
    session.info.pop("outgoing_mail", None)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def outbox_dir() -> Path:
    return Path(current_app.config["MAIL_OUTBOX_DIR"])


def _write_outbox(message: EmailMessage) -> None:
    directory = outbox_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    name = f"{stamp}-{message['Message-ID'].strip('<>').split('@')[0][-12:]}.eml"
    (directory / name).write_bytes(bytes(message))


def outbox_messages() -> list[dict]:
    """Newest first, parsed for display on the development outbox page."""
    from email import policy
    from email.parser import BytesParser

    directory = outbox_dir()
    if not directory.exists():
        return []
    messages = []
    for path in sorted(directory.glob("*.eml"), reverse=True):
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        messages.append(
            {
                "name": path.name,
                "to": parsed["To"],
                "subject": parsed["Subject"],
                "date": parsed["Date"],
                "body": parsed.get_body(preferencelist=("plain",)).get_content(),
            }
        )
    return messages
