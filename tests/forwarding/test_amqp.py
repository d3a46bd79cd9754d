"""The AMQP sink against the real RabbitMQ on 127.0.0.1:5672 (own queue name per test)."""
import json
import socket

import pytest

from portal.core.time import utcnow
from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.submissions.models import Submission
from tests.forwarding.helpers import RABBIT_URL, drain, rabbitmq_or_skip, unique_name


def closed_port_url():
    """An AMQP URL on a loopback port nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"amqp://guest:guest@127.0.0.1:{port}/%2F"


@pytest.fixture
def broker():
    """(url, queue): a reachable broker and a fresh queue, deleted afterwards."""
    import pika

    url = rabbitmq_or_skip()
    queue = unique_name("portal-test-incidents")
    yield url, queue
    connection = pika.BlockingConnection(pika.URLParameters(url))
    connection.channel().queue_delete(queue=queue)
    connection.close()


def use_amqp(app, url, queue):
    app.config.update(PORTAL_SINK="amqp", PORTAL_AMQP_URL=url, PORTAL_AMQP_QUEUE=queue,
                      PORTAL_AMQP_TIMEOUT=2)
    sink = app.extensions.pop("forwarding_sink", None)
    if sink is not None:
        sink.close()


def take_all(url, queue):
    """Every message in the queue: (properties, body)."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    messages = []
    while True:
        method, properties, body = channel.basic_get(queue=queue, auto_ack=True)
        if method is None:
            break
        messages.append((properties, body))
    connection.close()
    return messages


def test_unreachable_then_reachable_delivers_every_item_once(
        app, app_ctx, make_submission, accept, broker, incident_schema):
    url, queue = broker
    n = 25
    for i in range(n):
        accept(make_submission(title=f"消防通道 {i}", category_code="fire-risk"))
    use_amqp(app, closed_port_url(), queue)
    drain(max_seconds=10, until=lambda: db.session.execute(db.select(Delivery).filter_by(
        attempts=0)).first() is None)
    rows = db.session.execute(db.select(Delivery)).scalars().all()
    assert len(rows) == n and {r.state for r in rows} == {"pending"}
    assert all("broker unreachable" in r.last_error for r in rows)

    use_amqp(app, url, queue)
    for row in rows:
        row.next_attempt_at = utcnow()  # the broker is back: no need to wait out the backoff
    db.session.commit()
    drain(max_seconds=30)
    rows = db.session.execute(db.select(Delivery)).scalars().all()
    assert {r.state for r in rows} == {"sent"} and {r.sink for r in rows} == {"amqp"}
    assert set(db.session.execute(db.select(Submission.status)).scalars()) == {"forwarded"}

    messages = take_all(url, queue)
    keys = [properties.message_id for properties, _body in messages]
    assert sorted(keys) == sorted(r.idempotency_key for r in rows)
    for properties, body in messages:
        assert properties.delivery_mode == 2  # persistent
        assert properties.content_type == "application/json"
        assert properties.headers["X-Portal-Signature"].startswith("sha256=")
        payload = json.loads(body)
        incident_schema.validate(payload)
        assert payload["idempotency_key"] == properties.message_id
        assert payload["routing"]["priority"] == "urgent"


def test_the_queue_is_durable_and_a_dropped_connection_is_reopened(
        app, app_ctx, make_submission, accept, broker):
    import pika

    url, queue = broker
    use_amqp(app, url, queue)
    accept(make_submission())
    drain()
    sink = app.extensions["forwarding_sink"]
    sink._connection.close()  # the broker (or a network blip) ended the kept connection
    accept(make_submission())
    drain()
    assert [d.state for d in db.session.execute(db.select(Delivery)).scalars()] == ["sent"] * 2
    connection = pika.BlockingConnection(pika.URLParameters(url))
    declared = connection.channel().queue_declare(queue=queue, durable=True, passive=True)
    connection.close()
    assert declared.method.message_count == 2


def test_broker_url_default_points_at_loopback(app):
    assert "127.0.0.1:5672" in RABBIT_URL


def test_a_deleted_queue_is_noticed_and_declared_again(app, app_ctx, make_submission, accept,
                                                       broker):
    import pika

    url, queue = broker
    use_amqp(app, url, queue)
    accept(make_submission())
    drain()
    connection = pika.BlockingConnection(pika.URLParameters(url))
    connection.channel().queue_delete(queue=queue)  # an operator deletes the queue
    connection.close()
    accept(make_submission())
    drain(max_seconds=5, until=lambda: True)
    rows = db.session.execute(db.select(Delivery).order_by(Delivery.id)).scalars().all()
    assert rows[1].state == "pending" and "queue" in rows[1].last_error  # returned: not acked
    rows[1].next_attempt_at = utcnow()
    db.session.commit()
    drain()
    assert [r.state for r in db.session.execute(db.select(Delivery)).scalars()] == ["sent"] * 2
    assert [p.message_id for p, _b in take_all(url, queue)] == [rows[1].idempotency_key]
