"""Real-browser helpers: Debian's chromium driven by Playwright, a live portal, axe-core.

The browser tests skip with a message when chromium, Playwright or axe-core is missing, except
in CI (env CI set), where a missing tool is a failure.
"""
import os
import shutil
import threading
from pathlib import Path

from portal.config import ROOT_DIR
from tests.helpers import missing_in_ci_or_skip

CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
IDLE, COUNTDOWN, RECEIPT = 4, 3, 5  # seconds, shortened from 90 / 15 / 60 for the tests
AXE_JS = ROOT_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_browser_tools():
    """Skip (or, in CI, fail) when the browser tests cannot run here; say why."""
    problems = []
    if not Path(CHROMIUM).exists():
        problems.append(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright for Python is not installed (make install-dev)")
    if not AXE_JS.exists():
        problems.append(f"axe-core is missing at {AXE_JS} (npm ci at the repository root)")
    if problems:
        missing_in_ci_or_skip("kiosk browser tests need: " + "; ".join(problems))


class LiveServer:
    """The portal served by werkzeug on 127.0.0.1 on an ephemeral port, in a thread."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


class PageWatch:
    """Collects what must never happen on a page: CSP violations, script errors, outside
    requests."""

    def __init__(self, page, base_url):
        self.problems = []
        self.base_url = base_url
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        page.on("request", self._request)

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"CSP: {text}")
        elif message.type == "error" and "Failed to load resource" not in text:
            self.problems.append(f"console error: {text}")

    def _request(self, request):
        url = request.url
        if not (url.startswith(self.base_url) or url.startswith(("data:", "about:", "blob:"))):
            self.problems.append(f"outside request: {url}")


def run_axe(page) -> list:
    """axe-core's serious and critical violations on the current page (injected by DevTools,
    so the page's CSP, which forbids inline script, stays in force)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def storage_dump(page) -> str:
    """Everything in the page's localStorage and sessionStorage, as one string."""
    return page.evaluate("""() => {
        const dump = s => Array.from({length: s.length},
                                     (_, i) => s.key(i) + '=' + s.getItem(s.key(i))).join('\\n');
        return dump(window.localStorage) + '\\n' + dump(window.sessionStorage);
    }""")


def dom_text(page) -> str:
    """All text and form values of the page (what a next person could see or find)."""
    return page.evaluate("""() => document.documentElement.outerHTML + '\\n' +
        Array.from(document.querySelectorAll('input, textarea, select'))
            .map(e => e.value).join('\\n')""")
