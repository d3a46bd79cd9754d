"""The kiosk on its screen, in a real browser (headless Chromium with touch) at portrait
1080x1920 and landscape 1920x1080: the start page fills the height; the location step loads the
map only then, over tiles from a local tile server; a pin tapped on the map and a place found by
name choose the area; axe finds nothing serious; the point is stored with the area it decides.
"""
import os

import pytest

from portal import create_app
from portal.extensions import db
from portal.kiosk.services import enrol_kiosk
from portal.places.services import load_boundaries
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.models import Submission
from tests.kiosk.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    PageWatch,
    require_browser_tools,
    run_axe,
)
from tests.places.browser import TileServer
from tests.places.helpers import (
    IN_DINGHAI_ONLY,
    IN_RIVERSIDE_AND_DINGHAI,
    collection,
    fake_features,
)

SCREENS = [(1080, 1920), (1920, 1080)]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        pytest.skip("the browser tests run once, in the SQLite pass")
    require_browser_tools()
    from playwright.sync_api import sync_playwright

    data_dir = tmp_path_factory.mktemp("kiosk-map")
    with pytest.MonkeyPatch.context() as mp, TileServer() as tiles:
        mp.setenv("PORTAL_DATA_DIR", str(data_dir))
        mp.delenv("PORTAL_DATABASE_URL", raising=False)
        app = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off",
                          "PORTAL_MAP_OUTLINE": "off", "PORTAL_KIOSK_IDLE_SECONDS": 600,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}",
                          "PORTAL_MAP_TILES": tiles.url + "/{z}/{x}/{y}.png"})
        with app.app_context():
            db.create_all()
            seed_reference_data(load_reference_file())
            load_boundaries(collection(fake_features()), actor="test")  # fake test polygons
            db.session.commit()
        with LiveServer(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            server.browser, server.tiles = browser, tiles
            yield server
            browser.close()


def open_kiosk(live, screen, lang="en"):
    """A fresh touch-screen context enrolled as service station 1's kiosk; (context, page,
    watch, requested urls)."""
    with live.app.app_context():
        _kiosk, token = enrol_kiosk("service-station-1", language=lang)
        db.session.commit()
    context = live.browser.new_context(viewport={"width": screen[0], "height": screen[1]},
                                       base_url=live.url, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    watch = PageWatch(page, live.url)
    page.goto(f"/kiosk/enrol/{token}")
    page.click("button[type=submit]")
    page.wait_for_selector("body.k-ready")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"/kiosk?lang={lang}")
    page.wait_for_selector("body.k-ready")
    return context, page, watch, requested


def tap_at(page, lat, lon):
    """Tap the kiosk map (a touch, not a mouse) where a WGS-84 point is shown."""
    page.locator("#k-map").scroll_into_view_if_needed()
    x, y = page.evaluate("""([lat, lon]) => {
        const map = document.getElementById('k-map-box').leafletMap;
        map.panTo([lat, lon], {animate: false});  // in view, away from the controls
        const p = map.latLngToContainerPoint([lat, lon]);
        return [p.x, p.y]; }""", [lat, lon])
    box = page.locator("#k-map").bounding_box()
    page.touchscreen.tap(box["x"] + x, box["y"] + y)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_start_page_fills_the_screen_and_loads_no_map(live, screen):
    context, page, watch, requested = open_kiosk(live, screen)
    fill = page.evaluate("""() => {
        const step = document.querySelector('.k-step:not([hidden])').getBoundingClientRect();
        const choices = document.querySelector('.k-choices').getBoundingClientRect();
        return {bottom: step.bottom, choices: choices.height, height: window.innerHeight,
                scroll: document.documentElement.scrollHeight,
                font: parseFloat(getComputedStyle(document.documentElement).fontSize)};
    }""")
    assert fill["bottom"] >= 0.85 * fill["height"], fill
    assert fill["choices"] >= 0.45 * fill["height"], fill  # the two big choices take the space
    assert fill["scroll"] <= fill["height"], fill  # and nothing to scroll
    assert fill["font"] >= 26, fill  # larger type on a big screen
    assert not [u for u in requested if "leaflet" in u or "mapbase" in u or "/map/" in u]
    context.close()
    assert watch.problems == []


@pytest.mark.parametrize("screen", SCREENS)
def test_a_pin_tapped_at_the_location_step_chooses_the_area(live, screen):
    context, page, watch, requested = open_kiosk(live, screen)
    page.click("[data-kind=issue]")
    page.click("[data-category=street-lighting]")
    page.fill("#k-title", "Street light out by the ferry")
    page.fill("#k-body", "The lamp by the ferry gate has been dark for a week.")
    page.click(".k-step[data-step=describe] [data-action=next]")
    page.wait_for_selector(".k-step[data-step=where]:not([hidden])")
    page.wait_for_selector("#k-map .leaflet-tile-loaded")
    assert any("leaflet.js" in u for u in requested)  # loaded now, on this step
    assert page.input_value("#k-area") == "riverside"  # the station's area
    touch = page.evaluate("""() => {
        const map = document.getElementById('k-map-box').leafletMap;
        const sizes = Array.from(document.querySelectorAll('#k-map .leaflet-bar a'))
            .map(a => { const r = a.getBoundingClientRect(); return Math.min(r.width, r.height); });
        return {drag: map.dragging.enabled(), pinch: map.touchZoom.enabled(), sizes};
    }""")
    assert touch["drag"] and touch["pinch"] and min(touch["sizes"]) >= 48, touch
    tap_at(page, *IN_DINGHAI_ONLY)
    page.wait_for_function("() => document.getElementById('k-area').value === 'dinghai-road'")
    assert "Dinghai Road" in page.inner_text("#picker-status")
    # The place search: a name, then the area found is chosen (the map shows it).
    page.fill("#place-search", "wujiaochang")
    page.wait_for_selector("#place-results button")
    page.click("#place-results button:has-text('Wujiaochang Subdistrict')")
    page.wait_for_function("() => document.getElementById('k-area').value === 'wujiaochang'")
    # Back to the riverside: the grid wins over 定海路 by geometry.
    tap_at(page, *IN_RIVERSIDE_AND_DINGHAI)
    page.wait_for_function("() => document.getElementById('k-area').value === 'riverside'")
    lat, lon = float(page.input_value("#k-latitude")), float(page.input_value("#k-longitude"))
    assert abs(lat - IN_RIVERSIDE_AND_DINGHAI[0]) < 0.002
    assert abs(lon - IN_RIVERSIDE_AND_DINGHAI[1]) < 0.002
    assert run_axe(page) == []
    page.click(".k-step[data-step=where] [data-action=next]")
    page.click(".k-step[data-step=contact] [data-action=next]")
    assert page.inner_text("[data-show=point]") == "Chosen on the map"
    page.click("[data-action=send]")
    page.wait_for_url("**/kiosk/receipt**")
    context.close()
    assert [p for p in watch.problems if live.tiles.url not in p] == []
    with live.app.app_context():
        submission = db.session.execute(
            db.select(Submission).order_by(Submission.id.desc())).scalars().first()
        assert submission.channel == "kiosk" and submission.area.code == "riverside"
        assert submission.located_area.code == "riverside"
        assert (submission.latitude, submission.longitude) == (lat, lon)
