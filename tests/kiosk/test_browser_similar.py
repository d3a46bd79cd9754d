"""The kiosk's "this is my problem too" in a real browser (headless Chromium): the similar screen
after the title, support instead of a new submission, the confirmation, continuing, the idle
reset; axe-core on the new screens, and no CSP violation (checked by every Device on close).

A live portal of its own (module scope): the published submissions made searchable here would
otherwise turn up as suggestions in the other browser tests' flows.
"""
import re

import pytest

from portal.extensions import db
from portal.submissions.models import Submission
from portal.submissions.services import create_submission, set_publication
from tests.kiosk.browser import COUNTDOWN, IDLE, RECEIPT
from tests.kiosk.test_browser import (
    Device,
    assert_accessible,
    assert_no_trace,
    describe,
    submissions,
    visible_step,
    wait_step,
)
from tests.search.helpers import drain

TITLE, BODY = "滨江步道路灯又坏了", "渔人码头东侧步道的路灯连续一周不亮。"
PUBLIC_TITLE = "滨江步道路灯不亮 Riverside walk street light out"
HIDDEN_TITLE = "路灯不亮（未公开）"
TARGETS = """() => {
    const small = [];
    for (const el of document.querySelectorAll('button, a, input, select, textarea')) {
        const r = el.getBoundingClientRect();
        if ((r.width === 0 && r.height === 0) || el.type === 'hidden') continue;
        if (r.width < 48 || r.height < 48) small.push(el.outerHTML.slice(0, 80));
    }
    return {overflow: document.documentElement.scrollWidth - window.innerWidth,
            font: parseFloat(getComputedStyle(document.body).fontSize), small};
}"""


@pytest.fixture(scope="module")
def similar_ids(live):
    """One published submission like the titles typed below, one unpublished; indexed."""
    with live.app.app_context():
        values = {"kind": "issue", "category_code": "street-lighting", "area_code": "daqiao",
                  "channel": "web", "language": "zh"}
        shown = create_submission(title="滨江步道路灯不亮，王阿姨家门口",
                                  body="王阿姨家门口的路灯不亮。",
                                  contact={"name": "王阿姨", "phone": "021 5555 0001"},
                                  **values).submission
        set_publication(shown, True, actor="test", public_title=PUBLIC_TITLE,
                        public_body="滨江步道的路灯不亮。The street light is out.")
        hidden = create_submission(title=HIDDEN_TITLE, body="滨江步道路灯不亮，尚未公开。",
                                   **values).submission
        db.session.commit()
        ids = shown.id, hidden.id
    drain(live.app)
    return ids


def support_count(app, sid):
    with app.app_context():
        return db.session.get(Submission, sid).support_count


def to_similar(page, *, title=TITLE, body=BODY):
    describe(page, category="street-lighting", title=title, body=body, then="similar")


@pytest.mark.parametrize("viewport", [(1080, 1920), (1920, 1080)])
def test_my_problem_too_adds_a_voice_and_returns_to_the_start(live, similar_ids, viewport):
    shown, hidden = similar_ids
    before = support_count(live.app, shown)
    device = Device(live, viewport=viewport)
    page = device.page
    to_similar(page)
    assert page.inner_text(".k-step[data-step=similar] h1") == "是否已有人反映过这个问题？"
    items = page.locator("#k-similar-list li")
    assert items.count() == 1  # the unpublished one is never offered
    assert items.first.locator(".k-similar-title").inner_text() == PUBLIC_TITLE
    assert items.first.locator(".k-meta").inner_text() == "已收到 · 大桥街道"
    html = page.content()
    assert HIDDEN_TITLE not in html and "王阿姨" not in html and "5555" not in html
    assert_accessible(page, "similar")
    result = page.evaluate(TARGETS)
    assert result["overflow"] <= 0 and result["font"] >= 20 and result["small"] == [], result
    page.click("#k-similar-list [data-support]")
    page.wait_for_url(re.compile(r"/kiosk/supported\?lang=zh$"))
    assert page.inner_text("h1") == "谢谢，已记下您的声音"
    text = page.inner_text(".k-receipt")
    assert PUBLIC_TITLE in text and f"已有 {before + 1} 位居民" in text
    assert page.locator(".k-qr svg path").count() >= 1
    assert f"/submissions/{shown}" in page.inner_text(".k-url")
    assert_accessible(page, "supported")
    result = page.evaluate(TARGETS)
    assert result["overflow"] <= 0 and result["small"] == [], result
    assert_no_trace(page, TITLE, BODY)
    assert support_count(live.app, shown) == before + 1
    assert submissions(live.app, device.kiosk_id) == []  # a voice, not a new submission
    # Back to the start on its own, as after a receipt; nothing of the visit is left.
    page.wait_for_url(re.compile(r"/kiosk\?lang=zh$"), timeout=(RECEIPT + 5) * 1000)
    page.wait_for_selector("body.k-ready")
    assert visible_step(page) == "kind"
    assert_no_trace(page, TITLE, BODY, PUBLIC_TITLE)
    page.go_back()
    page.wait_for_load_state()
    assert_no_trace(page, TITLE, BODY, PUBLIC_TITLE)
    assert page.evaluate("history.length") <= 3
    device.close()


def test_none_of_these_continues_to_a_new_submission_in_english(live, similar_ids):
    shown, _hidden = similar_ids
    before = support_count(live.app, shown)
    device = Device(live)
    page = device.page
    to_similar(page)
    # Switching language on this screen keeps the draft and asks again in the new language.
    page.click(".k-lang a[data-lang=en]")
    page.wait_for_url(re.compile(r"/kiosk\?lang=en$"))
    page.wait_for_selector("body.k-ready")
    wait_step(page, "similar")
    assert page.inner_text(".k-step[data-step=similar] h1") == "Has someone already reported this?"
    assert page.inner_text("#k-similar-list .k-meta") == "Received · Daqiao Subdistrict"
    assert_accessible(page, "similar (en)")
    # Back: the draft is still there; Next asks again.
    page.click(".k-step[data-step=similar] [data-action=back]")
    assert visible_step(page) == "describe" and page.input_value("#k-title") == TITLE
    page.click(".k-step[data-step=describe] [data-action=next]")
    wait_step(page, "similar")
    page.click("text=None of these — continue")
    wait_step(page, "where")
    page.click(".k-step[data-step=where] [data-action=back]")  # back goes through the list
    wait_step(page, "similar")
    page.click(".k-step[data-step=similar] [data-action=next]")
    page.click(".k-step[data-step=where] [data-action=next]")
    page.click(".k-step[data-step=contact] [data-action=next]")
    assert TITLE in page.inner_text(".k-summary")
    page.click("[data-action=send]")
    page.wait_for_url(re.compile(r"/kiosk/receipt\?lang=en$"))
    [row] = submissions(live.app, device.kiosk_id)
    assert (row.channel, row.language, row.category) == ("kiosk", "en", "street-lighting")
    assert support_count(live.app, shown) == before
    device.close()


def test_no_similar_screen_when_nothing_is_alike(live, similar_ids):
    device = Device(live)
    page = device.page
    describe(page, category="noise", title="装修噪音太大", body="每天早上七点开始电钻。")
    assert page.locator("#k-similar-list li").count() == 0
    device.close()


def test_idle_reset_on_the_similar_screen_wipes_everything(live, similar_ids):
    shown, _hidden = similar_ids
    before = support_count(live.app, shown)
    device = Device(live)
    page = device.page
    to_similar(page)
    page.locator("#k-idle").wait_for(state="visible", timeout=(IDLE + 3) * 1000)
    assert_accessible(page, "idle dialog over the similar screen")
    with page.expect_navigation(url=re.compile(r"/kiosk\?lang=zh$"),
                                timeout=(COUNTDOWN + 5) * 1000):
        pass  # the countdown runs out with nobody touching the screen
    page.wait_for_selector("body.k-ready")
    assert visible_step(page) == "kind"
    assert_no_trace(page, TITLE, BODY, PUBLIC_TITLE)
    assert support_count(live.app, shown) == before
    assert submissions(live.app, device.kiosk_id) == []
    device.close()
