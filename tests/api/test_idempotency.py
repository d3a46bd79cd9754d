"""Idempotency-Key on the JSON API and Open311: scoped to the client, checked, never cut."""
import threading

import pytest

from portal.api.services import issue_api_key
from portal.extensions import db
from tests.api.helpers import NOTHING, VALID, stored

URL = "/api/v1/submissions"
OPEN311 = "/open311/v2/requests.json"
POST = {"service_code": "litter", "lat": "31.2541", "long": "121.5112",
        "description": "Bins overflow every weekend near the ferry pier.",
        "attribute[area]": "riverside", "first_name": "Li", "phone": "021 5555 1234"}
RULE = {"en": "The idempotency key must be 1 to 64 characters long and use only letters A–Z "
              "and a–z, digits, “-”, “_” and “.”.",
        "zh": "幂等键（Idempotency-Key）须为 1 至 64 个字符，"
              "且只能使用英文字母 A–Z 和 a–z、数字以及"
              "“-”“_”“.”。"}
CONFLICT = {"en": "This Idempotency-Key was already used for a different submission.",
            "zh": "此 Idempotency-Key 已用于另一条不同的提交。"}
BAD_KEYS = ["k" * 65, "api:anonymous:retry", "with space", "键", "tab\tkey"]


@pytest.fixture
def two_keys(app):
    """Two partner systems' API key secrets."""
    with app.app_context():
        secrets = [issue_api_key(name, created_by="test")[1] for name in ("A", "B")]
        db.session.commit()
    return secrets


def _post(client, body, key, api_key=None, lang="en"):
    headers = {"Idempotency-Key": key, **({"X-API-Key": api_key} if api_key else {})}
    return client.post(f"{URL}?lang={lang}", json=body, headers=headers)


def test_client_b_replaying_client_as_key_gets_its_own_submission(client, app, two_keys):
    a, b = two_keys
    first = _post(client, VALID, "order-77", a)
    replay = _post(client, VALID, "order-77", b)
    assert first.status_code == replay.status_code == 201
    assert "Idempotent-Replayed" not in replay.headers
    assert replay.get_json()["code"] != first.get_json()["code"]
    assert stored(app)[0] == 2


def test_a_key_used_by_one_client_blocks_no_other_client(client, app, two_keys):
    a, b = two_keys
    first = _post(client, VALID, "order-76", a)
    other = _post(client, {**VALID, "title": "Another lamp"}, "order-76", b)
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers
    assert other.get_json()["code"] != first.get_json()["code"]


def test_a_clients_retry_returns_its_own_submission(client, app, two_keys):
    a, _b = two_keys
    first = _post(client, VALID, "order-78", a)
    again = _post(client, VALID, "order-78", a)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["code"] == first.get_json()["code"]
    assert stored(app)[0] == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_clients_key_with_another_body_is_a_conflict_that_reveals_nothing(client, app,
                                                                            two_keys, lang):
    a, _b = two_keys
    code = _post(client, VALID, "order-79", a).get_json()["code"]
    other = _post(client, {**VALID, "title": "Something else"}, "order-79", a, lang=lang)
    assert other.status_code == 422
    assert other.get_json()["error"] == {"code": "idempotency_conflict",
                                         "message": CONFLICT[lang], "fields": {}}
    assert code not in other.get_data(as_text=True) and "Location" not in other.headers
    assert stored(app)[0] == 1


def test_anonymous_clients_cannot_replay_each_others_keys(client, app):
    """Without an API key the key is scoped by the body: another body is another scope."""
    first = _post(client, {**VALID, "contact": {"phone": "13812345678"}}, "3f2a-001")
    guess = _post(app.test_client(), VALID, "3f2a-001")
    assert first.status_code == guess.status_code == 201
    assert "Idempotent-Replayed" not in guess.headers
    assert guess.get_json()["code"] != first.get_json()["code"]
    assert "13812345678" not in guess.get_data(as_text=True)
    assert stored(app)[0] == 2


def test_an_anonymous_retry_of_the_same_body_is_still_idempotent(client, app):
    first = _post(client, VALID, "3f2a-002")
    again = _post(client, VALID, "3f2a-002")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["code"] == first.get_json()["code"]
    assert stored(app)[0] == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused_with_a_clear_message(client, app, key, lang):
    response = client.post(f"{URL}?lang={lang}", json=VALID,
                           headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_header" and error["message"] == RULE[lang]
    assert stored(app) == NOTHING


def test_a_64_character_key_is_accepted_and_kept_whole(client, app):
    key = "k" * 63 + "z"
    assert _post(client, VALID, key).status_code == 201
    # Had it been cut, the same key one character shorter would replay it.
    shorter = _post(client, VALID, key[:-1])
    assert "Idempotent-Replayed" not in shorter.headers
    assert stored(app)[0] == 2


def test_two_concurrent_identical_requests_make_one_submission(app, two_keys):
    a, _b = two_keys
    barrier, results = threading.Barrier(2), []

    def send():
        client = app.test_client()
        barrier.wait()
        results.append(_post(client, VALID, "race-1", a))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201, 201]
    assert len({r.get_json()["code"] for r in results}) == 1
    assert stored(app)[0] == 1


def _open311(client, secret, key, lang="en", **changes):
    return client.post(f"{OPEN311}?locale={lang}", data={**POST, "api_key": secret, **changes},
                       headers={"Idempotency-Key": key})


def test_open311_client_b_replaying_client_as_key_gets_its_own_request(client, app, two_keys):
    a, b = two_keys
    first = _open311(client, a, "311-1")
    replay = _open311(client, b, "311-1")
    assert first.status_code == replay.status_code == 201
    assert replay.get_json()[0]["service_request_id"] != first.get_json()[0][
        "service_request_id"]
    assert stored(app)[0] == 2


def test_open311_retry_is_idempotent_and_a_conflict_reveals_nothing(client, app, two_keys):
    a, _b = two_keys
    first = _open311(client, a, "311-2")
    again = _open311(client, a, "311-2")
    code = first.get_json()[0]["service_request_id"]
    assert again.status_code == 201 and again.get_json()[0]["service_request_id"] == code
    for lang in ("en", "zh"):
        other = _open311(client, a, "311-2", lang=lang, description="Something else again.")
        assert other.status_code == 409
        assert other.get_json() == [{"code": 409, "description": CONFLICT[lang]}]
    assert stored(app)[0] == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_open311_bad_keys_are_refused_not_truncated(client, app, two_keys, lang):
    a, _b = two_keys
    for key in ("k" * 81, "open311:1:311-3"):
        response = _open311(client, a, key, lang=lang)
        assert response.status_code == 400
        assert response.get_json() == [{"code": 400,
                                         "description": f"Idempotency-Key: {RULE[lang]}"}]
    assert stored(app) == NOTHING
