"""A kiosk's JSON endpoints answer hostile JSON in JSON: ids no id column holds, bad CSRF."""
from portal.extensions import db
from portal.submissions.models import Submission
from tests.kiosk.helpers import draft


def test_support_with_an_id_no_id_column_holds_is_a_json_400(kiosk_client):
    token = kiosk_client.get("/kiosk/csrf").get_json()["csrf_token"]
    for value in (99999999999999999999, 2 ** 63, 2 ** 31, -(2 ** 63) - 1):
        response = kiosk_client.post("/kiosk/support", json={"submission": value, "lang": "en"},
                                     headers={"X-CSRFToken": token})
        assert response.status_code == 400, value
        assert response.get_json()["error"]["code"] == "bad_request"


def test_a_failed_csrf_check_answers_a_json_client_in_json(kiosk_client, app):
    response = kiosk_client.post("/kiosk/send?lang=en", json=draft(),
                                 headers={"X-CSRFToken": "stale", "Accept": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "csrf" and "reload the page" in error["message"]
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_a_browser_posting_a_form_still_gets_the_page(app):
    browser = app.test_client()
    response = browser.post("/staff/login", data={"username": "x"},
                            headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 400 and response.mimetype == "text/html"
