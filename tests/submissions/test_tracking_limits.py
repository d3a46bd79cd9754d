"""Tracking codes cannot be checked in bulk: one limit per address over every lookup route,
Open311 id lists capped, failed lookups counted for administrators."""
import pytest

from portal.extensions import db
from portal.submissions.models import TrackingMiss

LIMITED = {"PORTAL_RATE_LIMITS": "on"}  # the shipped default: 30 per minute, 300 per hour
UNKNOWN = [f"ZZZZZ{n:05d}" for n in range(200)]  # well-formed codes nobody holds


@pytest.fixture
def app_config():
    return dict(LIMITED)


@pytest.fixture
def code(app, make_submission):
    with app.app_context():
        return make_submission(title="楼道灯坏了",
                               body="3号楼楼道灯坏了，我家电话 13812345678。").code


def _from(client, address):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _first_refusal(statuses):
    return statuses.index(429) if 429 in statuses else None


@pytest.mark.parametrize("route", [
    "/track?code={code}", "/track/{code}", "/thanks/{code}", "/api/v1/submissions/{code}",
    "/open311/v2/requests/{code}.json", "/open311/v2/tokens/{code}.json",
    "/open311/v2/requests.json?service_request_id={code}"])
def test_120_lookups_of_a_real_code_from_one_address_draw_429(client, code, route):
    _from(client, "192.0.2.20")
    statuses = [client.get(route.format(code=code)).status_code for _ in range(120)]
    assert _first_refusal(statuses) == 30, statuses  # the 31st, whichever the route
    assert statuses[:30] == [statuses[0]] * 30 and statuses[0] in (200, 302)
    # Another address is not affected.
    assert _from(client, "192.0.2.21").get(route.format(code=code)).status_code != 429


def test_the_cached_tracking_page_is_limited_too(app, client, code):
    _from(client, "192.0.2.22")
    first = client.get(f"/track/{code}")
    assert first.status_code == 200
    # The page is served from the cache (same body, rendered once), and still counted.
    bodies = {client.get(f"/track/{code}").get_data() for _ in range(29)}
    assert bodies == {first.get_data()}
    assert client.get(f"/track/{code}").status_code == 429


def test_one_budget_is_shared_by_page_api_and_open311(client, code):
    _from(client, "192.0.2.23")
    for route in ("/track/{code}", "/api/v1/submissions/{code}",
                  "/open311/v2/requests/{code}.json") * 10:
        assert client.get(route.format(code=code)).status_code == 200
    assert client.get(f"/api/v1/submissions/{code}").status_code == 429


@pytest.mark.parametrize("lang,message", [("zh", "请求过于频繁"), ("en", "too many requests")])
def test_the_refusal_says_why_in_the_visitors_language(client, code, lang, message):
    _from(client, "192.0.2.24")
    for _ in range(30):
        client.get(f"/track/{code}?lang={lang}")
    response = client.get(f"/track/{code}?lang={lang}")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert message in response.get_data(as_text=True)
    api = client.get(f"/api/v1/submissions/{code}?lang={lang}")
    assert api.get_json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_refusal_is_its_error_list(client, code, fmt):
    _from(client, "192.0.2.25")
    for _ in range(30):
        client.get(f"/open311/v2/requests/{code}.{fmt}")
    response = client.get(f"/open311/v2/requests/{code}.{fmt}?locale=en")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    if fmt == "json":
        [error] = response.get_json()
        assert error["code"] == 429 and "too many requests" in error["description"].lower()
    else:
        assert b"<errors>" in response.data and b"<code>429</code>" in response.data


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_eleven_ids_in_one_open311_query_are_refused(app, client, code, fmt):
    ids = ",".join([code] + UNKNOWN[:10])
    response = client.get(f"/open311/v2/requests.{fmt}?service_request_id={ids}")
    assert response.status_code == 400
    if fmt == "json":
        [error] = response.get_json()
        assert error["code"] == 400 and "10" in error["description"]
    else:
        assert b"<errors>" in response.data and b"<code>400</code>" in response.data
    assert code not in response.get_data(as_text=True)


def test_each_id_of_a_list_counts_against_the_limit(client, code):
    _from(client, "192.0.2.26")
    ids = ",".join([code] + UNKNOWN[:9])
    statuses = [client.get(f"/open311/v2/requests.json?service_request_id={ids}").status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # 10 codes each: the fourth would be 31 to 40
    # Listing published requests (no ids) is not a lookup by code.
    assert client.get("/open311/v2/requests.json").status_code == 200


def _misses(app):
    with app.app_context():
        return db.session.query(db.func.sum(TrackingMiss.count)).scalar() or 0


def test_failed_lookups_are_counted_per_address_and_hour(app, client, code):
    _from(client, "192.0.2.27")
    assert client.get("/track?code=ZZZZZ00001").status_code == 404
    assert client.get("/track/ZZZZZ00002").status_code == 404
    assert client.get("/thanks/ZZZZZ00002").status_code == 404
    assert client.get("/api/v1/submissions/ZZZZZ00003").status_code == 404
    assert client.get("/open311/v2/requests/ZZZZZ00004.json").status_code == 404
    ids = f"{code},ZZZZZ00005,ZZZZZ00006"
    assert client.get(f"/open311/v2/requests.json?service_request_id={ids}").status_code == 200
    assert _misses(app) == 7
    # Hits are not misses.
    client.get(f"/track/{code}")
    client.get(f"/api/v1/submissions/{code}")
    assert _misses(app) == 7
    with app.app_context():
        [row] = db.session.query(TrackingMiss).all()
        assert row.count == 7 and "192.0.2.27" not in row.address_hash
