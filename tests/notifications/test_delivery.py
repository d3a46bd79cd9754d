"""Sending is reliable: a crash after sending re-sends the same message (same Message-ID),
never a second row; permanent refusals disable the address for staff to see; the hourly cap
delays without losing; the embedded outbox holds what would have been sent."""
from datetime import timedelta

import pytest
from flask_babel import force_locale

from portal.core.i18n import LOCALES
from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications import labels
from portal.notifications.compose import compose
from portal.notifications.models import Notification, Subscriber
from portal.notifications.notifier import consume_changes
from portal.notifications.sender import claim, get_transports
from portal.submissions.services import add_official_reply
from tests.notifications.helpers import drain, move


def _opted_in(make_submission, email="resident@example.org", language="en"):
    return make_submission(language=language, contact={"email": email, "notify": True})


def test_crash_between_send_and_mark_sent_resends_with_the_same_message_id(app, use_smtp,
                                                                        make_submission):
    with app.app_context():
        submission = _opted_in(make_submission)
        move(submission, "accepted")
        consume_changes()
        db.session.commit()
        consume_changes()  # reading the log again makes nothing twice
        db.session.commit()
        [item] = claim("crashed-worker", 10, lease_seconds=60)
        db.session.commit()
        get_transports(app)["email"].send(item.message)  # sent; then the process dies
        row = db.session.get(Notification, item.id)
        row.lease_expires_at = utcnow() - timedelta(seconds=1)  # the lease runs out
        db.session.commit()
        drain()
        first, second = use_smtp.to("resident@example.org")
        assert first["Message-ID"] == second["Message-ID"]
        rows = db.session.execute(db.select(Notification)).scalars().all()
        assert len(rows) == 1 and rows[0].state == "sent" and rows[0].attempts == 2


def test_permanent_refusal_disables_the_address_shown_masked_with_a_retry(app, client, login,
                                                                       use_smtp,
                                                                       make_submission):
    use_smtp.refuse.add("gone@example.org")
    with app.app_context():
        submission = _opted_in(make_submission, "gone@example.org")
        move(submission, "accepted")
        drain()
        row = db.session.execute(db.select(Notification)).scalar_one()
        assert row.state == "dead" and "550" in row.last_error
        dead_id = row.id
        assert db.session.execute(db.select(Subscriber)).scalar_one().disabled_at is not None
        move(submission, "in_progress")
        drain()
        later = db.session.execute(db.select(Notification).filter_by(kind="in_progress")
                                   ).scalar_one()
        assert later.state == "cancelled"
    login("administrator")
    page = client.get("/staff/notifications?lang=en").get_data(as_text=True)
    assert "g***@example.org" in page and "gone@example.org" not in page
    assert "Disabled addresses" in page and "550" in page
    use_smtp.refuse.clear()
    from tests.helpers import csrf_token
    response = client.post(f"/staff/notifications/{dead_id}/retry",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    with app.app_context():
        drain()
        assert len(use_smtp.to("gone@example.org")) == 1


def test_hourly_cap_delays_messages_without_losing_them(app, use_smtp, make_submission):
    app.config["PORTAL_NOTIFY_HOURLY_CAP"] = 2
    with app.app_context():
        submission = _opted_in(make_submission)
        move(submission, "accepted", "in_progress", "resolved")
        drain()
        assert len(use_smtp.messages) == 2
        waiting = db.session.execute(db.select(Notification).filter_by(state="pending")
                                     ).scalar_one()
        assert waiting.next_attempt_at > utcnow() + timedelta(minutes=50)


def test_without_smtp_messages_land_in_the_outbox_listed_for_administrators(
        app, client, login, make_submission, tmp_path):
    with app.app_context():
        submission = _opted_in(make_submission)
        move(submission, "accepted")
        drain()
        key = db.session.execute(db.select(Notification)).scalar_one().idempotency_key
    files = list((tmp_path / "data" / "outbox").glob("*.eml"))
    assert [f.name for f in files] == [f"{key}.eml"]
    login("administrator")
    page = client.get("/staff/outbox?lang=en").get_data(as_text=True)
    assert f"{key}.eml" in page
    assert client.get(f"/staff/outbox/{key}.eml").status_code == 200
    assert client.get("/staff/outbox/..%2Fsecret_key").status_code == 404
    client.get("/staff/logout")


def test_outbox_is_for_administrators_only(app, client, login):
    login("moderator")
    assert client.get("/staff/outbox").status_code == 403
    assert client.get("/staff/notifications").status_code == 403


KINDS = ("accepted", "rejected", "merged", "forwarded", "in_progress", "reply", "resolved",
         "closed", "deadline_extended")


@pytest.mark.parametrize("language", LOCALES)
def test_every_message_kind_renders_in_every_language(app, make_submission, language):
    with app.app_context():
        submission = _opted_in(make_submission, language=language)
        target = make_submission(publish=True)
        move(submission, "accepted")
        consume_changes()
        template = db.session.execute(db.select(Notification)).scalar_one()
        context = dict(template.context, reason="重复", team="police", reply="路灯已修好",
                       reply_en="Fixed", merged_code=target.display_code, merged_id=target.id,
                       days=3, due="2026-11-18T08:00:00+00:00")
        for kind in KINDS:
            template.kind, template.context, template.language = kind, context, language
            message = compose(template)
            with app.test_request_context(), force_locale(language):
                subject = str(labels.SUBJECTS[kind]) % {"code": submission.display_code}
            assert message.subject == subject
            assert submission.display_code in message.text and "/track/" in message.text
            assert message.html.startswith("<!DOCTYPE html>")
            if language != "en":
                assert "Your report" not in message.text and "Stop these" not in message.text
        db.session.rollback()


def test_sms_stays_within_three_segments(app, make_submission):
    with app.app_context():
        submission = make_submission(contact={"phone": "13800138000", "notify": True})
        move(submission, "accepted")
        add_official_reply(submission, actor="user:moderator", text="很长的答复。" * 100)
        db.session.commit()
        consume_changes()
        for row in db.session.execute(db.select(Notification)).scalars():
            message = compose(row)
            assert len(message.text) <= 201
            assert message.text.startswith(submission.display_code)
