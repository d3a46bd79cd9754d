"""A resident who ticks "tell me when this changes" hears of every move, in their language,
through a real SMTP server (web form with CSRF, JSON API) and the SMS gateway (API)."""
import json
import re

import pytest

from portal.extensions import db
from portal.notifications.models import Notification, Subscriber
from portal.submissions.models import Submission
from portal.submissions.services import add_official_reply
from tests.forwarding.receiver import Receiver
from tests.helpers import VALID_FORM, submit_form
from tests.notifications.helpers import BASE, drain, move

SUBJECTS = {"en": "Your report {code} has been accepted", "zh": "您的报告 {code} 已受理"}


def _submitted(client, lang, **extra):
    response = submit_form(client, "/submit", {**VALID_FORM, "email": "resident@example.org",
                                               "notify": "y", **extra}, lang=lang)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return db.session.execute(db.select(Submission).order_by(Submission.id.desc())).scalar()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_web_form_opt_in_mails_each_change_in_the_residents_language(app, client, use_smtp,
                                                                    lang):
    with app.app_context():
        submission = _submitted(client, lang)
        assert submission.contact.notify is True
        move(submission, "accepted")
        drain()
        [mail] = use_smtp.to("resident@example.org")
        code = submission.display_code
        assert mail["Subject"] == SUBJECTS[lang].format(code=code)
        row = db.session.execute(db.select(Notification)).scalar_one()
        assert mail["Message-ID"] == f"<{row.idempotency_key}@portal.example.cn>"
        assert mail["Auto-Submitted"] == "auto-generated"
        assert mail["Date"]
        assert mail["List-Unsubscribe"].startswith(f"<{BASE}/notifications/unsubscribe/")
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail.get_content_type() == "multipart/alternative"
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert f"{BASE}/track/{submission.code}" in text and code in text
        assert f"{BASE}/track/{submission.code}" in html

        move(submission, "in_progress")
        add_official_reply(submission, actor="user:moderator", text="路灯已修好。",
                           text_en="The lamp is fixed.")
        db.session.commit()
        move(submission, "resolved", "closed")
        drain()
        texts = [m.get_body(("plain",)).get_content() for m in use_smtp.to(
            "resident@example.org")]
        assert len(texts) == 5
        assert ("The lamp is fixed." if lang == "en" else "路灯已修好。") in texts[2]
        # the resolved message asks the follow-up question (回访) and links to where it is answered
        question = {"en": "Was it really fixed?", "zh": "问题真的解决了吗"}[lang]
        assert question in texts[3] and f"{BASE}/track/{submission.code}" in texts[3]


def test_notify_without_an_address_is_refused_next_to_the_field(app, client):
    with app.app_context():
        response = submit_form(client, "/submit", {**VALID_FORM, "notify": "y",
                                                   "phone": "021 5555 1234"}, lang="en")
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert 'id="notify-error"' in html and "mainland mobile number" in html
        assert db.session.execute(db.select(db.func.count()).select_from(Submission)).scalar() == 0


def test_without_the_tick_nothing_is_sent(app, client, use_smtp):
    with app.app_context():
        response = submit_form(client, "/submit", {**VALID_FORM, "email": "quiet@example.org"},
                               lang="en")
        assert response.status_code == 303
        submission = db.session.execute(db.select(Submission)).scalar_one()
        move(submission, "accepted")
        drain()
        assert use_smtp.messages == []


def test_api_notify_sends_a_signed_text_to_the_gateway_code_and_link_first(app, client):
    gateway = Receiver(secret="sms-secret").start()
    try:
        app.config.update(PORTAL_SMS_URL=gateway.url, PORTAL_SMS_SECRET="sms-secret")
        app.extensions.pop("notification_transports", None)
        response = client.post("/api/v1/submissions?lang=zh", json={
            "kind": "issue", "category": "street-lighting", "area": "riverside",
            "title": "路灯不亮", "body": "杨树浦路的路灯坏了一周。", "notify": True,
            "contact": {"phone": "+86 138 0013 8000"}})
        assert response.status_code == 201, response.get_json()
        with app.app_context():
            submission = db.session.execute(db.select(Submission)).scalar_one()
            move(submission, "accepted")
            move(submission, "rejected", public_note="不属于本平台受理范围")
            drain()
            assert gateway.bad_signatures == 0
            bodies = [json.loads(body) for body in gateway.stored.values()]
            assert len(bodies) == 2 and {b["to"] for b in bodies} == {"13800138000"}
            for body in bodies:
                assert body["text"].startswith(f"{submission.display_code} {BASE}/track/")
                assert len(body["text"]) <= 201
            assert any("不属于本平台受理范围" in b["text"] for b in bodies)
            assert set(gateway.stored) == {r.idempotency_key for r in db.session.execute(
                db.select(Notification)).scalars()}
    finally:
        gateway.stop()


def test_open311_attribute_notify_opts_in(app, client):
    from portal.api.services import issue_api_key

    with app.app_context():
        _key, secret = issue_api_key("client", created_by="test")
        db.session.commit()
    response = client.post("/open311/v2/requests.json", data={
        "api_key": secret, "service_code": "street-lighting", "lat": "31.25", "long": "121.53",
        "description": "The lamp at gate 3 is dark.", "email": "o311@example.org",
        "attribute[notify]": "true", "attribute[area]": "riverside"})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Submission)).scalar_one().contact.notify is True


def test_addresses_are_never_in_the_api(app, client, use_smtp):
    with app.app_context():
        submission = _submitted(client, "en")
        move(submission, "accepted")
        drain()
        code = submission.code
        assert db.session.execute(db.select(Subscriber)).scalar_one().address
    body = client.get(f"/api/v1/submissions/{code}").get_data(as_text=True)
    assert "resident@example.org" not in body and not re.search(r"subscri", body)
