"""Kiosk fixtures: an enrolled device (a test client holding the credential), and a live portal
with Chromium for the browser tests (one per test module)."""
import os

import pytest

from portal import create_app
from portal.extensions import db
from portal.stations.services import load_reference_file, seed_reference_data
from tests.kiosk.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COUNTDOWN,
    IDLE,
    RECEIPT,
    LiveServer,
    require_browser_tools,
)
from tests.kiosk.helpers import enrol_link, redeem


@pytest.fixture
def kiosk_client(app):
    """A test client enrolled as the kiosk of service station 1; `.kiosk_id` names it."""
    kiosk_id, path = enrol_link(app, label="entrance")
    client = app.test_client()
    response = redeem(client, path)
    assert response.status_code == 303
    client.kiosk_id = kiosk_id
    return client


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal on a live server, and Chromium."""
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        pytest.skip("the browser tests run once, in the SQLite pass; the kiosk's database code "
                    "runs on PostgreSQL in tests/kiosk/test_server.py")
    require_browser_tools()
    from playwright.sync_api import sync_playwright

    data_dir = tmp_path_factory.mktemp("kiosk-live")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORTAL_DATA_DIR", str(data_dir))
        mp.delenv("PORTAL_DATABASE_URL", raising=False)
        app = create_app({
            "TESTING": True, "PORTAL_RATE_LIMITS": "off",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}",
            "PORTAL_KIOSK_IDLE_SECONDS": IDLE, "PORTAL_KIOSK_COUNTDOWN_SECONDS": COUNTDOWN,
            "PORTAL_KIOSK_RECEIPT_SECONDS": RECEIPT})
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.commit()
    with LiveServer(app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        server.browser = browser
        yield server
        browser.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
