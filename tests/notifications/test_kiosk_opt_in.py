"""At a kiosk, "tell me when this changes" with a mobile number: the resident hears by text
message through the gateway; without an address the tick is refused next to the field."""
import json

from portal.extensions import db
from portal.submissions.models import Submission
from tests.forwarding.receiver import Receiver
from tests.kiosk.helpers import draft, enrol_link, redeem, send_json
from tests.notifications.helpers import BASE, drain, move


def _kiosk(app):
    _kiosk_id, path = enrol_link(app, label="entrance")
    client = app.test_client()
    assert redeem(client, path).status_code == 303
    return client


def test_kiosk_opt_in_texts_the_mobile_number(app):
    gateway = Receiver(secret="sms-secret").start()
    try:
        app.config.update(PORTAL_SMS_URL=gateway.url, PORTAL_SMS_SECRET="sms-secret")
        app.extensions.pop("notification_transports", None)
        kiosk = _kiosk(app)
        response = send_json(kiosk, draft(phone="138 0013 8000", notify=True))
        assert response.status_code == 201, response.get_json()
        with app.app_context():
            submission = db.session.execute(db.select(Submission)).scalar_one()
            assert submission.contact.notify is True
            move(submission, "accepted")
            drain()
            [body] = [json.loads(b) for b in gateway.stored.values()]
            assert body["to"] == "13800138000"
            assert body["text"].startswith(f"{submission.display_code} {BASE}/track/")
    finally:
        gateway.stop()


def test_kiosk_opt_in_without_an_address_is_refused(app):
    kiosk = _kiosk(app)
    response = send_json(kiosk, draft(notify=True))
    assert response.status_code == 422
    assert "notify" in json.dumps(response.get_json())
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Submission)
                                  ).scalar() == 0
