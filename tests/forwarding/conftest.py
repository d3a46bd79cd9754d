"""Fixtures for forwarding: accepting, running the relay, a real receiver, staff sign-in."""
import json
import os
import time
import uuid

import pytest

from portal.accounts.services import create_user
from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.forwarding.payload import SCHEMA_PATH, encode, sign
from portal.forwarding.relay import relay_task
from portal.submissions.services import change_status
from tests.conftest import reachable_or_skip, submit_form
from tests.forwarding.receiver import Receiver

PASSWORD = "river-lamp-4821"
SECRET = "platform-secret"
RABBIT_URL = os.environ.get("PORTAL_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
FAST_RELAY = {"PORTAL_RELAY_BACKOFF_BASE": 0.05, "PORTAL_RELAY_BACKOFF_CAP": 0.3,
              "PORTAL_WEBHOOK_CONNECT_TIMEOUT": 0.5, "PORTAL_WEBHOOK_READ_TIMEOUT": 0.5,
              "PORTAL_RELAY_LEASE_SECONDS": 5, "PORTAL_WEBHOOK_SECRET": SECRET,
              "PORTAL_PLATFORM_SECRET": SECRET}


@pytest.fixture
def app_config():
    return dict(FAST_RELAY)


@pytest.fixture
def accept():
    """Accept a submission the way moderation will: change_status, then commit."""
    def do(submission):
        change_status(submission, "accepted", actor="user:moderator")
        db.session.commit()
        return submission
    return do


def pending_count():
    return db.session.execute(db.select(db.func.count()).select_from(Delivery)
                              .filter_by(state="pending")).scalar()


def drain(max_seconds=20.0, until=None):
    """Run relay rounds until nothing is pending and nothing was handled (or `until()`)."""
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        handled = relay_task()
        db.session.expire_all()
        if until() if until is not None else (handled == 0 and pending_count() == 0):
            return
        if handled == 0:
            time.sleep(0.02)
    raise AssertionError("the relay did not finish in time")


@pytest.fixture
def receiver():
    server = Receiver(secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def use_webhook(app, receiver):
    """Point the relay at the receiver."""
    app.config.update(PORTAL_SINK="webhook", PORTAL_WEBHOOK_URL=receiver.url)
    app.extensions.pop("forwarding_sink", None)
    return receiver


@pytest.fixture
def incident_schema():
    from jsonschema import Draft202012Validator, FormatChecker

    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.fixture
def login(app, client):
    """Sign a new staff user of the given role in through the real form."""
    def sign_in(role="dispatcher", username=None):
        username = username or role
        with app.app_context():
            create_user(username, role, PASSWORD)
            db.session.commit()
        response = submit_form(client, "/staff/login", {"username": username,
                                                        "password": PASSWORD})
        assert response.status_code == 302
        return username
    return sign_in


def signed_event(client, body, *, secret=SECRET, timestamp=None, headers=None):
    """POST an event to the platform endpoint, signed as the platform would."""
    raw = body if isinstance(body, bytes) else encode(body)
    sent = dict(sign(secret, raw, timestamp))
    sent.update(headers or {})
    return client.post("/api/v1/platform/events", data=raw, headers=sent,
                       content_type="application/json")


def rabbitmq_or_skip(url=RABBIT_URL):
    """A reachable RabbitMQ; skipped with a message when absent, a failure in CI."""
    import pika

    def probe(target):
        pika.BlockingConnection(pika.URLParameters(target + "?socket_timeout=2")).close()

    return reachable_or_skip("RabbitMQ", url, probe)


def unique_name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
