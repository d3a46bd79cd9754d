"""The kiosk in a real browser (headless Chromium): both languages, idle reset, privacy, receipt,
failures, enrolment, accessibility (axe-core), layout and the CSP.

One live portal (SQLite file, shortened idle timers) and one browser serve the whole module; each
test gets a fresh browser context, i.e. a fresh device.
"""
import re
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.kiosk.models import Kiosk
from portal.kiosk.services import enrol_kiosk, revoke_kiosk
from portal.submissions.idempotency import kiosk_key
from portal.submissions.models import Submission
from tests.kiosk.browser import (
    COUNTDOWN,
    IDLE,
    RECEIPT,
    PageWatch,
    dom_text,
    run_axe,
    storage_dump,
)

TITLE_ZH, BODY_ZH = "滨江步道路灯坏了", "渔人码头东侧步道的三盏路灯连续一周不亮，晚上很黑。"
SECRET_PHONE = "021 5555 7788"
CODE = re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")


def _enrol_token(app, slug="service-station-1", **options):
    with app.app_context():
        kiosk, token = enrol_kiosk(slug, **options)
        db.session.commit()
        return kiosk.id, token


class Device:
    """A browser context enrolled as a kiosk (through the enrolment page, as an admin does)."""

    def __init__(self, live, *, slug="service-station-1", viewport=(1080, 1920), enrol=True,
                 **options):
        self.live = live
        self.context = live.browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, base_url=live.url,
            has_touch=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(8000)
        self.watch = PageWatch(self.page, live.url)
        self.kiosk_id = None
        if enrol:
            self.kiosk_id, token = _enrol_token(live.app, slug, **options)
            self.page.goto(f"/kiosk/enrol/{token}")
            self.page.click("button[type=submit]")
            self.page.wait_for_selector("body.k-ready")

    def close(self):
        problems = self.watch.problems
        self.context.close()
        assert problems == [], problems


@pytest.fixture
def device(live):
    d = Device(live)
    yield d
    d.close()


def submissions(app, kiosk_id):
    """The submissions one kiosk stored (its draft keys' scope names it), read as plain values."""
    with app.app_context():
        scope = kiosk_key("x", SimpleNamespace(id=kiosk_id)).stored[:-1]
        return [SimpleNamespace(
            code=row.code, display_code=row.display_code, channel=row.channel, kind=row.kind,
            language=row.language, station=row.station.slug if row.station else None,
            area=row.area.code, category=row.category.code, place=row.place,
            contact=SimpleNamespace(phone=row.contact.phone, consent=row.contact.consent)
            if row.contact else None)
            for row in db.session.query(Submission).filter(
                Submission.idempotency_key.startswith(scope, autoescape=True))
            .order_by(Submission.id)]


def assert_accessible(page, where):
    violations = run_axe(page)
    assert violations == [], f"{where}: {violations}"


def visible_step(page) -> str:
    return page.eval_on_selector(".k-step:not([hidden])", "el => el.dataset.step")


def wait_step(page, step) -> None:
    """Wait until `step` is the screen shown (leaving "describe" asks the portal first)."""
    page.wait_for_selector(f".k-step[data-step={step}]:not([hidden])")


def describe(page, *, category, title, body, then="where") -> None:
    """Choose an issue of `category`, write its title and text, press Next; wait for `then`."""
    page.click("[data-kind=issue]")
    page.click(f"[data-category={category}]")
    page.fill("#k-title", title)
    page.fill("#k-body", body)
    page.click(".k-step[data-step=describe] [data-action=next]")
    wait_step(page, then)


def fill_flow(page, *, title, body, phrase=True, contact=True, axe=False, landmark=None):
    """Walk through every step up to the review screen."""
    page.click("[data-kind=issue]")
    assert visible_step(page) == "category"
    if axe:
        assert_accessible(page, "category")
    page.click("[data-category=street-lighting]")
    assert visible_step(page) == "describe"
    if axe:
        assert_accessible(page, "describe")
    if phrase:
        page.click("[data-phrases-for=street-lighting] .k-chip >> nth=0")
        assert page.input_value("#k-body") != ""
    page.fill("#k-title", title)
    page.fill("#k-body", body)
    page.click(".k-step[data-step=describe] [data-action=next]")
    wait_step(page, "where")  # no similar published submissions here
    assert page.input_value("#k-area") == "riverside"  # the station's area, preset
    if axe:
        assert_accessible(page, "where")
    if landmark:
        page.click(f"[data-landmark='{landmark}']")
    page.fill("#k-place", "东侧步道")
    page.click(".k-step[data-step=where] [data-action=next]")
    assert visible_step(page) == "contact"
    if axe:
        assert_accessible(page, "contact")
    if contact:
        page.fill("#k-name", "王阿姨")
        page.fill("#k-phone", SECRET_PHONE)
        page.check("#k-consent")
    page.click(".k-step[data-step=contact] [data-action=next]")
    assert visible_step(page) == "review"
    if axe:
        assert_accessible(page, "review")


def assert_no_trace(page, *texts):
    """Nothing of the previous visit in the DOM, form values or storage."""
    dump = dom_text(page) + storage_dump(page)
    for text in texts:
        assert text not in dump, f"{text!r} is still on the page"


def test_whole_flow_in_chinese_with_receipt_qr_and_no_trace(device, live):
    page = device.page
    assert page.url.endswith("/kiosk?lang=zh")
    assert page.locator("h1").first.inner_text() == "您需要什么帮助？"
    assert_accessible(page, "start")
    fill_flow(page, title=TITLE_ZH, body=BODY_ZH, axe=True, landmark="渔人码头")
    summary = page.inner_text(".k-summary")
    assert TITLE_ZH in summary and "渔人码头 · 东侧步道" in summary and "王阿姨" in summary
    page.click("[data-action=send]")
    page.wait_for_url(re.compile(r"/kiosk/receipt\?lang=zh$"))
    code = page.inner_text("#k-code").strip()
    assert CODE.match(code)
    assert page.locator(".k-qr svg path").count() >= 1
    assert_accessible(page, "receipt")
    assert_no_trace(page, BODY_ZH, SECRET_PHONE, "王阿姨")
    [row] = submissions(live.app, device.kiosk_id)
    assert (row.display_code, row.channel, row.language) == (code, "kiosk", "zh")
    assert row.station == "service-station-1" and row.place == "渔人码头 · 东侧步道"
    assert row.contact.phone == SECRET_PHONE and row.contact.consent
    # The QR code's link is the public tracking page of that code.
    assert f"/track/{row.code}" in page.inner_text(".k-url")
    # The back button does not bring the draft back: the history holds one entry per visit.
    page.go_back()
    page.wait_for_load_state()
    assert_no_trace(page, BODY_ZH, TITLE_ZH, SECRET_PHONE)
    # Printing: only the receipt (no buttons, no language switch), on 80 mm paper by default.
    page.goto("/kiosk/receipt?lang=zh")
    if "/receipt" in page.url:
        page.emulate_media(media="print")
        assert page.is_hidden(".k-bar") and page.is_hidden("[data-action=print]")
        assert page.is_visible("#k-code")
        assert page.evaluate("document.body.classList.contains('paper-80')")
        page.emulate_media(media="screen")
        # Back to the start on its own after the receipt time.
        page.wait_for_selector("[data-kind=issue]", timeout=(RECEIPT + 4) * 1000)
        assert page.url.endswith("/kiosk?lang=zh")
    assert_no_trace(page, BODY_ZH, TITLE_ZH, SECRET_PHONE, code)
    assert page.evaluate("history.length") <= 3


def test_whole_flow_in_english_after_switching_language_mid_draft(device, live):
    page = device.page
    page.click("[data-kind=idea]")
    page.click("[data-category=child-friendly]")
    page.fill("#k-title", "More shade")
    page.fill("#k-body", "Please plant trees by the playground.")
    page.click(".k-lang a[data-lang=en]")
    page.wait_for_url(re.compile(r"/kiosk\?lang=en$"))
    page.wait_for_selector("body.k-ready")
    # Same step, same draft, now in English; the carried draft is gone from storage.
    assert visible_step(page) == "describe"
    assert page.input_value("#k-title") == "More shade"
    assert "Describe it" in page.inner_text(".k-step[data-step=describe] h1")
    assert storage_dump(page).strip() == ""
    page.click("[data-phrases-for=child-friendly] .k-chip >> nth=0")
    page.click(".k-step[data-step=describe] [data-action=next]")
    page.select_option("#k-area", "wujiaochang")
    assert page.is_visible("[data-landmark='五角场']")
    assert page.is_hidden("[data-landmark='渔人码头']")
    page.click("[data-landmark='五角场']")
    page.click(".k-step[data-step=where] [data-action=next]")
    page.click(".k-step[data-step=contact] [data-action=next]")
    summary = page.inner_text(".k-summary")
    assert "Make a suggestion" in summary and "Wujiaochang" in summary and "Not given" in summary
    page.click("[data-action=send]")
    page.wait_for_url(re.compile(r"/kiosk/receipt\?lang=en$"))
    assert "Thank you, we have received it" in page.inner_text("h1")
    [row] = submissions(live.app, device.kiosk_id)
    assert (row.kind, row.language, row.area, row.category) == (
        "idea", "en", "wujiaochang", "child-friendly")
    assert row.contact is None
    # "Done": back to the start in the station's language (Chinese), nothing left.
    page.click("[data-action=reset]")
    page.wait_for_url(re.compile(r"/kiosk\?lang=zh$"))
    page.wait_for_selector("body.k-ready")
    assert_no_trace(page, "More shade", "playground", row.display_code)


def test_idle_countdown_continue_then_full_reset(device, live):
    page = device.page
    page.click(".k-lang a[data-lang=en]")
    page.wait_for_url(re.compile(r"/kiosk\?lang=en$"))
    page.click("[data-kind=issue]")
    page.click("[data-category=noise]")
    page.fill("#k-title", "Loud bar")
    page.fill("#k-body", "Music until 3 am every night.")
    dialog = page.locator("#k-idle")
    dialog.wait_for(state="visible", timeout=(IDLE + 3) * 1000)
    assert "Are you still there?" in dialog.inner_text()
    assert_accessible(page, "idle dialog")
    page.click("#k-idle-continue")
    assert dialog.is_hidden()
    assert page.input_value("#k-title") == "Loud bar"  # continuing keeps the draft
    dialog.wait_for(state="visible", timeout=(IDLE + 3) * 1000)
    # No touch: after the countdown everything is wiped and the station's language is back.
    page.wait_for_url(re.compile(r"/kiosk\?lang=zh$"), timeout=(COUNTDOWN + 5) * 1000)
    page.wait_for_selector("body.k-ready")
    assert visible_step(page) == "kind"
    assert_no_trace(page, "Loud bar", "Music until")
    page.go_back()
    page.wait_for_load_state()
    assert_no_trace(page, "Loud bar", "Music until")
    assert submissions(live.app, device.kiosk_id) == []


def test_unreachable_portal_keeps_draft_and_retry_never_duplicates(device, live):
    page = device.page
    fill_flow(page, title=TITLE_ZH, body=BODY_ZH, contact=False)
    state = {"calls": 0}

    def lose_answer(route):
        # The first try reaches the portal but its answer is lost; the second never arrives.
        state["calls"] += 1
        if state["calls"] == 1:
            route.fetch()
        route.abort("connectionrefused")

    page.route("**/kiosk/send", lose_answer)
    page.click("[data-action=send]")
    alert = page.locator("#k-send-error")
    alert.wait_for(state="visible")
    assert "无法连接" in alert.inner_text()
    page.click("[data-action=send]")
    page.wait_for_function("() => document.querySelector('#k-send-error').hidden === false && "
                           "!document.querySelector('[data-action=send]').disabled")
    assert page.input_value("#k-body") == BODY_ZH  # the draft stays on screen
    assert len(submissions(live.app, device.kiosk_id)) == 1
    page.unroute("**/kiosk/send")
    page.click("[data-action=send]")
    page.wait_for_url(re.compile(r"/kiosk/receipt"))
    [row] = submissions(live.app, device.kiosk_id)
    assert page.inner_text("#k-code").strip() == row.display_code


def test_a_stale_page_still_sends_with_a_fresh_csrf_token(device, live):
    page = device.page
    fill_flow(page, title=TITLE_ZH, body=BODY_ZH, contact=False)
    # Simulate the server-side session expiring under an idle page: its cookie is dropped.
    device.context.clear_cookies(name="session")
    page.click("[data-action=send]")
    page.wait_for_url(re.compile(r"/kiosk/receipt"))
    assert len(submissions(live.app, device.kiosk_id)) == 1


def test_browser_that_is_not_enrolled_sees_an_explanation(live):
    device = Device(live, enrol=False)
    page = device.page
    response = page.goto("/kiosk?lang=en")
    assert response.status == 403
    assert "This is not a station kiosk" in page.inner_text("h1")
    assert page.locator("#k-form").count() == 0
    assert_accessible(page, "not enrolled")
    device.close()


def test_revoked_kiosk_is_refused(device, live):
    page = device.page
    describe(page, category="litter", title="垃圾满了", body="垃圾桶已经满了三天。")
    # Revoked mid-visit (leaving "describe" asked the portal, so revoke after that).
    with live.app.app_context():
        revoke_kiosk(db.session.get(Kiosk, device.kiosk_id), actor="test")
        db.session.commit()
    page.click(".k-step[data-step=where] [data-action=next]")
    page.click(".k-step[data-step=contact] [data-action=next]")
    page.click("[data-action=send]")
    page.wait_for_selector("text=该自助终端已停用")
    assert submissions(live.app, device.kiosk_id) == []
    assert page.locator("#k-form").count() == 0


@pytest.mark.parametrize("viewport", [(1080, 1920), (1920, 1080)])
def test_layout_targets_fonts_and_no_horizontal_scroll(live, viewport):
    device = Device(live, viewport=viewport)
    page = device.page
    checks = """() => {
        const small = [];
        for (const el of document.querySelectorAll('button, a, input, select, textarea')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;  // not shown on this step
            if (el.type === 'hidden') continue;
            if (r.width < 48 || r.height < 48)
                small.push(el.outerHTML.slice(0, 80) + ` ${r.width}x${r.height}`);
        }
        return {overflow: document.documentElement.scrollWidth - window.innerWidth,
                font: parseFloat(getComputedStyle(document.body).fontSize), small};
    }"""
    steps = [None, "[data-kind=issue]", "[data-category=street-lighting]",
             ".k-step[data-step=describe] [data-action=next]"]
    for selector in steps:
        if selector == ".k-step[data-step=describe] [data-action=next]":
            page.fill("#k-title", "路灯坏了")
            page.fill("#k-body", "三盏路灯坏了一周。")
        if selector:
            page.click(selector)
        if selector == ".k-step[data-step=describe] [data-action=next]":
            wait_step(page, "where")
        result = page.evaluate(checks)
        assert result["overflow"] <= 0, (selector, result)
        assert result["font"] >= 20
        assert result["small"] == [], (selector, result["small"])
    for leaving in ("where", "contact"):  # then the contact and review screens are checked
        if leaving == "contact":
            page.fill("#k-name", "王阿姨")
        page.click(f".k-step[data-step={leaving}] [data-action=next]")
        result = page.evaluate(checks)
        assert result["overflow"] <= 0 and result["small"] == [], (leaving, result)
    page.click("[data-action=send]")
    page.wait_for_url(re.compile(r"/kiosk/receipt"))
    result = page.evaluate(checks)
    assert result["overflow"] <= 0 and result["small"] == [], ("receipt", result)
    device.close()


@pytest.mark.parametrize("path", ["/?lang=zh", "/?lang=en", "/submit?kind=issue&lang=zh",
                                  "/submit?kind=idea&lang=en"])
def test_public_pages_pass_axe(live, path):
    device = Device(live, enrol=False)
    device.page.goto(path)
    assert_accessible(device.page, path)
    device.close()


def test_the_watchers_catch_what_they_look_for(live):
    """axe and the CSP watch are not vacuous: a missing alt text and an inline script are seen."""
    device = Device(live, enrol=False)
    page = device.page
    page.goto("/kiosk?lang=en")
    page.evaluate("""() => { const img = document.createElement('img');
                             img.src = '/static/none.png';
                             document.querySelector('main').append(img);
                             const s = document.createElement('script');
                             s.textContent = 'window.x = 1';
                             document.body.append(s); }""")
    assert "image-alt" in {v["id"] for v in run_axe(page)}
    page.wait_for_timeout(200)
    assert any(p.startswith("CSP") for p in device.watch.problems)
    device.watch.problems.clear()
    device.close()


def test_leaving_and_coming_back_restores_nothing(device):
    """Back/forward cache: a page left with a draft in it comes back empty."""
    page = device.page
    page.click("[data-kind=issue]")
    page.click("[data-category=noise]")
    page.fill("#k-title", "隔壁装修太吵")
    page.fill("#k-body", "每天早上七点开始电钻。")
    page.goto("/stations")
    page.go_back()
    page.wait_for_selector("body.k-ready")
    assert_no_trace(page, "隔壁装修太吵", "每天早上七点开始电钻。")
    assert visible_step(page) == "kind"


@pytest.mark.parametrize("paper,width_mm", [(58, 58), (80, 80)])
def test_receipt_prints_on_the_kiosk_paper_width(live, paper, width_mm):
    device = Device(live, paper_width=paper)
    page = device.page
    fill_flow(page, title="路灯坏了", body="三盏路灯坏了一周。", phrase=False, contact=False)
    page.click("[data-action=send]")
    page.wait_for_url(re.compile(r"/kiosk/receipt"))
    code = page.inner_text("#k-code").strip()
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
    assert len(boxes) == 1, "the receipt fits on one page"
    width_pt = float(boxes[0][0])
    assert abs(width_pt / 72 * 25.4 - width_mm) < 1
    assert page.is_visible(".k-qr svg") and page.is_hidden(".k-bar")
    assert code in page.inner_text(".k-receipt")
    device.close()


def test_a_draft_kept_after_a_failure_is_still_wiped_by_the_idle_reset(device, live):
    page = device.page
    fill_flow(page, title=TITLE_ZH, body=BODY_ZH, contact=False)
    page.route("**/kiosk/send", lambda route: route.abort("connectionrefused"))
    page.click("[data-action=send]")
    page.locator("#k-send-error").wait_for(state="visible")
    assert page.input_value("#k-title") == TITLE_ZH
    page.locator("#k-idle").wait_for(state="visible", timeout=(IDLE + 3) * 1000)
    with page.expect_navigation(url=re.compile(r"/kiosk\?lang=zh$"),
                                timeout=(COUNTDOWN + 5) * 1000):
        pass  # the countdown runs out with nobody touching the screen
    page.wait_for_selector("body.k-ready")
    assert_no_trace(page, TITLE_ZH, BODY_ZH)
    assert submissions(live.app, device.kiosk_id) == []
