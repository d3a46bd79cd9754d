"""The relay: acceptance -> delivery row -> local queue, with leases, retries and dead rows."""
from datetime import timedelta

import pytest

from portal.core.time import utcnow
from portal.extensions import db
from portal.forwarding import relay
from portal.forwarding.models import Delivery, Incident, RelayPosition
from portal.forwarding.services import delivery_counts, retry_delivery
from portal.forwarding.sinks import Item, dead, retry, sent
from portal.submissions.models import ChangeLog
from portal.submissions.services import change_status
from tests.forwarding.helpers import drain


def deliveries():
    return db.session.execute(db.select(Delivery).order_by(Delivery.id)).scalars().all()


def test_acceptance_becomes_one_local_incident_and_the_resident_sees_forwarded(
        app, client, make_submission, accept):
    with app.app_context():
        submission = accept(make_submission(category_code="litter", area_code="yinhang"))
        code = submission.code
        drain()
        [delivery] = deliveries()
        assert delivery.state == "sent" and delivery.sink == "local"
        assert delivery.idempotency_key.startswith(code)
        [incident] = db.session.execute(db.select(Incident)).scalars().all()
        assert incident.team == "cleaning" and incident.state == "open" and not incident.priority
        assert delivery.remote_reference == f"local-{incident.id}"
    page = client.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert "Forwarded to the operations center" in page
    page = client.get(f"/track/{code}?lang=zh").get_data(as_text=True)
    assert "已转" in page or "城运中心" in page


def test_nothing_is_forwarded_before_acceptance(app_ctx, make_submission):
    make_submission()
    drain()
    assert deliveries() == []


def test_reading_the_change_log_twice_is_harmless(app_ctx, make_submission, accept):
    """Re-reading the window behind the position (ids committed out of order) adds nothing."""
    for _ in range(3):
        accept(make_submission())
    assert relay.consume_changes() == 3
    db.session.commit()
    position = db.session.get(RelayPosition, relay.POSITION_NAME)
    position.last_id = 0  # as if every id had to be read again
    db.session.commit()
    assert relay.consume_changes() == 0
    db.session.commit()
    assert len(deliveries()) == 3


def test_a_late_committed_lower_id_is_still_picked_up(app_ctx, make_submission, accept):
    """PostgreSQL may make id 7 visible after id 9: the window behind the position catches it."""
    first = accept(make_submission())
    second = accept(make_submission())
    late = db.session.execute(db.select(ChangeLog).filter_by(
        submission_id=first.id, status="accepted")).scalar_one()
    # Pretend the first acceptance was not yet visible when the relay read past it.
    late.status = "hidden"
    db.session.commit()
    relay.consume_changes()
    db.session.commit()
    position = db.session.get(RelayPosition, relay.POSITION_NAME).last_id
    assert position >= late.id
    late.status = "accepted"  # its transaction commits now
    db.session.commit()
    assert relay.consume_changes() == 1
    db.session.commit()
    assert {d.submission_id for d in deliveries()} == {first.id, second.id}


def test_returned_case_is_forwarded_again_with_a_new_key(app_ctx, make_submission, accept):
    submission = accept(make_submission())
    drain()
    change_status(submission, "accepted", actor="platform", note="returned: not ours")
    db.session.commit()
    drain()
    first, second = deliveries()
    assert first.idempotency_key != second.idempotency_key
    assert second.payload["sequence"] == 2
    assert second.payload["previous_reference"] == first.remote_reference
    assert db.session.get(type(submission), submission.id).status == "forwarded"


def test_a_payload_made_in_a_round_equals_one_rebuilt_on_its_own(
        app_ctx, make_submission, accept):
    """A round reads the submissions and their sent deliveries once for all its changes."""
    submission = accept(make_submission(
        area_code="daqiao", place="渔人码头旁边的步道", station_slug="service-station-1",
        contact={"name": "王", "phone": "021 5555 1234", "consent": True}))
    drain()
    change_status(submission, "accepted", actor="platform", note="returned: not ours")
    db.session.commit()
    relay.consume_changes()
    db.session.commit()
    made = deliveries()[-1]
    in_round = dict(made.payload)
    relay.fill_payload(made, made.submission, db.session.get(ChangeLog, made.change_id).created_at)
    assert made.payload == in_round and in_round["sequence"] == 2


def test_withdrawn_before_delivery_is_cancelled_not_sent(app_ctx, make_submission, accept):
    submission = accept(make_submission())
    relay.consume_changes()
    db.session.commit()
    change_status(submission, "held", actor="user:moderator")
    db.session.commit()
    drain()
    [delivery] = deliveries()
    assert delivery.state == "cancelled"
    assert db.session.execute(db.select(Incident)).first() is None


def test_accepted_twice_before_delivery_sends_once(app_ctx, make_submission, accept):
    submission = accept(make_submission())
    change_status(submission, "held", actor="user:moderator")
    db.session.commit()
    accept(submission)
    drain()
    states = sorted(d.state for d in deliveries())
    assert states == ["cancelled", "sent"]
    assert len(db.session.execute(db.select(Incident)).all()) == 1


class ScriptedSink:
    """A sink whose outcomes are given in order (for the relay's bookkeeping, not the network)."""

    name, in_database, worst_case_seconds = "scripted", False, 0

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.items = []

    def send(self, item):
        self.items.append(item)
        return self.outcomes.pop(0)


def run_with(app, sink):
    app.extensions["forwarding_sink"] = sink
    return relay.relay_task()


def test_retry_backs_off_and_honours_retry_after(app, app_ctx, make_submission, accept):
    app.config.update(PORTAL_RELAY_BACKOFF_BASE=10, PORTAL_RELAY_BACKOFF_CAP=600)
    accept(make_submission())
    run_with(app, ScriptedSink(retry("HTTP 503")))
    [delivery] = deliveries()
    assert delivery.state == "pending" and delivery.attempts == 1
    assert delivery.last_error == "HTTP 503" and delivery.lease_owner is None
    wait = (delivery.next_attempt_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None))
    assert timedelta(seconds=4) < wait <= timedelta(seconds=10)  # first retry: 5 to 10 s
    delivery.next_attempt_at = utcnow()
    db.session.commit()
    run_with(app, ScriptedSink(retry("HTTP 429", retry_after=120)))
    delivery = deliveries()[0]
    wait = delivery.next_attempt_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert timedelta(seconds=119) < wait <= timedelta(seconds=133)
    assert delivery.attempts == 2


def test_backoff_grows_and_is_capped(app_ctx, app):
    app.config.update(PORTAL_RELAY_BACKOFF_BASE=2, PORTAL_RELAY_BACKOFF_CAP=60)
    waits = [relay.backoff_seconds(n) for n in range(1, 12)]
    assert 1 <= waits[0] <= 2 and 8 <= waits[4] <= 32
    assert all(30 <= w <= 60 for w in waits[6:])


def test_permanent_refusal_is_dead_and_visible_then_retried_by_an_administrator(
        app, make_submission, accept, client, login):
    with app.app_context():
        submission = accept(make_submission())
        code = submission.display_code
        run_with(app, ScriptedSink(dead("HTTP 422: missing field")))
        [delivery] = deliveries()
        delivery_id = delivery.id
        assert delivery.state == "dead"
        assert delivery_counts()["dead"] == 1
    login("administrator")
    for lang, heading in (("en", "Failed deliveries"), ("zh", "发送失败")):
        page = client.get(f"/staff/forwarding?lang={lang}").get_data(as_text=True)
        assert "HTTP 422: missing field" in page and code in page and heading in page
    from tests.helpers import csrf_token
    response = client.post(f"/staff/forwarding/{delivery_id}/retry",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    with app.app_context():
        delivery = deliveries()[0]
        assert delivery.state == "pending" and delivery.attempts == 0
        app.extensions.pop("forwarding_sink")
        drain()
        assert deliveries()[0].state == "sent"
        counts = delivery_counts()
        assert (counts["sent"], counts["dead"]) == (1, 0)
    assert "No failed deliveries" in client.get("/staff/forwarding?lang=en").get_data(as_text=True)


def test_dead_page_is_for_administrators_only(client, login):
    login("dispatcher")
    assert client.get("/staff/forwarding").status_code == 403


def test_gives_up_after_the_maximum_age(app, app_ctx, make_submission, accept):
    accept(make_submission())
    relay.consume_changes()
    db.session.commit()
    delivery = deliveries()[0]
    delivery.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    run_with(app, ScriptedSink(retry("connection error: refused")))
    delivery = deliveries()[0]
    assert delivery.state == "dead"
    assert "gave up after 1 attempts: connection error" in delivery.last_error


def test_an_expired_lease_is_claimed_again(app_ctx, make_submission, accept):
    accept(make_submission())
    relay.consume_changes()
    db.session.commit()
    assert len(relay.claim("crashed-relay", 10, lease_seconds=60)) == 1
    db.session.commit()
    assert relay.claim("other", 10, lease_seconds=60) == []  # leased: not due for others
    delivery = deliveries()[0]
    delivery.lease_expires_at = utcnow() - timedelta(seconds=1)  # the crashed relay's lease ends
    db.session.commit()
    [item] = relay.claim("other", 10, lease_seconds=60)
    db.session.commit()
    assert item.attempts == 2


def test_a_late_failure_report_does_not_undo_another_relays_success(
        app_ctx, make_submission, accept):
    accept(make_submission())
    relay.consume_changes()
    [item] = relay.claim("slow", 10, lease_seconds=60)
    db.session.commit()
    sink = ScriptedSink()
    relay.record_outcomes([(item, sent("INC-1"))], "fast", sink)
    db.session.commit()
    assert relay.record_outcomes([(item, retry("timeout"))], "slow", sink) == ["sent"]
    db.session.commit()
    assert deliveries()[0].remote_reference == "INC-1"


def test_urgent_categories_go_first(app, app_ctx, make_submission, accept):
    calm = accept(make_submission(category_code="greenery"))
    urgent = accept(make_submission(category_code="public-order"))
    relay.consume_changes()
    items = relay.claim("me", 10, lease_seconds=60)
    db.session.commit()
    codes = [i.key.split("-")[0] for i in items]
    assert codes == [urgent.code, calm.code]


def test_delivery_counts_for_the_dashboard(app, app_ctx, make_submission, accept):
    for _ in range(2):
        accept(make_submission())
    run_with(app, ScriptedSink(sent(), retry("HTTP 500")))
    counts = delivery_counts()
    assert (counts["sent"], counts["pending"], counts["failing"]) == (1, 1, 1)


def test_only_dead_rows_can_be_retried(app_ctx, make_submission, accept):
    accept(make_submission())
    drain()
    with pytest.raises(ValueError):
        retry_delivery(deliveries()[0])


def test_worker_once_drains_through_the_cli(app, make_submission, accept):
    with app.app_context():
        submission_id = accept(make_submission()).id
    result = app.test_cli_runner().invoke(args=["portal", "worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from portal.submissions.models import Submission
        assert db.session.get(Submission, submission_id).status == "forwarded"


def test_accept_command(app, make_submission):
    with app.app_context():
        submission = make_submission()
        code, submission_id = submission.code, submission.id
    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "accept", code.lower()])
    assert result.exit_code == 0 and "accepted" in result.output
    result = runner.invoke(args=["portal", "accept", "NOPE"])
    assert result.exit_code != 0 and "No submission" in result.output
    with app.app_context():
        assert db.session.execute(db.select(ChangeLog).filter_by(
            submission_id=submission_id, status="accepted")).scalar_one()


def test_the_same_item_is_sent_with_the_same_bytes(app, app_ctx, make_submission, accept):
    accept(make_submission())
    first = ScriptedSink(retry("timeout"))
    run_with(app, first)
    deliveries()[0].next_attempt_at = utcnow()
    db.session.commit()
    second = ScriptedSink(sent())
    run_with(app, second)
    assert isinstance(first.items[0], Item)
    assert first.items[0].body == second.items[0].body
    assert first.items[0].key == second.items[0].key


def test_a_submission_that_cannot_be_built_is_dead_and_does_not_block_others(
        app, app_ctx, make_submission, accept, monkeypatch):
    broken = accept(make_submission(title="broken one"))
    fine = accept(make_submission(title="fine one"))
    real = relay.build_payload

    def build(submission, **kwargs):
        if submission.id == broken.id:
            raise KeyError("team")
        return real(submission, **kwargs)
    monkeypatch.setattr(relay, "build_payload", build)
    drain()
    states = {d.submission_id: (d.state, d.last_error) for d in deliveries()}
    assert states[fine.id] == ("sent", "")
    assert states[broken.id][0] == "dead" and "KeyError" in states[broken.id][1]
    monkeypatch.setattr(relay, "build_payload", real)  # the cause is fixed; an admin retries
    retry_delivery(db.session.get(Delivery, [d.id for d in deliveries()
                                             if d.submission_id == broken.id][0]))
    db.session.commit()
    drain()
    assert {d.state for d in deliveries()} == {"sent"}
    assert all(d.payload["title"] for d in deliveries())


def test_no_transaction_is_open_while_sending(app, app_ctx, make_submission, accept):
    seen = []

    class Watching(ScriptedSink):
        def send(self, item):
            seen.append(db.session().in_transaction())
            return sent()
    for _ in range(3):
        accept(make_submission())
    run_with(app, Watching())
    assert seen == [False, False, False]


def test_staff_home_links_to_the_queue_and_the_deliveries(client, login):
    login("administrator")
    page = client.get("/staff/?lang=en").get_data(as_text=True)
    assert "/staff/incidents" in page and "/staff/forwarding" in page
