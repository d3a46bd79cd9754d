"""The wall screen (and the public figures) in a real browser (headless Chromium): the wall
polls its data, says so when the portal goes away, and carries on by itself when a new portal
process answers on the same address; no CSP violation, no request elsewhere, axe without
serious findings."""
import os
import threading

import pytest

from portal import create_app
from portal.accounts.services import create_user
from portal.extensions import db
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.services import change_status, create_submission
from tests.helpers import STAFF_PASSWORD
from tests.kiosk.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PageWatch,
    require_browser_tools,
    run_axe,
)


class Portal:
    """One portal process's web server on a given loopback port (0: any)."""

    def __init__(self, app, port=0):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _portal_app(data_dir):
    return create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off", "PORTAL_MAP_OUTLINE": "off",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}",
                       "PORTAL_WALL_POLL_SECONDS": 1})


@pytest.fixture
def data_dir(tmp_path):
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        pytest.skip("the browser tests run once, in the SQLite pass")
    require_browser_tools()
    saved = os.environ.get("PORTAL_DATA_DIR")
    os.environ["PORTAL_DATA_DIR"] = str(tmp_path / "data")
    yield tmp_path / "data"
    if saved is None:
        os.environ.pop("PORTAL_DATA_DIR", None)
    else:
        os.environ["PORTAL_DATA_DIR"] = saved


def test_the_wall_survives_a_restart_without_a_reload(data_dir):
    from playwright.sync_api import sync_playwright

    first_app = _portal_app(data_dir)
    with first_app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        create_user("dora", "dispatcher", STAFF_PASSWORD)
        db.session.commit()
    first = Portal(first_app)
    second = None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1920, "height": 1080},
                                          base_url=first.url)
            page = context.new_page()
            page.set_default_timeout(20000)
            watch = PageWatch(page, first.url)
            page.goto("/stats?lang=zh")  # the public figures: charts drawn without script
            assert "办理情况统计" in page.inner_text("h1") and run_axe(page) == []
            page.goto("/staff/login?lang=en")
            page.fill("#username", "dora")
            page.fill("#password", STAFF_PASSWORD)
            page.click("button[type=submit]")
            page.goto("/staff/wall?lang=en")
            assert page.inner_text("[data-field=open_total]") == "0"
            with page.expect_response(lambda r: "/staff/wall.json" in r.url) as polled:
                pass
            assert polled.value.status == 200
            assert run_axe(page) == []
            first.stop()
            page.wait_for_function(
                "() => document.getElementById('wall-state').textContent.includes('retrying')")
            assert page.locator("body.wall-offline").count() == 1
            with first_app.app_context():  # a case arrives while the portal is down
                case = create_submission(kind="issue", category_code="litter",
                                         area_code="daqiao", title="垃圾桶满了",
                                         body="大桥街道的垃圾桶满了。").submission
                if case.status != "accepted":
                    change_status(case, "accepted", actor="user:dora")
                db.session.commit()
            second = Portal(_portal_app(data_dir), port=first.port)  # a new process's app
            page.wait_for_function(
                "() => document.querySelector('[data-field=open_total]').textContent === '1'"
                " && !document.body.classList.contains('wall-offline')")
            assert page.inner_text("#wall-state") == "Live"
            assert [p for p in watch.problems if "wall.json" not in p] == []
            browser.close()
    finally:
        if second is not None:
            second.stop()
