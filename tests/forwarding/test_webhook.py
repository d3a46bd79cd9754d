"""The webhook sink against a real HTTP receiver on 127.0.0.1, with faults."""
import json
import socket

import pytest

from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.forwarding.sinks import Item, WebhookSink, check_webhook_url, parse_retry_after
from portal.submissions.models import Submission
from tests.forwarding.helpers import SECRET, drain


def accept_many(make_submission, accept, n):
    return [accept(make_submission(title=f"路灯 {i}", commit=True)).code for i in range(n)]


def all_sent(n):
    def check():
        return db.session.execute(db.select(db.func.count()).select_from(Delivery).filter_by(
            state="sent")).scalar() == n
    return check


def assert_delivered_exactly_once(receiver, n):
    """Every acceptance delivered, stored once per key, the same bytes on every retry."""
    deliveries = db.session.execute(db.select(Delivery)).scalars().all()
    assert len(deliveries) == n
    assert {d.state for d in deliveries} == {"sent"}
    assert set(receiver.stored) == {d.idempotency_key for d in deliveries}
    assert receiver.bodies_differ == []
    assert receiver.bad_signatures == 0
    for delivery in deliveries:
        assert delivery.remote_reference == receiver.incident_ids[delivery.idempotency_key]
    statuses = db.session.execute(db.select(Submission.status)).scalars().all()
    assert set(statuses) == {"forwarded"}


def test_signed_post_with_idempotency_key_and_incident_id_stored(
        app_ctx, make_submission, accept, use_webhook, incident_schema):
    receiver = use_webhook
    [code] = accept_many(make_submission, accept, 1)
    drain()
    [delivery] = db.session.execute(db.select(Delivery)).scalars().all()
    assert delivery.remote_reference == "INC-00001"
    body = receiver.stored[delivery.idempotency_key]
    incident_schema.validate(json.loads(body))
    assert json.loads(body)["reference"] == code
    assert receiver.outcomes() == ["200"]


def test_faults_on_a_share_of_requests_still_deliver_each_key_once(
        app, app_ctx, make_submission, accept, use_webhook):
    receiver = use_webhook
    receiver.faults = {"500": 0.15, "429": 0.1, "hang": 0.1, "drop": 0.15}
    receiver.hang_seconds = 0.8  # the relay's read timeout is 0.5 s
    receiver.retry_after = 1
    n = 40
    accept_many(make_submission, accept, n)
    drain(max_seconds=60, until=all_sent(n))
    assert_delivered_exactly_once(receiver, n)
    seen = set(receiver.outcomes())
    assert {"500", "429", "hang", "drop"} <= seen  # the faults really happened
    assert len(receiver.requests) > n
    # Retry-After was honoured: nothing came back for a key sooner than 1 s after its 429.
    for index, (when, key, outcome) in enumerate(receiver.requests):
        if outcome == "429":
            later = [t for t, k, _o in receiver.requests[index + 1:] if k == key]
            assert later and later[0] - when >= 0.95


def test_receiver_down_for_a_while_then_back(app_ctx, make_submission, accept, use_webhook):
    receiver = use_webhook
    receiver.stop()
    n = 10
    accept_many(make_submission, accept, n)
    for _ in range(3):
        drain(max_seconds=2, until=lambda: True)
    failing = db.session.execute(db.select(Delivery)).scalars().all()
    assert {d.state for d in failing} == {"pending"}
    assert all("connection error" in d.last_error for d in failing)
    receiver.start()
    drain(max_seconds=30, until=all_sent(n))
    assert_delivered_exactly_once(receiver, n)


def test_a_permanent_refusal_is_dead(app_ctx, make_submission, accept, use_webhook):
    use_webhook.secret = "another-secret"  # the platform rejects our signature: 401
    accept_many(make_submission, accept, 1)
    drain()
    [delivery] = db.session.execute(db.select(Delivery)).scalars().all()
    assert delivery.state == "dead" and delivery.last_error.startswith("HTTP 401")


@pytest.mark.parametrize("url,ok", [
    ("https://platform.example/incidents", True),
    ("http://127.0.0.1:8080/x", True),
    ("http://localhost/x", True),
    ("http://[::1]:9/x", True),
    ("http://platform.example/incidents", False),
    ("ftp://127.0.0.1/x", False),
    ("", False),
])
def test_https_only_except_loopback(url, ok):
    assert (check_webhook_url(url) == "") is ok


def test_a_plain_http_url_elsewhere_is_never_called(app_ctx, monkeypatch):
    looked_up = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kw: looked_up.append(args))
    sink = WebhookSink("http://platform.invalid/incidents", SECRET, 0.1, 0.1)
    outcome = sink.send(Item(1, "KEY-0000001", b"{}", 1))
    assert outcome.kind == "retry" and "https" in outcome.error
    assert looked_up == []  # refused before any name was resolved or connection opened


def test_retry_after_forms():
    assert parse_retry_after("7") == 7
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_proxy_named_by_the_environment_carries_the_sends(monkeypatch):
    """HTTP(S)_PROXY is honoured as requests would: the send reaches the platform through it."""
    from tests.forwarding.receiver import Receiver

    proxy = Receiver(secret=SECRET).start()  # it answers whatever URL it is asked for
    closed = Receiver(secret=SECRET).start()
    closed.stop()  # a port where nothing listens: only the proxy can answer
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    try:
        direct = WebhookSink(closed.url, SECRET, 0.5, 0.5).send(Item(1, "KEY-direct", b"{}", 1))
        assert direct.kind == "retry" and direct.error.startswith("connection error")
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        outcome = WebhookSink(closed.url, SECRET, 0.5, 0.5).send(Item(2, "KEY-proxied", b"{}", 1))
        assert outcome.kind == "sent" and outcome.reference == "INC-00001"
        assert list(proxy.stored) == ["KEY-proxied"]
    finally:
        proxy.stop()
