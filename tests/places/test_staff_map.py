"""The staff map: every submission with a point, unpublished ones too, for staff only."""
import pytest

from portal.extensions import db
from portal.submissions.services import set_publication


@pytest.fixture
def cases(app, make_submission):
    with app.app_context():
        shown = make_submission(latitude=31.29, longitude=121.53, title="Lamp out by gate 3")
        set_publication(shown, True, actor="test", public_title="Lamp out by gate ***",
                        public_body="masked")
        make_submission(latitude=31.30, longitude=121.514, title="Unpublished pothole case")
        make_submission(title="Unpublished without a point")
        db.session.commit()


def test_staff_see_unpublished_cases_on_the_map_the_public_does_not(client, login, cases):
    assert "Unpublished pothole case" not in client.get("/map?lang=en").get_data(as_text=True)
    login("viewer")
    page = client.get("/staff/map?lang=en")
    assert page.status_code == 200 and page.headers["Cache-Control"].startswith("no-store")
    text = page.get_data(as_text=True)
    assert "Map of all submissions" in text and "Unpublished pothole case" in text
    assert "Lamp out by gate ***" in text and "Unpublished without a point" not in text
    assert 'href="/staff/submissions/' in text
    data = client.get("/staff/map.geojson?lang=en").get_json()
    published = {f["properties"]["title"]: f["properties"]["published"] for f in data["features"]}
    assert published == {"Lamp out by gate ***": True, "Unpublished pothole case": False}
    only = client.get("/staff/map.geojson?lang=en&published=no").get_json()["features"]
    assert [f["properties"]["title"] for f in only] == ["Unpublished pothole case"]
    assert only[0]["properties"]["url"].startswith("/staff/submissions/")


def test_the_staff_map_in_chinese(client, login, cases):
    login("dispatcher")
    text = client.get("/staff/map?lang=zh").get_data(as_text=True)
    assert "全部诉求地图" in text and "未公开" in text


def test_the_staff_map_is_for_staff_only(client, cases):
    assert client.get("/staff/map?lang=en").status_code in (302, 401, 403)
    assert client.get("/staff/map.geojson").status_code in (302, 401, 403)


def test_a_bad_published_filter_is_a_400(client, login, cases):
    login("moderator")
    response = client.get("/staff/map.geojson?published=maybe&lang=en")
    assert response.status_code == 400
    assert "Choose published or unpublished." in response.get_data(as_text=True)
