"""The kiosk's server side through the Flask client: enrolment, credential, sending, receipt."""
import re

import pytest

from portal.extensions import db
from portal.kiosk.limits import device_rate_limit_key
from portal.kiosk.models import Kiosk
from portal.kiosk.services import COOKIE_NAME
from portal.submissions.models import Submission
from tests.kiosk.helpers import ENROL_PATH, draft, enrol_link, redeem, send_json


def _cookie(client):
    return client.get_cookie(COOKIE_NAME, path="/kiosk")


def test_browser_without_credential_sees_explanation_not_kiosk(client):
    response = client.get("/kiosk?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "This is not a station kiosk" in html
    assert 'id="k-form"' not in html
    zh = client.get("/kiosk?lang=zh").get_data(as_text=True)
    assert "这不是驿站的自助终端" in zh


def test_enrolment_link_sets_a_strict_httponly_long_lived_cookie(app, client):
    kiosk_id, path = enrol_link(app)
    page = client.get(path)
    assert page.status_code == 200  # opening the link alone changes nothing
    assert _cookie(client) is None
    response = redeem(client, path)
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk")
    header = response.headers["Set-Cookie"]
    assert header.startswith(COOKIE_NAME + "=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/kiosk", "Max-Age="):
        assert attribute in header
    assert "Secure" not in header  # not configured for HTTPS here
    start = client.get("/kiosk")
    assert start.status_code == 302 and start.headers["Location"].endswith("/kiosk?lang=zh")
    page = client.get("/kiosk?lang=zh")
    assert page.status_code == 200 and 'id="k-form"' in page.get_data(as_text=True)
    with app.app_context():
        kiosk = db.session.get(Kiosk, kiosk_id)
        assert kiosk.state == "active" and kiosk.enrolled_at is not None


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_cookie_is_secure_when_https_is_configured(app, client):
    _kiosk_id, path = enrol_link(app)
    response = redeem(client, path)
    assert "Secure" in response.headers["Set-Cookie"]


def test_enrolment_link_works_once(app, client):
    _kiosk_id, path = enrol_link(app)
    assert redeem(client, path).status_code == 303
    other = app.test_client()
    page = other.get(path)
    assert page.status_code == 404
    assert "cannot be used" in other.get(path + "?lang=en").get_data(as_text=True)
    assert other.get("/kiosk?lang=zh").status_code == 403


def test_forged_or_tampered_credential_is_refused(kiosk_client, app):
    value = _cookie(kiosk_client).value
    kiosk_client.set_cookie(COOKIE_NAME, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
                            path="/kiosk")
    assert kiosk_client.get("/kiosk?lang=zh").status_code == 403


def test_revoked_kiosk_is_refused_on_its_next_request(kiosk_client, app, login):
    admin_client = login("administrator", username="root", browser=app.test_client())
    assert kiosk_client.get("/kiosk?lang=en").status_code == 200
    page = admin_client.get("/staff/kiosks?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = admin_client.post(f"/staff/kiosks/{kiosk_client.kiosk_id}/revoke",
                                 data={"csrf_token": token})
    assert response.status_code == 303
    refused = kiosk_client.get("/kiosk?lang=en")
    assert refused.status_code == 403
    assert "This kiosk has been switched off" in refused.get_data(as_text=True)
    csrf = kiosk_client.get("/kiosk/csrf")
    assert csrf.status_code == 403 and csrf.get_json()["error"]["code"].startswith("kiosk_")
    assert send_json(kiosk_client, draft(), token="whatever").status_code in (400, 403)
    with app.app_context():
        assert db.session.query(Submission).count() == 0
        assert db.session.get(Kiosk, kiosk_client.kiosk_id).revoked_by == "user:root"


def test_send_creates_a_kiosk_submission_for_the_station(kiosk_client, app):
    response = send_json(kiosk_client, draft(name="王阿姨", phone="021 5555 1234", consent=True))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", body["code"])
    with app.app_context():
        row = db.session.query(Submission).one()
        assert row.channel == "kiosk" and row.station.slug == "service-station-1"
        assert row.area.code == "riverside" and row.place == "渔人码头 · 3号门"
        assert row.contact.name == "王阿姨" and row.contact.consent is True
        assert row.display_code == body["code"]
    receipt = kiosk_client.get(body["receipt_url"])
    html = receipt.get_data(as_text=True)
    assert receipt.status_code == 200 and body["code"] in html
    assert "<svg" in html and f"/track/{body['code'].replace('-', '')}" in html
    assert receipt.headers["Cache-Control"] == "no-store"
    assert "王阿姨" not in html and "021 5555 1234" not in html


def test_a_retry_with_the_same_draft_key_never_duplicates(kiosk_client, app):
    first = send_json(kiosk_client, draft())
    again = send_json(kiosk_client, draft())
    assert first.status_code == again.status_code == 201
    assert first.get_json()["code"] == again.get_json()["code"]
    other = send_json(kiosk_client, draft(draft_key="f" * 32))
    assert other.get_json()["code"] != first.get_json()["code"]
    with app.app_context():
        assert db.session.query(Submission).count() == 2


def test_two_kiosks_using_the_same_draft_key_do_not_collide(kiosk_client, app):
    _id, path = enrol_link(app, "service-station-4")
    second = app.test_client()
    redeem(second, path)
    a = send_json(kiosk_client, draft()).get_json()["code"]
    b = send_json(second, draft(area="dinghai-road", landmark="")).get_json()["code"]
    assert a != b


def test_invalid_draft_gets_field_messages_in_the_visit_language(kiosk_client, app):
    response = send_json(kiosk_client, draft(title="", body="x", lang="en"))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"title", "body"}
    for bad in ("kiosk:1:0123", "x" * 65, "", None):  # the one key policy's rules
        assert send_json(kiosk_client, draft(draft_key=bad)).status_code == 400
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_landmark_from_another_area_is_not_stored_as_one(kiosk_client, app):
    send_json(kiosk_client, draft(landmark="五角场", place=""))
    with app.app_context():
        assert db.session.query(Submission).one().place == ""


def test_send_without_csrf_token_is_refused(kiosk_client, app):
    response = kiosk_client.post("/kiosk/send", json=draft())
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_reset_drops_the_visit_and_clears_site_storage(kiosk_client):
    code = send_json(kiosk_client, draft()).get_json()["code"]
    assert code in kiosk_client.get("/kiosk/receipt?lang=zh").get_data(as_text=True)
    token = kiosk_client.get("/kiosk/csrf").get_json()["csrf_token"]
    response = kiosk_client.post("/kiosk/reset", headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert response.headers["Clear-Site-Data"] == '"storage"'
    after = kiosk_client.get("/kiosk/receipt?lang=zh")
    assert after.status_code == 302  # the receipt is gone with the visit


def test_kiosk_pages_are_never_stored_and_start_in_the_kiosk_language(app):
    _id, path = enrol_link(app, language="en")
    client = app.test_client()
    redeem(client, path)
    client.set_cookie("lang", "zh")  # someone used the public site on this device in Chinese
    start = client.get("/kiosk")
    assert start.headers["Location"].endswith("/kiosk?lang=en")
    page = client.get("/kiosk?lang=en")
    assert page.headers["Cache-Control"] == "no-store"
    assert "How can we help you?" in page.get_data(as_text=True)


@pytest.mark.parametrize("lang,text", [("zh", "您需要什么帮助？"), ("zh_Hant", "您需要什麼幫助？"),
                                       ("en", "How can we help you?")])
def test_flow_page_in_each_language(kiosk_client, lang, text):
    html = kiosk_client.get(f"/kiosk?lang={lang}").get_data(as_text=True)
    assert text in html
    for label in ("中文", "繁體", "English"):
        assert label in html
    assert 'autocomplete="off"' in html
    assert "<script>" not in html and " style=" not in html


def test_contact_fields_are_never_autocompleted(kiosk_client):
    html = kiosk_client.get("/kiosk?lang=en").get_data(as_text=True)
    for name in ("name", "phone", "email"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'autocomplete="off"' in tag


def test_rate_limit_key_is_the_device_not_the_address(kiosk_client, app):
    cookie = f"{COOKIE_NAME}={_cookie(kiosk_client).value}"
    with app.test_request_context("/kiosk/send", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                                  headers={"Cookie": cookie}):
        assert device_rate_limit_key() == f"kiosk:{kiosk_client.kiosk_id}"
    with app.test_request_context("/kiosk/send", environ_base={"REMOTE_ADDR": "10.0.0.9"}):
        assert device_rate_limit_key() == "ip:10.0.0.9"


def test_heartbeat_records_last_seen(kiosk_client, app):
    with app.app_context():
        kiosk = db.session.get(Kiosk, kiosk_client.kiosk_id)
        kiosk.last_seen_at = None
        db.session.commit()
    token = kiosk_client.get("/kiosk/csrf").get_json()["csrf_token"]
    assert kiosk_client.post("/kiosk/heartbeat", headers={"X-CSRFToken": token}).status_code == 204
    with app.app_context():
        assert db.session.get(Kiosk, kiosk_client.kiosk_id).last_seen_at is not None


def test_admin_page_enrols_and_shows_the_link_once(app, login):
    admin_client = login("administrator", username="root", browser=app.test_client())
    page = admin_client.get("/staff/kiosks?lang=en")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    response = admin_client.post("/staff/kiosks", data={
        "csrf_token": token, "station": "suggestion-station", "label": "hall",
        "language": "en", "paper_width": "58"})
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    path = ENROL_PATH.search(html).group(0)
    assert "<svg" in html
    again = admin_client.get("/staff/kiosks?lang=en").get_data(as_text=True)
    assert path not in again and "Link not used yet" in again
    device = app.test_client()
    assert redeem(device, path).status_code == 303
    with app.app_context():
        kiosk = db.session.query(Kiosk).one()
        assert (kiosk.station.slug, kiosk.label, kiosk.language, kiosk.paper_width) == (
            "suggestion-station", "hall", "en", 58)


@pytest.mark.parametrize("role", ["moderator", "viewer"])
def test_only_administrators_manage_kiosks(app, login, role):
    client = login(role, username="someone", browser=app.test_client())
    assert client.get("/staff/kiosks").status_code == 403
    assert app.test_client().get("/staff/kiosks").status_code == 302  # to the login page


def test_enroll_command_prints_a_working_one_time_url(app):
    result = app.test_cli_runner().invoke(args=["portal", "kiosk-enroll", "service-station-2",
                                                "--label", "door"])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[0]
    path = ENROL_PATH.search(url).group(0)
    assert url.startswith("http://localhost:8000/kiosk/enrol/")
    client = app.test_client()
    assert redeem(client, path).status_code == 303
    assert client.get("/kiosk?lang=zh").status_code == 200
    bad = app.test_cli_runner().invoke(args=["portal", "kiosk-enroll", "no-such-station"])
    assert bad.exit_code != 0 and "no-such-station" in bad.output


def test_expired_enrolment_link_is_refused(app):
    from datetime import timedelta

    from portal.kiosk.models import KioskEnrolment
    from portal.submissions.models import utcnow
    _id, path = enrol_link(app)
    with app.app_context():
        row = db.session.query(KioskEnrolment).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    client = app.test_client()
    assert client.get(path).status_code == 404
    assert _cookie(client) is None


def test_new_link_moves_the_kiosk_to_another_browser(kiosk_client, app, login):
    admin_client = login("administrator", username="root", browser=app.test_client())
    page = admin_client.get("/staff/kiosks?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = admin_client.post(f"/staff/kiosks/{kiosk_client.kiosk_id}/link",
                                 data={"csrf_token": token})
    assert response.status_code == 201
    path = ENROL_PATH.search(response.get_data(as_text=True)).group(0)
    assert kiosk_client.get("/kiosk?lang=zh").status_code == 200  # until the link is used
    replacement = app.test_client()
    assert redeem(replacement, path).status_code == 303
    assert replacement.get("/kiosk?lang=zh").status_code == 200
    assert kiosk_client.get("/kiosk?lang=zh").status_code == 403


def test_receipt_needs_this_visit(kiosk_client, app):
    """Another device (or a later visit) cannot open a receipt by guessing its way there."""
    send_json(kiosk_client, draft())
    _id, path = enrol_link(app, "service-station-2")
    other = app.test_client()
    redeem(other, path)
    assert other.get("/kiosk/receipt?lang=zh").status_code == 302


@pytest.mark.parametrize("lang,message", [
    ("en", "This form was already sent with different content. To send it as a new report, "
           "send it again."),
    ("zh", "此表单已以不同的内容提交过。如要作为一条新的反映提交，请再提交一次。")])
def test_a_draft_key_reused_for_other_content_is_a_conflict_that_shows_nothing(
        kiosk_client, app, lang, message):
    first = send_json(kiosk_client, draft(lang=lang)).get_json()["code"]
    # The next visitor, on a screen that kept the old draft key.
    token = kiosk_client.get("/kiosk/csrf").get_json()["csrf_token"]
    assert kiosk_client.post("/kiosk/reset", headers={"X-CSRFToken": token}).status_code == 204
    other = send_json(kiosk_client, draft(lang=lang, title="另一处路灯",
                                          body="另一处的路灯也坏了。"))
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_conflict"
    assert first not in other.get_data(as_text=True)
    # What the screen shows for it (kiosk.js then sends the draft under a fresh key).
    page = kiosk_client.get(f"/kiosk?lang={lang}").get_data(as_text=True)
    assert f'data-conflict="{message}"' in page
    # The receipt page has nothing to show this visit.
    assert kiosk_client.get(f"/kiosk/receipt?lang={lang}").status_code == 302
    with app.app_context():
        assert db.session.query(Submission).count() == 1
