"""What the worker shares across a batch gives the same messages and rows as one at a time:
the MIME message composed without re-parsing its headers, one SMTP connection per batch (a
dropped one is opened again), one request context for composing, the notifier's round with its
single savepoint."""
from email import message_from_bytes, policy

from itsdangerous import TimestampSigner

from portal.extensions import db
from portal.notifications.addresses import get_subscriber
from portal.notifications.compose import Message, compose, public_context
from portal.notifications.models import Notification, Subscriber, Subscription
from portal.notifications.notifier import consume_changes
from portal.notifications.sender import claim, get_transports, record_outcome
from portal.notifications.transports import Outcome, SmtpTransport, build_email
from portal.submissions.models import ChangeLog, Submission
from tests.helpers import write_transactions
from tests.notifications.helpers import BASE, move

URL = f"{BASE}/notifications/unsubscribe/" + "WzEyLCIzNGFiY2RlZiJd.aGVsbG8." + "x" * 60


def _message(subject="您的报告 K7M2Q-X9PR4 已受理", html="<p>已受理</p>", key="n1.2",
             address="resident@example.org"):
    return Message(key=key, channel="email", address=address, subject=subject,
                   text="它已被受理。\nTracking code: K7M2Q-X9PR4\n", html=html,
                   unsubscribe_url=URL)


def _parsed(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def test_the_written_message_reads_back_with_every_header_and_both_parts():
    subject = "您的报告 K7M2Q-X9PR4 已受理，" + "很长的标题" * 12
    mail = _parsed(build_email(_message(subject), "门户 <portal@portal.example.cn>"))
    assert mail["Subject"] == subject
    assert mail["From"].addresses[0].display_name == "门户"
    assert mail["From"].addresses[0].addr_spec == "portal@portal.example.cn"
    assert mail["To"] == "resident@example.org"
    assert mail["Message-ID"] == "<n1.2@portal.example.cn>"
    assert mail["Date"].datetime is not None
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"] == f"<{URL}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail.get_body(("plain",)).get_content() == "它已被受理。\nTracking code: K7M2Q-X9PR4\n"
    assert mail.get_body(("html",)).get_content() == "<p>已受理</p>"
    assert not mail.defects


def test_a_long_ascii_subject_reads_back_whole_and_a_line_break_never_starts_a_header():
    subject = "Your report K7M2Q-X9PR4 " + "has a rather long title " * 6
    mail = _parsed(build_email(_message(subject, html=""), "portal@portal.example.cn"))
    assert mail["Subject"] == subject
    assert mail.get_content_type() == "text/plain"
    raw = build_email(_message("Title\r\nBcc: someone@example.org", html=""), "p@example.cn")
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers
    assert _parsed(raw)["Subject"] == "Title  Bcc: someone@example.org"


class Connections:
    """A loopback SMTP server that counts connections and messages."""

    def __init__(self):
        self.peers, self.messages = set(), []

    async def handle_DATA(self, server, session, envelope):
        self.peers.add(session.peer)
        self.messages.append(_parsed(envelope.content))
        return "250 OK"


def test_one_connection_per_batch_and_a_dropped_one_is_opened_again():
    from aiosmtpd.controller import Controller

    from tests.notifications.conftest import free_port

    handler, port = Connections(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        transport = SmtpTransport(f"smtp://127.0.0.1:{port}?starttls=no", "p@portal.example.cn")
        with transport.batch():
            for n in range(3):
                assert transport.send(_message(key=f"n{n}.1")) == Outcome("sent")
        assert len(handler.peers) == 1 and transport._server is None
        with transport.batch():
            assert transport.send(_message(key="n5.1")) == Outcome("sent")
            transport._server.close()  # as if the server had hung up between two messages
            assert transport.send(_message(key="n6.1")) == Outcome("sent")
        assert transport.send(_message(key="n7.1")) == Outcome("sent")  # alone: its own
        assert transport._server is None
        assert len(handler.peers) == 4
        assert [m["Message-ID"] for m in handler.messages] == [
            f"<n{n}.1@portal.example.cn>" for n in (0, 1, 2, 5, 6, 7)]
    finally:
        controller.stop()


def test_a_server_that_cannot_be_reached_is_retried(app):
    transport = SmtpTransport("smtp://127.0.0.1:9?starttls=no", "p@portal.example.cn", 1)
    outcome = transport.send(_message())
    assert outcome.kind == "retry" and transport._server is None


def test_composing_in_the_batch_context_gives_the_same_message(app, make_submission,
                                                                monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)
    with app.app_context():
        for language in ("en", "zh_Hant", "zh"):
            make_submission(language=language,
                            contact={"email": f"{language}@example.org", "notify": True})
        for submission in db.session.execute(db.select(Submission)).scalars().all():
            move(submission, "accepted")
        consume_changes()
        rows = db.session.execute(db.select(Notification).order_by(Notification.id)
                                  ).scalars().all()
        assert {row.language for row in rows} == {"en", "zh_Hant", "zh"}
        alone = [compose(row) for row in rows]
        with public_context("zh"):
            shared = [compose(row) for row in rows]
        assert shared == alone
        db.session.rollback()


def test_a_key_taken_already_skips_that_row_and_writes_the_others(app, make_submission):
    with app.app_context():
        submission = make_submission(language="en",
                                     contact={"email": "resident@example.org", "notify": True})
        move(submission, "accepted", "in_progress")
        subscriber = get_subscriber("email", "resident@example.org", "en")
        db.session.flush()
        accepted = db.session.execute(db.select(ChangeLog.id).filter_by(
            submission_id=submission.id, change="status", status="accepted")).scalar()
        other = Subscription(subscriber_id=subscriber.id, kind="follow", filter_key="other",
                             state="confirmed", language="en", token_nonce="n")
        db.session.add(other)
        db.session.flush()
        # A row holding the key the accepted change would use (as a second notifier's would).
        db.session.add(Notification(subscriber_id=subscriber.id, subscription_id=other.id,
                                    kind="manage", channel="email", context={},
                                    idempotency_key=f"n{accepted}.{subscriber.id}"))
        db.session.commit()
        assert consume_changes() == 1
        db.session.commit()
        kinds = db.session.execute(db.select(Notification.kind).order_by(Notification.id)
                                   ).scalars().all()
        assert kinds == ["manage", "in_progress"]


def test_recording_a_send_marks_it_sent_once_and_clears_refusals(app, use_smtp,
                                                                  make_submission):
    with app.app_context():
        submission = make_submission(language="en",
                                     contact={"email": "resident@example.org", "notify": True})
        move(submission, "accepted")
        consume_changes()
        db.session.commit()
        subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
        subscriber.refusals = 2
        db.session.commit()
        [item] = claim("me", 10, lease_seconds=60)
        db.session.commit()
        outcome = get_transports(app)["email"].send(item.message)
        assert record_outcome(item, outcome, "me") == "sent"
        db.session.commit()
        assert record_outcome(item, outcome, "someone-else") == "sent"
        db.session.commit()
        db.session.expire_all()
        row = db.session.execute(db.select(Notification)).scalar_one()
        assert (row.state, row.lease_owner, row.last_error) == ("sent", None, "")
        assert row.sent_at is not None and row.attempts == 1
        assert db.session.get(Subscriber, subscriber.id).refusals == 0
        assert len(use_smtp.to("resident@example.org")) == 1


def test_moving_past_changes_no_one_is_told_of_reads_as_idle(app, make_submission):
    """Under a flood of submissions nobody asked to hear about, the notifier moves its
    position in a short round and reports nothing done, so the worker pauses between rounds
    instead of polling the log without a break; the log is read before the write lock."""
    from portal.forwarding.models import RelayPosition

    with app.app_context():
        for _ in range(3):
            move(make_submission(language="en"), "accepted")
        with write_transactions(db.engine) as locked:
            assert consume_changes() == 0
            db.session.commit()
        statements = [s for transaction in locked for s in transaction]
        assert any(s.startswith("UPDATE relay_position") for s in statements), statements
        assert not [s for s in statements if "FROM change_log" in s]  # read before the lock
        head = db.session.execute(db.select(db.func.max(ChangeLog.id))).scalar()
        assert db.session.execute(db.select(RelayPosition.last_id).filter_by(
            name="notifications")).scalar() == head
        told = make_submission(language="en", contact={"email": "r@example.org",
                                                       "notify": True})
        move(told, "accepted")
        assert consume_changes() == 1
        db.session.commit()
        assert consume_changes() == 0
