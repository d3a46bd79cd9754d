"""The public map and its GeoJSON: published only, public text only, filtered, bounded; CSP."""
import pytest

from portal.extensions import db
from portal.submissions.services import set_publication

LAT, LON = 31.2900, 121.5300


@pytest.fixture
def cases(app, make_submission):
    """A published issue and idea with points, an unpublished one, a published one without."""
    with app.app_context():
        issue = make_submission(latitude=LAT, longitude=LON, place="Gate 3",
                                contact={"name": "王小明", "phone": "13800000000",
                                         "email": "w@example.org", "consent": True})
        set_publication(issue, True, actor="test", public_title="Lamp out by gate ***",
                        public_body="masked")
        make_submission(kind="idea", category_code="greenery", area_code="wujiaochang",
                        latitude=31.30, longitude=121.514, publish=True,
                        title="More benches please")
        make_submission(latitude=LAT, longitude=LON, title="Secret unpublished case")
        make_submission(publish=True, title="Published without a point")
        db.session.commit()


def geojson(client, query=""):
    response = client.get(f"/api/v1/submissions.geojson?lang=en{query}")
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/geo+json"
    return response.get_json()


def test_geojson_holds_published_points_only_and_no_personal_data(client, cases):
    data = geojson(client)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 2
    text = str(data)
    for secret in ("王小明", "13800000000", "w@example.org", "Secret unpublished", "Gate 3",
                   "路灯不亮", "without a point"):
        assert secret not in text
    issue = next(f for f in data["features"] if f["properties"]["kind"] == "issue")
    assert issue["geometry"] == {"type": "Point", "coordinates": [LON, LAT]}
    assert issue["properties"]["title"] == "Lamp out by gate ***"
    assert issue["properties"]["url"] == f"/submissions/{issue['id']}"
    assert "display" not in issue["properties"]  # WGS-84 tiles: no second system
    assert set(issue["properties"]) == {"title", "kind", "kind_label", "status", "status_label",
                                        "category", "area", "published_at", "url"}


def test_geojson_filters_and_bounds(client, cases):
    assert len(geojson(client, "&kind=idea")["features"]) == 1
    assert len(geojson(client, "&area=wujiaochang")["features"]) == 1
    assert len(geojson(client, "&category=greenery")["features"]) == 1
    assert len(geojson(client, "&category=public-management")["features"]) == 2  # its children
    assert geojson(client, "&category=public-safety")["features"] == []
    assert len(geojson(client, "&bbox=121.52,31.28,121.54,31.295")["features"]) == 1
    limited = geojson(client, "&limit=1")
    assert len(limited["features"]) == 1 and limited["truncated"] is True


def test_an_inverted_or_empty_box_holds_nothing(client, cases):
    for box in ("121.54,31.28,121.52,31.295", "121.52,31.28,121.52,31.295"):
        assert geojson(client, f"&bbox={box}")["features"] == []


@pytest.mark.parametrize("query, field", [("bbox=1,2,3", "bbox"), ("bbox=1,2,3,x", "bbox"),
                                          ("bbox=1_0,2,3,4", "bbox"), ("bbox=", "bbox"),
                                          ("limit=100000", "limit"), ("limit=١٠", "limit"),
                                          ("kind=rumour", "kind")])
def test_bad_map_queries_are_400_with_the_api_error_shape(client, query, field):
    response = client.get(f"/api/v1/submissions.geojson?lang=en&{query}")
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("lang, heading, notice", [
    ("en", "Map of published submissions", "No base map is configured"),
    ("zh", "已公开事项地图", "未配置底图"), ("zh_Hant", "已公開事項地圖", "未配置底圖")])
def test_map_page_lists_the_same_submissions_without_javascript(client, cases, lang, heading,
                                                                notice):
    response = client.get(f"/map?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert heading in html and notice in html
    assert "Lamp out by gate ***" in html and "Secret unpublished" not in html
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]


def test_map_page_filters(client, cases):
    html = client.get("/map?lang=en&kind=idea").get_data(as_text=True)
    assert "More benches please" in html and "Lamp out by gate" not in html


@pytest.mark.parametrize("app_config", [{
    "PORTAL_MAP_TILES": "https://t{s}.tiles.example/vec/{z}/{x}/{y}.png?tk=KEY",
    "PORTAL_MAP_SUBDOMAINS": "01", "PORTAL_MAP_CRS": "gcj02",
    "PORTAL_MAP_ATTRIBUTION": "Example tiles"}])
def test_a_configured_tile_server_and_only_it_is_allowed(client, cases):
    response = client.get("/map?lang=en")
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://t0.tiles.example https://t1.tiles.example;" in csp
    assert "No base map is configured" not in response.get_data(as_text=True)
    feature = client.get("/api/v1/submissions.geojson").get_json()["features"][0]
    shown = feature["properties"]["display"]
    assert feature["geometry"]["coordinates"] != shown  # GCJ-02 for the tiles, WGS-84 stored
    assert abs(shown[0] - feature["geometry"]["coordinates"][0]) < 0.01


def test_a_bad_crs_setting_stops_the_app(tmp_path, monkeypatch):
    from portal import create_app
    from portal.places.tiles import MapConfigInvalid

    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    with pytest.raises(MapConfigInvalid):
        create_app({"TESTING": True, "PORTAL_MAP_CRS": "bd09"})


def test_layers_give_the_boundaries_for_the_map(client, app):
    from portal.places.services import load_boundaries
    from tests.places.helpers import collection, fake_features
    with app.app_context():
        load_boundaries(collection(fake_features({"riverside"})), actor="test")
        db.session.commit()
    data = client.get("/map/layers.json?lang=en").get_json()
    assert data["outline"] is None  # PORTAL_MAP_OUTLINE is off in tests
    assert [f["properties"]["code"] for f in data["areas"]["features"]] == ["riverside"]
