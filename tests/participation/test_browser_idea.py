"""The idea page and its comment form in a real browser (headless Chromium): support, comment
with and without "show my name", report a comment; no console error or outside request, axe
without serious or critical findings, in Chinese and English."""
import os

import pytest

from portal import create_app
from portal.extensions import db
from portal.participation.models import IdeaSetting
from portal.stations.services import find_category, load_reference_file, seed_reference_data
from portal.submissions.services import create_submission, set_publication
from tests.kiosk.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    PageWatch,
    require_browser_tools,
    run_axe,
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        pytest.skip("the browser tests run once, in the SQLite pass")
    require_browser_tools()
    from playwright.sync_api import sync_playwright

    saved = os.environ.get("PORTAL_DATA_DIR")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        chromium.data_dirs = tmp_path_factory
        yield chromium
        chromium.close()
    if saved is None:
        os.environ.pop("PORTAL_DATA_DIR", None)
    else:
        os.environ["PORTAL_DATA_DIR"] = saved


def _app(data_dir):
    os.environ["PORTAL_DATA_DIR"] = str(data_dir)
    app = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off", "PORTAL_MAP_OUTLINE": "off",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}"})
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        idea = create_submission(kind="idea", category_code="greenery", area_code="riverside",
                                 title="在滨江步道多种些树",
                                 body="夏天步道太晒，希望每隔二十米种一棵树。",
                                 language="zh").submission
        set_publication(idea, True, actor="test", public_title=idea.title,
                        public_body=idea.body)
        db.session.add(IdeaSetting(category_id=find_category("greenery").id,
                                   support_threshold=50, premoderation=False))
        db.session.commit()
        app.idea_id = idea.id
    return app


@pytest.mark.parametrize("lang, supported, anonymous", [
    ("zh", "您支持这条建议", "一位居民"), ("en", "You support this idea", "A resident")])
def test_support_comment_and_report_on_the_idea_page(browser, lang, supported, anonymous):
    app = _app(browser.data_dirs.mktemp(f"idea-{lang}"))
    with LiveServer(app) as server:
        context = browser.new_context(viewport={"width": 1024, "height": 1400},
                                      base_url=server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        watch = PageWatch(page, server.url)
        page.goto(f"/ideas/{app.idea_id}?lang={lang}")
        assert run_axe(page) == []
        page.locator("section.supports button[type=submit]").click()
        page.wait_for_selector("section.supports .meta")
        assert supported in page.inner_text("section.supports")
        page.fill("#body", "赞成，树荫很重要。")
        page.fill("#display_name", "老王")
        page.locator("#comments button[type=submit]").click()
        page.wait_for_selector("#comments article.comment")
        assert "赞成，树荫很重要。" in page.inner_text("#comments")
        assert anonymous in page.inner_text("#comments") and "老王" not in page.inner_text(
            "#comments")
        page.fill("#body", "我也同意。")
        page.fill("#display_name", "小李")
        page.check("#show_name")
        page.locator("#comments button[type=submit]").click()
        page.wait_for_selector("text=小李")
        assert run_axe(page) == []  # the page with comments and the form again
        page.locator("#comments a[href^='/report/comment/']").first.click()
        page.wait_for_selector("input[name=reason]")
        assert run_axe(page) == []
        page.locator("input[name=reason][value=spam]").check()
        page.locator("main button[type=submit], form button[type=submit]").last.click()
        page.wait_for_url("**/report/thanks")
        assert run_axe(page) == []
        assert watch.problems == []
        context.close()


@pytest.mark.parametrize("lang, instead", [("zh", "不通过本表受理"),
                                           ("en", "not handled through this form")])
def test_a_kiosk_shows_an_emergency_screen_instead_of_the_form(browser, lang, instead):
    from portal.kiosk.services import enrol_kiosk
    from portal.stations.models import CategoryNotice

    app = _app(browser.data_dirs.mktemp(f"kiosk-{lang}"))
    with app.app_context():
        db.session.add(CategoryNotice(category_id=find_category("street-lighting").id,
                                      text_zh="路灯问题请拨 12345 热线。",
                                      text_en="For street lights call the 12345 hotline.",
                                      emergency_only=True))
        _kiosk, token = enrol_kiosk("service-station-1")
        db.session.commit()
    with LiveServer(app) as server:
        context = browser.new_context(viewport={"width": 1080, "height": 1920},
                                      base_url=server.url, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        watch = PageWatch(page, server.url)
        page.goto(f"/kiosk/enrol/{token}")
        page.click("button[type=submit]")
        page.wait_for_selector("body.k-ready")
        page.goto(f"/kiosk?lang={lang}")
        page.wait_for_selector("body.k-ready")
        page.click("[data-kind=issue]")
        page.click("[data-category=street-lighting]")
        page.wait_for_selector(".k-step[data-step=emergency]:not([hidden])")
        shown = page.inner_text(".k-step[data-step=emergency]")
        assert instead in shown and "12345" in shown and "119" in shown
        assert run_axe(page) == []
        page.click(".k-step[data-step=emergency] [data-action=back]")
        page.wait_for_selector(".k-step[data-step=category]:not([hidden])")
        page.click("[data-category=greenery]")
        page.wait_for_selector(".k-step[data-step=describe]:not([hidden])")
        assert watch.problems == []
        context.close()
