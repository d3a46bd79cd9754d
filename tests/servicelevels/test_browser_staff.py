"""The service-level staff pages in a real browser (headless Chromium): accessible (axe-core) in
both languages, with a case waiting for arbitration and a reply template in place."""
import os

import pytest

from portal import create_app
from portal.accounts.services import create_user
from portal.extensions import db
from portal.servicelevels.dispatch import case_returned
from portal.servicelevels.replies import save_template
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.services import change_status, create_submission
from tests.helpers import STAFF_PASSWORD
from tests.kiosk.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    PageWatch,
    require_browser_tools,
    run_axe,
)

PAGES = ["/staff/service-levels", "/staff/service-levels/return",
         "/staff/service-levels/arbitration", "/staff/service-levels/templates"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The portal on a live server with an administrator, a case in arbitration, a template."""
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        pytest.skip("the browser tests run once, in the SQLite pass")
    require_browser_tools()
    from playwright.sync_api import sync_playwright

    data_dir = tmp_path_factory.mktemp("servicelevels-live")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORTAL_DATA_DIR", str(data_dir))
        mp.delenv("PORTAL_DATABASE_URL", raising=False)
        app = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}"})
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        create_user("admin", "administrator", STAFF_PASSWORD)
        case = create_submission(kind="issue", category_code="street-lighting",
                                 area_code="riverside", title="路灯不亮",
                                 body="杨树浦路 100 号门口的路灯坏了一周。").submission
        change_status(case, "accepted", actor="user:moderator")
        for _round in range(3):
            case_returned(case, actor="platform", reason="不归我们管")
        save_template(None, name="已受理", category_code="", status="", actor="user:admin",
                      text_zh="案件 {tracking_code} 已受理。", text_en="Case {tracking_code}.")
        db.session.commit()
        app.case_id = case.id
    with LiveServer(app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        server.browser = browser
        yield server
        browser.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_staff_pages_pass_axe(live, lang):
    context = live.browser.new_context(base_url=live.url)
    page = context.new_page()
    watch = PageWatch(page, live.url)
    page.goto(f"/staff/login?lang={lang}")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/staff/login" not in url)
    for path in [*PAGES, f"/staff/submissions/{live.app.case_id}"]:
        page.goto(f"{path}?lang={lang}")
        violations = run_axe(page)
        assert violations == [], f"{path} ({lang}): {violations}"
    page.goto(f"/staff/service-levels/arbitration?lang={lang}")
    assert "不归我们管" in page.inner_text("main")
    context.close()
    assert watch.problems == [], watch.problems
