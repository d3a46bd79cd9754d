"""The kiosk's location step on the server: the touch map's markup without its assets on the
start page (the page-weight budget), centred on the station's area, and a point sent with the
draft deciding the area (the shared locator)."""
import gzip
import json
import re

from portal.extensions import db
from portal.places.services import load_boundaries
from portal.submissions.models import Submission
from tests.kiosk.helpers import draft, send_json
from tests.places.helpers import (
    IN_DINGHAI_ONLY,
    IN_RIVERSIDE_AND_DINGHAI,
    OUTSIDE_LAYOUT,
    RIVERSIDE,
    collection,
    fake_features,
)

BUDGET = 150 * 1024  # the start page and what it loads, gzip-compressed


def _load_fake_boundaries(app):
    with app.app_context():
        load_boundaries(collection(fake_features()), actor="test")  # fake test polygons
        db.session.commit()


def test_the_start_page_and_its_assets_stay_within_the_budget_without_the_map(kiosk_client):
    page = kiosk_client.get("/kiosk?lang=zh").get_data(as_text=True)
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', page)
    assert loaded and not any("leaflet" in url or "mapbase" in url for url in loaded)
    total = len(gzip.compress(page.encode()))
    for url in loaded:
        total += len(gzip.compress(kiosk_client.get(url).get_data()))
    assert total <= BUDGET, total
    box = re.search(r'id="k-map-box" data-assets="([^"]+)"', page).group(1)
    assets = json.loads(box.replace("&#34;", '"').replace("&quot;", '"'))
    assert [a.rsplit("/", 1)[1] for a in assets] == ["leaflet.css", "map.css", "leaflet.js",
                                                     "mapbase.js"]


def test_the_location_step_offers_search_map_and_area_list_in_both_languages(kiosk_client):
    zh = kiosk_client.get("/kiosk?lang=zh").get_data(as_text=True)
    assert "按名称查找地点（可选）" in zh and "或在地图上点出位置（可选）" in zh
    assert 'data-search-url="/places/search.json?lang=zh"' in zh
    assert 'id="k-area"' in zh  # the non-map way stays
    en = kiosk_client.get("/kiosk?lang=en").get_data(as_text=True)
    assert "Find a place by name (optional)" in en and "Or touch the map where it is" in en


def test_the_map_starts_on_the_station_area(kiosk_client, app):
    _load_fake_boundaries(app)
    page = kiosk_client.get("/kiosk?lang=en").get_data(as_text=True)
    view = json.loads(re.search(r'id="k-map-box".*?data-view="([^"]+)"', page, re.S).group(1)
                      .replace("&#34;", '"').replace("&quot;", '"'))
    west, south, east, north = RIVERSIDE  # service station 1 is on the riverside grid
    assert view == {"bounds": [[south, west], [north, east]]}


def test_a_point_from_the_map_decides_the_located_area(kiosk_client, app):
    _load_fake_boundaries(app)
    lat, lon = IN_RIVERSIDE_AND_DINGHAI
    response = send_json(kiosk_client, draft(latitude=f"{lat:.6f}", longitude=f"{lon:.6f}"))
    assert response.status_code == 201
    other = send_json(kiosk_client, draft(
        area="dinghai-road", latitude=str(IN_DINGHAI_ONLY[0]), longitude=str(IN_DINGHAI_ONLY[1]),
        draft_key="fedcba9876543210fedcba9876543210", title="另一盏路灯"))
    assert other.status_code == 201
    with app.app_context():
        first, second = db.session.execute(
            db.select(Submission).order_by(Submission.id)).scalars().all()
        assert (first.latitude, first.longitude) == (lat, lon)
        assert first.area.code == first.located_area.code == "riverside"
        assert second.located_area.code == "dinghai-road" and second.channel == "kiosk"


def test_a_point_outside_every_area_is_refused_on_the_location_step(kiosk_client, app):
    _load_fake_boundaries(app)
    lat, lon = OUTSIDE_LAYOUT
    response = send_json(kiosk_client, draft(latitude=str(lat), longitude=str(lon), lang="en"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["latitude"]  # the outside message
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 0


def test_without_a_point_the_kiosk_works_as_before(kiosk_client, app):
    assert send_json(kiosk_client, draft(latitude="", longitude="")).status_code == 201
    with app.app_context():
        submission = db.session.execute(db.select(Submission)).scalar_one()
        assert submission.latitude is None and submission.area.code == "riverside"
