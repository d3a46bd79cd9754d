"""The public map in a real browser (headless Chromium): 500 published pins cluster over tiles
from a local tile server (generated PNG tiles on loopback); without a tile server the map says so
and still draws the pins; no CSP violation, no request elsewhere, axe without serious findings.
"""
import os

import pytest

from portal import create_app
from portal.extensions import db
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.services import create_submission, set_publication
from tests.kiosk.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    PageWatch,
    require_browser_tools,
    run_axe,
)
from tests.places.browser import TileServer

PINS = 500


def _app(data_dir, **config):
    os.environ["PORTAL_DATA_DIR"] = str(data_dir)
    app = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}", **config})
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        for n in range(PINS):  # a grid of points around Wujiaochang, inside the real outline
            submission = create_submission(
                kind="issue" if n % 3 else "idea", category_code="litter",
                area_code="wujiaochang", title=f"Case {n}", body=f"Published case number {n}.",
                latitude=31.295 + (n % 25) * 0.0004, longitude=121.505 + (n // 25) * 0.0005,
                language="en").submission
            set_publication(submission, True, actor="test", public_title=f"Case {n}",
                            public_body=f"Published case number {n}.")
        db.session.commit()
    return app


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        pytest.skip("the browser tests run once, in the SQLite pass")
    require_browser_tools()
    from playwright.sync_api import sync_playwright

    saved = os.environ.get("PORTAL_DATA_DIR")
    with TileServer() as tiles, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        chromium.tiles = tiles
        chromium.data_dirs = tmp_path_factory
        yield chromium
        chromium.close()
    if saved is None:
        os.environ.pop("PORTAL_DATA_DIR", None)
    else:
        os.environ["PORTAL_DATA_DIR"] = saved


def open_map(browser, app, lang="en"):
    with LiveServer(app) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      base_url=server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        watch = PageWatch(page, server.url)
        page.goto(f"/map?lang={lang}")
        page.wait_for_selector("#map[data-markers]", state="attached")
        yield page, watch
        context.close()


def test_500_pins_cluster_over_local_tiles(browser):
    tiles = browser.tiles
    app = _app(browser.data_dirs.mktemp("map-tiles"), PORTAL_MAP_OUTLINE="cnmaps",
               PORTAL_MAP_TILES=tiles.url + "/{z}/{x}/{y}.png",
               PORTAL_MAP_ATTRIBUTION="Generated test tiles")
    for page, watch in open_map(browser, app):
        assert page.get_attribute("#map", "data-markers") == str(PINS)
        page.wait_for_selector(".marker-cluster")
        clusters = page.locator(".marker-cluster").count()
        assert 0 < clusters < PINS  # clustered, not 500 separate pins
        total = sum(int(t) for t in page.locator(".marker-cluster span").all_inner_texts())
        assert total <= PINS
        page.wait_for_function("""() => {
            const imgs = document.querySelectorAll('img.leaflet-tile');
            return imgs.length > 0 && Array.from(imgs).every(i => i.complete && i.naturalWidth);
        }""")
        assert tiles.served and all(p.endswith(".png") for p in tiles.served)
        assert "Generated test tiles" in page.inner_text(".leaflet-control-attribution")
        assert page.locator("#map-no-tiles").count() == 0
        problems = [p for p in watch.problems if tiles.url not in p]
        assert problems == []
        assert run_axe(page) == []


def test_without_a_tile_server_the_map_says_so_and_still_shows_pins(browser):
    served = len(browser.tiles.served)
    app = _app(browser.data_dirs.mktemp("map-plain"), PORTAL_MAP_OUTLINE="cnmaps")
    for page, watch in open_map(browser, app, lang="zh"):
        assert "未配置底图" in page.inner_text("#map-no-tiles")
        page.wait_for_selector(".marker-cluster")
        page.wait_for_selector("path.leaflet-interactive, canvas")  # the outline is drawn
        assert page.locator("img.leaflet-tile").count() == 0
        assert len(browser.tiles.served) == served
        assert watch.problems == []
        assert run_axe(page) == []


def test_a_pin_on_the_web_form_fills_the_point_and_chooses_the_area(browser):
    from portal.places.services import load_boundaries
    from portal.submissions.models import Submission
    from tests.places.helpers import IN_RIVERSIDE_AND_DINGHAI, collection, fake_features

    tiles = browser.tiles
    data_dir = browser.data_dirs.mktemp("picker")
    os.environ["PORTAL_DATA_DIR"] = str(data_dir)
    app = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off", "PORTAL_MAP_OUTLINE": "off",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}",
                      "PORTAL_MAP_TILES": tiles.url + "/{z}/{x}/{y}.png"})
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        load_boundaries(collection(fake_features()), actor="test")  # fake test polygons
        db.session.commit()
    with LiveServer(app) as server:
        context = browser.new_context(viewport={"width": 1024, "height": 1400},
                                      base_url=server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        watch = PageWatch(page, server.url)
        page.goto("/submit?kind=issue&lang=en")
        page.wait_for_selector("#picker-map .leaflet-tile-loaded")
        # The place search (Traditional characters find the Simplified name): the area is chosen.
        page.fill("#place-search", "五角場")
        page.click("#place-results button:has-text('Wujiaochang Subdistrict')")
        page.wait_for_function("() => document.getElementById('area').value === 'wujiaochang'")
        assert "Wujiaochang Subdistrict" in page.inner_text("#picker-status")
        lat, lon = IN_RIVERSIDE_AND_DINGHAI
        page.locator("#picker-map").scroll_into_view_if_needed()
        x, y = page.evaluate("""([lat, lon]) => {
            const map = document.getElementById('location-picker').leafletMap;
            map.panTo([lat, lon], {animate: false});  // the search showed another area
            const p = map.latLngToContainerPoint([lat, lon]);
            return [p.x, p.y]; }""", [lat, lon])
        where = page.locator("#picker-map").bounding_box()
        page.mouse.click(where["x"] + x, where["y"] + y)
        page.wait_for_function("() => document.getElementById('area').value === 'riverside'")
        assert "Riverside" in page.inner_text("#picker-status")
        picked = float(page.input_value("#latitude")), float(page.input_value("#longitude"))
        assert abs(picked[0] - lat) < 0.0015 and abs(picked[1] - lon) < 0.0015  # a few pixels
        assert run_axe(page) == []
        page.select_option("#category", "street-lighting")
        page.fill("#title", "Street light out on the riverside walk")
        page.fill("#body", "The lamp by the ferry gate has been dark for a week.")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/thanks/**")
        assert [p for p in watch.problems if tiles.url not in p] == []
        context.close()
    with app.app_context():
        submission = db.session.execute(db.select(Submission)).scalar_one()
        assert submission.area.code == "riverside"
        assert submission.located_area.code == "riverside"
        assert submission.latitude == picked[0]


def test_the_staff_map_shows_unpublished_cases_too(browser):
    from portal.accounts.services import create_user
    from tests.helpers import STAFF_PASSWORD

    app = _app(browser.data_dirs.mktemp("staff-map"), PORTAL_MAP_OUTLINE="cnmaps")
    with app.app_context():
        create_user("viewer", "viewer", STAFF_PASSWORD)
        create_submission(kind="issue", category_code="litter", area_code="wujiaochang",
                          title="Unpublished case", body="Not published yet, on the map.",
                          latitude=31.30, longitude=121.51, language="en")
        db.session.commit()
    with LiveServer(app) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      base_url=server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        watch = PageWatch(page, server.url)
        page.goto("/staff/login?lang=en")
        page.fill("input[name=username]", "viewer")
        page.fill("input[name=password]", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.goto("/staff/map?lang=en")
        page.wait_for_selector("#map[data-markers]", state="attached")
        assert page.get_attribute("#map", "data-markers") == str(PINS)  # the newest 500
        assert "Unpublished case" in page.inner_text(".map-list")
        assert watch.problems == []
        assert run_axe(page) == []
        context.close()
