"""Plain helpers for the forwarding tests: settings, relay rounds, signed events, RabbitMQ."""
import os
import time
import uuid

from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.forwarding.payload import encode, sign
from portal.forwarding.relay import relay_task
from portal.submissions.models import Submission
from tests.helpers import reachable_or_skip

SECRET = "platform-secret"
RABBIT_URL = os.environ.get("PORTAL_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
FAST_RELAY = {"PORTAL_RELAY_BACKOFF_BASE": 0.05, "PORTAL_RELAY_BACKOFF_CAP": 0.3,
              "PORTAL_WEBHOOK_CONNECT_TIMEOUT": 0.5, "PORTAL_WEBHOOK_READ_TIMEOUT": 0.5,
              "PORTAL_RELAY_LEASE_SECONDS": 5, "PORTAL_WEBHOOK_SECRET": SECRET,
              "PORTAL_PLATFORM_SECRET": SECRET}


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


def event(code, status="in_progress", event_id="ev-1", **extra):
    return {"event_id": event_id, "reference": code, "status": status,
            "occurred_at": "2026-11-26T10:00:00+08:00", **extra}


def state(app, code):
    with app.app_context():
        submission = db.session.execute(db.select(Submission).filter_by(code=code)).scalar_one()
        return submission.status, len(submission.events)
