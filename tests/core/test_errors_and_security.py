"""Error pages in both languages (JSON under /api/), security headers, cookies, escaping."""
import re
from pathlib import Path

import pytest
from flask import Blueprint, abort

from portal.config import ROOT_DIR
from tests.helpers import VALID_FORM, submit_form


@pytest.fixture
def app(app):
    """The portal with a few routes that fail on purpose."""
    failing = Blueprint("failing", __name__)

    @failing.route("/boom/<int:status>")
    @failing.route("/api/v1/boom/<int:status>")
    def boom(status):
        if status == 500:
            raise RuntimeError("secret internal detail")
        abort(status)

    app.register_blueprint(failing)
    return app


ERRORS = {400: ("Bad request", "请求有误"), 403: ("Not allowed", "不允许"),
          404: ("Page not found", "页面不存在"), 413: ("Upload too large", "上传内容过大"),
          429: ("Too many requests", "请求过于频繁"), 500: ("Something went wrong", "出错了")}


@pytest.mark.parametrize("status", sorted(ERRORS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_error_pages_in_each_language_without_traces(client, status, lang):
    response = client.get(f"/boom/{status}?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert ERRORS[status][0 if lang == "en" else 1] in html
    assert "Traceback" not in html and "secret internal detail" not in html
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("status", sorted(ERRORS))
def test_api_errors_are_json_in_the_requested_language(client, status):
    response = client.get(f"/api/v1/boom/{status}", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == status and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert "secret internal detail" not in error["message"]
    assert re.search(r"[\u4e00-\u9fff]", error["message"])


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here?lang=en")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "404"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(client):
    response = client.get("/submit")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_session_cookie_is_secure_when_configured_for_https(client, app_config):
    response = client.get("/submit")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie


def test_https_setting_comes_from_the_environment(monkeypatch, tmp_path):
    from portal.config import load_config
    config = load_config({"PORTAL_DATA_DIR": str(tmp_path), "PORTAL_HTTPS": "1"})
    assert config["SESSION_COOKIE_SECURE"] is True and config["PREFERRED_URL_SCHEME"] == "https"


def test_user_text_is_escaped_everywhere_it_is_shown(client, app):
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    response = submit_form(client, "/submit", {**VALID_FORM, "title": "Lamp " + hostile,
                                               "body": hostile + " is broken"}, lang="en")
    page = client.get(response.headers["Location"].replace("/thanks/", "/track/"))
    html = page.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_templates_have_no_inline_script_or_style():
    """The CSP forbids inline script and style; a template that used them would break."""
    offenders = []
    for template in Path(ROOT_DIR, "portal").rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(
                r"\sstyle=|\son[a-z]+=", text):
            offenders.append(str(template))
    assert not offenders


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_reports_database_index_and_outbox(client, app, make_submission):
    with app.app_context():
        make_submission()
    response = client.get("/readyz")
    body = response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert body["checks"]["database"]["ready"] is True
    assert body["checks"]["forwarding"]["dead"] == 0
    # No index has been built yet in this data directory: not ready to search.
    assert response.status_code == 503 and body["checks"]["search"]["ready"] is False
    from portal.search.indexer import apply_changes
    with app.app_context():
        while apply_changes():
            pass
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready" and body["checks"]["search"]["behind"] == 0
