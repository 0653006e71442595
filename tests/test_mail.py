"""Mail through a real SMTP conversation with a local server on loopback."""
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message


class Collector(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False)
    yield handler
    app.config.update(saved)
    controller.stop()


def test_password_reset_mail_goes_through_smtp(client, make_user, smtp_server, app):
    from email import policy
    from email.parser import BytesParser

    make_user("a@example.cn", "王五")
    client.submit("/password/forgot", {"email": "a@example.cn"})
    (message,) = smtp_server.messages
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert parsed["To"] == "a@example.cn"
    assert parsed["Subject"] == "重置您的 Market 密码"
    assert "/password/reset/" in parsed.get_body(("plain",)).get_content()
