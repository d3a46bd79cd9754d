"""Open311 and the JSON API with values the probe sent: dates past either end, Unicode digits,
numbers Python reads but people do not write ("3_1"), invisible titles. A 4xx that says why."""
import pytest

from tests.api.helpers import NOTHING, VALID, stored
from tests.api.test_open311 import POST


@pytest.mark.parametrize("query", ["start_date=0001-01-01T00:00:00",
                                   "end_date=9999-12-31T23:59:59-14:00",
                                   "start_date=0001-01-01", "end_date=9999-12-31T23:59:59"])
def test_open311_dates_out_of_range_are_400(client, query):
    response = client.get(f"/open311/v2/requests.json?{query}&locale=en")
    assert response.status_code == 400
    [error] = response.get_json()
    assert error["code"] == 400 and "between 1900-01-01 and 9000-12-31" in error["description"]


@pytest.mark.parametrize("request_id", ["%E2%91%A0", "%D9%A3", "%EF%BC%91", "2147483648",
                                        "99999999999"])
def test_open311_unknown_and_impossible_ids_are_not_found(client, request_id):
    response = client.get(f"/open311/v2/requests/{request_id}.json")
    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404
    listed = client.get(f"/open311/v2/requests.json?service_request_id={request_id}")
    assert listed.status_code == 200 and listed.get_json() == []


@pytest.mark.parametrize("lat", ["3_1", "٣١", "３１", "nan", "inf", "1e400", "0x1f"])
def test_open311_coordinates_are_plain_ascii_numbers(client, app, api_key, lat):
    response = client.post("/open311/v2/requests.json?locale=en",
                           data={**POST, "lat": lat, "api_key": api_key})
    assert response.status_code == 400
    assert any("lat" in e["description"] for e in response.get_json())
    assert stored(app) == NOTHING


def test_open311_plain_coordinates_still_work(client, api_key):
    response = client.post("/open311/v2/requests.json",
                           data={**POST, "lat": "+31.25e0", "long": "121.5", "api_key": api_key})
    assert response.status_code == 201


@pytest.mark.parametrize("lat", [10 ** 400, "31.2", "3_1"])
def test_api_coordinates_past_a_float_or_as_text_are_422(client, app, lat):
    response = client.post("/api/v1/submissions", json={**VALID, "lat": lat, "lon": 121.5})
    assert response.status_code == 422, response.get_json()
    assert "lat" in response.get_json()["error"]["fields"]
    assert stored(app) == NOTHING


@pytest.mark.parametrize("title", ["\u200b\u200b\u200b\u200b", "\u2060\ufeff\u200d\u200c",
                                   "\u3164\u3164\u3164", "\u00ad\u200b \u200b\u00ad"])
def test_an_invisible_title_is_no_title(client, app, title):
    response = client.post("/api/v1/submissions?lang=en", json={**VALID, "title": title})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["title"] == "This field is required."
    assert stored(app) == NOTHING


def test_invisible_characters_do_not_count_towards_the_minimum(client, app):
    response = client.post("/api/v1/submissions?lang=en",
                           json={**VALID, "title": "灯\u200b\u200b\u200b"})
    assert response.status_code == 422
    assert "at least 2" in response.get_json()["error"]["fields"]["title"]


def test_open311_address_of_zero_width_characters_is_no_location(client, app, api_key):
    data = {k: v for k, v in POST.items() if k not in ("lat", "long")}
    response = client.post("/open311/v2/requests.json?locale=en",
                           data={**data, "address_string": "\u200b\u200b", "api_key": api_key})
    assert response.status_code == 400
    assert "A location is required" in response.get_data(as_text=True)
