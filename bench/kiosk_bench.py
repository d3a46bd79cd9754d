"""Kiosk page weight and per-step time to interactive, on loopback, in headless Chromium.

    .venv/bin/python bench/kiosk_bench.py [--runs 7]

Prints: every request the start page makes (all must go to the portal), its bytes raw and
gzip-compressed (what a compressing front end sends; the budget is 150 KB compressed), and the
median / worst time to interactive of each step over the runs:
- page loads (start, receipt): PerformanceNavigationTiming domInteractive and load end;
- in-page steps: from the tap to two animation frames after the next screen is shown, measured
  in the page (handler, style, layout and first paint of the new screen).
Needs Debian's chromium and Playwright (see docs/kiosk.md). Never gates CI.
"""
import argparse
import gzip
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_BYTES = 150 * 1024
TAP = """async (selector) => {
    const el = document.querySelector(selector);
    const t0 = performance.now();
    el.click();
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
}"""
NAV = """() => { const n = performance.getEntriesByType('navigation')[0];
                 return [n.domInteractive - n.startTime, n.loadEventEnd - n.startTime]; }"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ["PORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="kiosk-bench-")
    os.environ.setdefault("PORTAL_RATE_LIMITS", "off")
    os.environ.setdefault("PORTAL_EMBEDDED_WORKER", "0")
    from playwright.sync_api import sync_playwright

    from portal import create_app
    from portal.extensions import db
    from portal.kiosk.services import enrol_kiosk
    from portal.stations.services import load_reference_file, seed_reference_data
    from tests.kiosk.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer

    app = create_app({"PORTAL_KIOSK_IDLE_SECONDS": 3600})
    app.logger.disabled = True
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.commit()
        tokens = [enrol_kiosk("service-station-1")[1] for _ in range(args.runs + 1)]
        db.session.commit()

    timings = {}

    def record(name, value):
        timings.setdefault(name, []).append(value)

    with LiveServer(app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Page weight: a cold load of the start screen, every request it makes.
        context = browser.new_context(base_url=server.url, viewport={"width": 1080, "height": 1920})
        page = context.new_page()
        page.goto(f"/kiosk/enrol/{tokens[0]}")
        page.click("button[type=submit]")
        page.wait_for_selector("body.k-ready")
        cookies = [c for c in context.cookies() if c["name"] == "portal_kiosk"]
        context.close()
        # A fresh context holding only the device credential: empty cache, like a cold start.
        context = browser.new_context(base_url=server.url, viewport={"width": 1080, "height": 1920})
        context.add_cookies(cookies)
        page = context.new_page()
        requests = []
        page.on("requestfinished", lambda request: requests.append(request))
        page.goto("/kiosk", wait_until="networkidle")
        print("Start page (/kiosk, redirected to ?lang=zh), cold cache, every request (bodies):")
        total_raw = total_gz = 0
        outside = []
        for request in requests:
            if not request.url.startswith(server.url):
                outside.append(request.url)
            response = request.response()
            body = b"" if 300 <= response.status < 400 else response.body()
            raw, packed = len(body), len(gzip.compress(body, 9)) if body else 0
            total_raw += raw
            total_gz += packed
            print(f"  {request.url[len(server.url):]:<24} {raw:>8,} B raw {packed:>8,} B gzip")
        verdict = "OK" if total_gz <= BUDGET_BYTES else "OVER"
        print(f"  total {total_raw:,} B raw, {total_gz:,} B gzip "
              f"(budget {BUDGET_BYTES:,} B compressed: {verdict})")
        print(f"  requests outside the portal: {outside or 'none'}")
        context.close()

        for run in range(args.runs):
            context = browser.new_context(base_url=server.url,
                                          viewport={"width": 1080, "height": 1920})
            page = context.new_page()
            page.goto(f"/kiosk/enrol/{tokens[run + 1]}")
            page.click("button[type=submit]")
            page.wait_for_selector("body.k-ready")
            page.reload()
            page.wait_for_selector("body.k-ready")
            interactive, loaded = page.evaluate(NAV)
            record("start page load: dom interactive", interactive)
            record("start page load: load event end", loaded)
            record("tap kind -> category", page.evaluate(TAP, "[data-kind=issue]"))
            record("tap category -> describe",
                   page.evaluate(TAP, "[data-category=street-lighting]"))
            page.fill("#k-title", "路灯不亮")
            page.fill("#k-body", "渔人码头旁边的路灯坏了一周。")
            record("describe -> where",
                   page.evaluate(TAP, ".k-step[data-step=describe] [data-action=next]"))
            record("where -> contact",
                   page.evaluate(TAP, ".k-step[data-step=where] [data-action=next]"))
            record("contact -> review",
                   page.evaluate(TAP, ".k-step[data-step=contact] [data-action=next]"))
            started = time.perf_counter()
            page.click("[data-action=send]")
            page.wait_for_url(re.compile(r"/kiosk/receipt"))
            page.wait_for_selector("body.k-ready")
            record("send -> receipt interactive (wall clock, 3 requests)",
                   (time.perf_counter() - started) * 1000)
            interactive, loaded = page.evaluate(NAV)
            record("receipt page load: dom interactive", interactive)
            started = time.perf_counter()
            page.click("[data-action=reset]")
            page.wait_for_url(re.compile(r"/kiosk\?lang=zh$"))
            page.wait_for_selector("body.k-ready")
            record("done -> fresh start screen interactive (wall clock)",
                   (time.perf_counter() - started) * 1000)
            record("fresh start page after reset: dom interactive", page.evaluate(NAV)[0])
            context.close()
        browser.close()

    print(f"\nTime to interactive, {args.runs} runs, loopback, headless Chromium (ms):")
    for name, values in timings.items():
        print(f"  {name:<56} median {statistics.median(values):7.1f}  max {max(values):7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
