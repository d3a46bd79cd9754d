"""POST /api/v1/submissions and GET /api/v1/submissions/{code}: create, replay, track."""
import pytest

from portal.extensions import db
from portal.submissions.models import Submission
from portal.submissions.services import add_official_reply, change_status, find_by_code
from tests.api.helpers import NOTHING, VALID, stored


def test_anonymous_submission_is_created_through_the_one_service(client, app):
    response = client.post("/api/v1/submissions", json={
        **VALID, "place": "Gate 3", "lat": 31.25, "lon": 121.52, "station": "service-station-1",
        "contact": {"name": "Li", "email": "li@example.org"}, "consent": True,
        "language": "en"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "received" and len(body["code"]) == 10
    assert body["tracking_url"].endswith(f"/track/{body['code']}")
    assert response.headers["Location"].endswith(f"/api/v1/submissions/{body['code']}")
    with app.app_context():
        submission = find_by_code(body["code"])
        assert submission.channel == "api" and submission.language == "en"
        assert submission.station.slug == "service-station-1" and submission.latitude == 31.25
        assert submission.contact.email == "li@example.org" and submission.contact.consent
        assert db.session.query(Submission).count() == 1
    # The tracking page a person opens from tracking_url shows it.
    page = client.get(f"/track/{body['code']}?lang=en")
    assert page.status_code == 200 and "Street light out near the ferry" in page.get_data(
        as_text=True)


def test_submission_with_an_api_key_is_accepted(client, api_key):
    response = client.post("/api/v1/submissions", json=VALID, headers={"X-API-Key": api_key})
    assert response.status_code == 201


@pytest.mark.parametrize("lang,message", [("en", "This API key is not valid or was revoked."),
                                          ("zh", "此 API 密钥无效或已被撤销。")])
def test_an_invalid_api_key_is_refused_not_ignored(client, app, lang, message):
    response = client.post(f"/api/v1/submissions?lang={lang}", json=VALID,
                           headers={"X-API-Key": "pk_not-a-real-key"})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == message
    assert stored(app) == NOTHING


def test_same_idempotency_key_and_body_return_the_same_submission(client, app):
    headers = {"Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/submissions", json=VALID, headers=headers)
    again = client.post("/api/v1/submissions", json=VALID, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["code"] == again.get_json()["code"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert stored(app)[0] == 1


@pytest.mark.parametrize("lang,message", [
    ("en", "This Idempotency-Key was already used for a different submission."),
    ("zh", "此 Idempotency-Key 已用于另一条不同的提交。")])
def test_same_idempotency_key_with_another_body_is_422(client, app, api_key, lang, message):
    headers = {"Idempotency-Key": "retry-2", "X-API-Key": api_key}
    assert client.post("/api/v1/submissions", json=VALID, headers=headers).status_code == 201
    other = client.post(f"/api/v1/submissions?lang={lang}",
                        json={**VALID, "title": "Something else"}, headers=headers)
    assert other.status_code == 422
    error = other.get_json()["error"]
    assert error["code"] == "idempotency_conflict" and error["message"] == message
    assert stored(app)[0] == 1


def test_idempotency_keys_of_different_clients_do_not_collide(client, app, api_key):
    headers = {"Idempotency-Key": "same"}
    anonymous = client.post("/api/v1/submissions", json=VALID, headers=headers)
    keyed = client.post("/api/v1/submissions", json={**VALID, "title": "Another lamp"},
                        headers={**headers, "X-API-Key": api_key})
    assert anonymous.status_code == keyed.status_code == 201
    assert anonymous.get_json()["code"] != keyed.get_json()["code"]


@pytest.mark.parametrize("lang,fields", [
    ("en", {"title": "This field is required.", "area": "Choose an area from the list.",
            "contact.email": "Please enter a valid e-mail address.",
            "lat": "These coordinates are not on the map."}),
    ("zh", {"title": "此项必填。", "area": "请从列表中选择区域。",
            "contact.email": "请填写有效的电子邮箱地址。", "lat": "这组坐标不在地图范围内。"}),
])
def test_validation_errors_name_each_field_in_the_requested_language(client, app, lang, fields):
    response = client.post("/api/v1/submissions", json={
        **VALID, "title": "  ", "area": "atlantis", "contact": {"email": "nope"},
        "lat": 95, "lon": 121.5}, headers={"Accept-Language": lang})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == ("Some of what you sent is not valid." if lang == "en"
                                else "提交的部分内容无效。")
    for name, message in fields.items():
        assert error["fields"][name] == message
    assert stored(app) == NOTHING


def test_tracking_shows_status_and_public_timeline_only(client, app, make_submission):
    with app.app_context():
        submission = make_submission(commit=False)
        change_status(submission, "accepted", actor="user:mod", note="internal remark")
        change_status(submission, "held", actor="user:mod", note="secret", public=False)
        change_status(submission, "accepted", actor="user:mod")
        add_official_reply(submission, actor="user:mod", text="已安排维修。",
                           text_en="Repair is scheduled.")
        db.session.commit()
        code = submission.code
    en = client.get(f"/api/v1/submissions/{code.lower()}?lang=en").get_json()
    assert en["status"] == "accepted" and en["status_label"] == "Accepted"
    statuses = [entry["status"] for entry in en["timeline"]]
    assert statuses == ["received", "accepted", "accepted", "accepted"]  # no "held" entry
    assert en["timeline"][-1] == {**en["timeline"][-1], "kind": "reply",
                                  "note": "Repair is scheduled."}
    assert "internal remark" not in str(en) and "secret" not in str(en)
    assert en["category"] == {"code": "street-lighting", "name": "Street lighting"}
    zh = app.test_client().get(f"/api/v1/submissions/{code[:5]}-{code[5:]}",
                    headers={"Accept-Language": "zh-CN"}).get_json()
    assert zh["status_label"] == "已受理" and zh["timeline"][-1]["note"] == "已安排维修。"
    hant = client.get(f"/api/v1/submissions/{code}?lang=zh_Hant").get_json()
    assert hant["category"]["name"] == "路燈照明"
    assert en["created_at"].endswith("+08:00")


@pytest.mark.parametrize("lang,message", [
    ("en", "No submission has this tracking code. Check it and try again."),
    ("zh", "没有找到该查询码对应的记录，请核对后重试。")])
def test_unknown_tracking_code_is_404_in_the_requested_language(client, lang, message):
    response = client.get(f"/api/v1/submissions/ZZZZZZZZZZ?lang={lang}")
    assert response.status_code == 404
    assert response.get_json()["error"] == {"code": "not_found", "message": message,
                                            "fields": {}}


def test_wrong_method_is_a_json_405(client):
    response = client.get("/api/v1/submissions")
    assert response.status_code == 405 and "error" in response.get_json()
