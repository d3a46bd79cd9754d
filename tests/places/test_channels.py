"""The point decides the area in every channel; points outside are refused in each one's shape."""
import json

import pytest

from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.forwarding.relay import consume_changes
from portal.places.services import load_boundaries
from portal.submissions.models import Submission
from portal.submissions.services import change_status, find_by_code
from tests.api.helpers import VALID
from tests.places.helpers import IN_RIVERSIDE_AND_DINGHAI, OUTSIDE_LAYOUT, collection, fake_features

LAT, LON = IN_RIVERSIDE_AND_DINGHAI


@pytest.fixture
def loaded(app):
    """The fake test layout, loaded for requests made by the test client (their own locale)."""
    with app.app_context():
        load_boundaries(collection(fake_features()), actor="test")
        db.session.commit()


def test_api_without_an_area_gets_the_points_area(client, app, loaded):
    body = {k: v for k, v in VALID.items() if k != "area"}
    response = client.post("/api/v1/submissions?lang=en", json={**body, "lat": LAT, "lon": LON})
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    data = client.get(f"/api/v1/submissions/{code}?lang=en").get_json()
    with app.app_context():
        assert find_by_code(code).area.code == "riverside"
    assert data.get("lat", LAT) == LAT  # WGS-84 as sent


@pytest.mark.parametrize("lang, message", [
    ("en", "This point is outside Yangpu district."), ("zh", "该位置在杨浦区以外。")])
def test_api_refuses_a_point_outside_the_district(client, app, loaded, lang, message):
    lat, lon = OUTSIDE_LAYOUT
    response = client.post(f"/api/v1/submissions?lang={lang}",
                           json={**VALID, "lat": lat, "lon": lon})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["lat"].startswith(message)
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_api_without_area_or_point_names_the_area_field(client, loaded):
    body = {k: v for k, v in VALID.items() if k != "area"}
    response = client.post("/api/v1/submissions?lang=en", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"area": "Choose an area from the list."}


def test_open311_refuses_a_point_outside_with_its_error_list(client, app, loaded, api_key):
    lat, lon = OUTSIDE_LAYOUT
    response = client.post("/open311/v2/requests.json?locale=en", data={
        "service_code": "litter", "lat": str(lat), "long": str(lon), "api_key": api_key,
        "description": "Bins overflow every weekend near the ferry pier."})
    assert response.status_code == 400
    errors = json.loads(response.data)
    assert errors[0]["description"].startswith("lat: This point is outside Yangpu district.")


def test_open311_point_decides_the_area(client, app, loaded, api_key):
    response = client.post("/open311/v2/requests.json?locale=en", data={
        "service_code": "litter", "lat": str(LAT), "long": str(LON), "api_key": api_key,
        "description": "Bins overflow every weekend near the ferry pier."})
    assert response.status_code in (200, 201), response.data
    with app.app_context():
        submission = db.session.execute(db.select(Submission)).scalar_one()
        assert submission.area.code == "riverside" and submission.latitude == LAT


def test_the_payload_carries_the_point_and_the_area_decided(app_ctx, fake_boundaries,
                                                            make_submission, incident_schema):
    submission = make_submission(area_code="dinghai-road", latitude=LAT, longitude=LON)
    change_status(submission, "accepted", actor="user:moderator")
    db.session.commit()
    consume_changes()
    db.session.commit()
    payload = db.session.execute(db.select(Delivery)).scalar_one().payload
    incident_schema.validate(payload)
    assert payload["location"]["latitude"] == LAT and payload["location"]["longitude"] == LON
    assert payload["location"]["area"]["code"] == "riverside"
    assert payload["area"]["code"] == "dinghai-road"  # as the resident chose
    assert payload["routing"]["area"]["code"] == "riverside"
    assert payload["routing"]["rule"] == "riverside-grid"


def test_web_form_without_javascript_the_point_decides_the_area(client, app, loaded):
    from tests.helpers import VALID_FORM, submit_form

    page = client.get("/submit?kind=issue&lang=en").get_data(as_text=True)
    assert 'id="location-picker" hidden' in page and 'id="latitude"' in page
    response = submit_form(client, "/submit?kind=issue", {
        **VALID_FORM, "area": "", "latitude": str(LAT), "longitude": str(LON)}, lang="en")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(Submission)).scalar_one().area.code == "riverside"


def test_web_form_refuses_a_point_outside(client, app, loaded):
    from tests.helpers import VALID_FORM, submit_form

    lat, lon = OUTSIDE_LAYOUT
    response = submit_form(client, "/submit?kind=issue", {
        **VALID_FORM, "latitude": str(lat), "longitude": str(lon)}, lang="zh")
    assert response.status_code == 422
    assert "该位置在杨浦区以外" in response.get_data(as_text=True)


def test_the_picker_asks_the_server_for_the_area(client, loaded):
    answer = client.get(f"/map/point.json?lang=en&lat={LAT}&lon={LON}&from=display").get_json()
    assert answer["area"]["code"] == "riverside"
    assert answer["wgs84"] == [LAT, LON] and answer["outside"] is None
    lat, lon = OUTSIDE_LAYOUT
    assert "outside Yangpu" in client.get(
        f"/map/point.json?lang=en&lat={lat}&lon={lon}").get_json()["outside"]
    assert client.get("/map/point.json?lat=north&lon=1").status_code == 400
