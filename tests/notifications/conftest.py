"""Fixtures for notifications: a real SMTP server on loopback."""
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.notifications.helpers import BASE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """What the loopback SMTP server received; addresses in `refuse` get a permanent 550."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.url = f"smtp://127.0.0.1:{port}?starttls=no"
    yield mailbox
    controller.stop()


@pytest.fixture
def app_config():
    return {"PORTAL_BASE_URL": BASE, "PORTAL_MAIL_FROM": "portal@portal.example.cn",
            "PORTAL_RELAY_BACKOFF_BASE": 0.05, "PORTAL_RELAY_BACKOFF_CAP": 0.2,
            "PORTAL_NOTIFY_TIMEOUT": 3}


@pytest.fixture
def use_smtp(app, smtp_server):
    app.config["PORTAL_SMTP_URL"] = smtp_server.url
    app.extensions.pop("notification_transports", None)
    return smtp_server
