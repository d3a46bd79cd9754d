"""Idempotency keys: a retry returns its own submission, and never anyone else's."""
import re
from types import SimpleNamespace

import pytest

from portal.api.services import issue_api_key
from portal.extensions import db
from portal.submissions.idempotency import (
    KEY_MAX,
    IdempotencyConflict,
    api_key_scope,
    kiosk_key,
    open311_key,
    web_key,
)
from portal.submissions.models import Submission
from tests.helpers import VALID_FORM, csrf_token

KEY_FIELD = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')
PERSONAL = {"name": "Wang Fang", "phone": "13812345678"}
API_BODY = {"kind": "issue", "category": "street-lighting", "area": "riverside",
            "title": "Lamp out at Lane 5", "body": "Flat 301, Lane 5: the stair lamp is dark.",
            "contact": {"name": "Wang Fang", "phone": "13812345678"}, "consent": True}


def _form(client, lang="en"):
    html = client.get(f"/submit?lang={lang}").get_data(as_text=True)
    return {**VALID_FORM, "csrf_token": csrf_token(html),
            "idempotency_key": KEY_FIELD.search(html).group(1)}


def _count(app):
    with app.app_context():
        return db.session.query(Submission).count()


def test_double_submit_of_the_same_form_creates_one_submission(client, app):
    data = _form(client)
    first = client.post("/submit", data=data)
    second = client.post("/submit", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == 1


def test_same_key_with_other_content_is_a_conflict(app_ctx, make_submission):
    make_submission(idempotency_key=web_key("k-1", "session-a"))
    with pytest.raises(IdempotencyConflict):
        make_submission(idempotency_key=web_key("k-1", "session-a"),
                        title="Something else entirely")
    db.session.rollback()
    assert db.session.query(Submission).count() == 1


def test_same_key_same_content_returns_the_first(app_ctx, make_submission):
    first = make_submission(idempotency_key=web_key("k-2", "session-a"))
    again = make_submission(idempotency_key=web_key("k-2", "session-a"))
    assert first.id == again.id


def test_the_same_key_in_another_session_is_another_submission(app_ctx, make_submission):
    first = make_submission(idempotency_key=web_key("k-3", "session-a"))
    other = make_submission(idempotency_key=web_key("k-3", "session-b"))
    assert first.id != other.id


def test_a_raw_string_is_not_a_key(app_ctx, make_submission):
    """Only the policy builds a stored key, so no caller can write a scope by hand."""
    with pytest.raises(TypeError):
        make_submission(idempotency_key="api:anonymous:3f2a-001")


def _api_submission(app, client, key="3f2a-001", api_key=None):
    headers = {"Idempotency-Key": key, **({"X-API-Key": api_key} if api_key else {})}
    response = client.post("/api/v1/submissions?lang=en", json=API_BODY, headers=headers)
    assert response.status_code == 201
    return response.get_json()


def _open311_submission(client, secret, key="3f2a-001"):
    response = client.post("/open311/v2/requests.json", headers={"Idempotency-Key": key}, data={
        "api_key": secret, "service_code": "litter", "address_string": "Lane 5, flat 301",
        "description": "Bins overflow every weekend near flat 301.",
        "attribute[area]": "riverside", "first_name": "Wang", "phone": "13812345678"})
    assert response.status_code == 201
    return response.get_json()[0]["service_request_id"]


def _assert_nothing_revealed(response, code):
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Location" not in response.headers
    assert code not in body and f"{code[:5]}-{code[5:]}" not in body
    assert "13812345678" not in body and "Wang Fang" not in body


@pytest.fixture
def partner(app):
    """A partner system's API key: (id, secret)."""
    with app.app_context():
        key, secret = issue_api_key("Partner", created_by="test")
        db.session.commit()
        return key.id, secret


def test_web_form_cannot_name_an_anonymous_api_submission(client, app):
    """The attack as reported: a web post naming the API's stored key."""
    api = _api_submission(app, app.test_client())
    with app.app_context():
        stored_key = db.session.query(Submission).one().idempotency_key
    attacker = app.test_client()
    for value in ("api:anonymous:3f2a-001", stored_key):
        response = attacker.post("/submit?lang=en",
                                 data={**_form(attacker), "idempotency_key": value})
        _assert_nothing_revealed(response, api["code"])
        assert "The idempotency key must be 1 to 64 characters" in response.get_data(
            as_text=True)
    assert _count(app) == 1


def test_web_form_cannot_name_or_block_a_partners_keys(client, app, partner):
    partner_id, secret = partner
    partner_client = app.test_client()
    api = _api_submission(app, partner_client, api_key=secret)
    request_id = _open311_submission(partner_client, secret)
    attacker = app.test_client()
    for value, code in ((f"api:{partner_id}:3f2a-001", api["code"]),
                        (f"open311:{partner_id}:3f2a-001", request_id),
                        (f"api:{partner_id}:3f2a-002", api["code"]),
                        (f"open311:{partner_id}:3f2a-002", request_id)):
        response = attacker.post("/submit?lang=en",
                                 data={**_form(attacker), "idempotency_key": value})
        _assert_nothing_revealed(response, code)
    # A web post with the partner's next raw key is the attacker's own, in its own scope...
    planted = attacker.post("/submit", data={**_form(attacker), "idempotency_key": "3f2a-002"})
    assert planted.status_code == 303
    assert _count(app) == 3
    # ...and the partner's later keys still make new submissions of its own.
    later = partner_client.post("/api/v1/submissions", json={**API_BODY, "title": "Another"},
                                headers={"Idempotency-Key": "3f2a-002", "X-API-Key": secret})
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert later.get_json()["code"] not in planted.headers["Location"]
    assert _open311_submission(partner_client, secret, key="3f2a-002") != request_id
    assert _count(app) == 5


def test_another_browsers_key_makes_a_new_submission_not_a_redirect(client, app):
    data = _form(client)
    first = client.post("/submit", data=data)
    other = app.test_client()
    copied = other.post("/submit", data={**_form(other), "idempotency_key": data[
        "idempotency_key"]})
    assert first.status_code == copied.status_code == 303
    assert first.headers["Location"] != copied.headers["Location"]
    assert _count(app) == 2


@pytest.mark.parametrize("lang,message", [
    ("en", "This form was already sent with different content. To send it as a new report, "
           "send it again."),
    ("zh", "此表单已以不同的内容提交过。如要作为一条新的反映提交，请再提交一次。")])
def test_same_session_other_content_is_a_conflict_that_reveals_nothing(client, app, lang,
                                                                       message):
    data = _form(client, lang)
    first = client.post(f"/submit?lang={lang}", data=data)
    code = first.headers["Location"].rsplit("/", 1)[1]
    edited = client.post(f"/submit?lang={lang}", data={**data, "title": "Another lamp is out"})
    html = edited.get_data(as_text=True)
    assert edited.status_code == 409 and "Location" not in edited.headers
    assert message in html and code not in html
    # The form shown again carries a new key: sending it makes a new submission.
    renewed = KEY_FIELD.search(html).group(1)
    assert renewed != data["idempotency_key"]
    again = client.post(f"/submit?lang={lang}", data={**data, "title": "Another lamp is out",
                                                       "idempotency_key": renewed})
    assert again.status_code == 303 and again.headers["Location"] != first.headers["Location"]
    assert _count(app) == 2


@pytest.mark.parametrize("lang,message", [
    ("en", "The idempotency key must be 1 to 64 characters long and use only letters A–Z and "
           "a–z, digits, “-”, “_” and “.”."),
    ("zh", "幂等键（Idempotency-Key）须为 1 至 64 个字符，"
              "且只能使用英文字母 A–Z 和 a–z、数字以及"
           "“-”“_”“.”。")])
@pytest.mark.parametrize("value", ["k" * 65, "with space", "键", "a:b", "a/b"])
def test_bad_keys_are_refused_with_a_clear_message_not_truncated(client, app, lang, message,
                                                                 value):
    response = client.post(f"/submit?lang={lang}",
                           data={**_form(client, lang), "idempotency_key": value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app) == 0


def test_a_key_of_the_longest_length_is_kept_whole(client, app):
    key = "k" * 63 + "z"
    response = client.post("/submit", data={**_form(client), "idempotency_key": key})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.query(Submission).one().idempotency_key.endswith(":" + key)


def test_the_longest_key_of_every_channel_fits_the_column(app_ctx):
    """PostgreSQL enforces the column's length: a 64-character key must fit in every scope."""
    key, client = "k" * KEY_MAX, SimpleNamespace(id=2**63 - 1)
    stored_keys = [web_key(key, "s" * 40), api_key_scope(key, client, {}),
                   api_key_scope(key, None, {"title": "x"}), open311_key(key, client),
                   kiosk_key(key, client)]
    limit = Submission.__table__.c.idempotency_key.type.length
    assert all(len(k.stored) <= limit for k in stored_keys), [len(k.stored) for k in stored_keys]
