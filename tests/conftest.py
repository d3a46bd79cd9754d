"""Fixtures shared by every feature's tests: an app on a fresh database, clients, data builders."""
import os
import re

import pytest
from sqlalchemy import create_engine, text

from portal import create_app
from portal.core.catalogs import build_catalogs
from portal.extensions import db
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.services import create_submission, set_publication

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def missing_in_ci_or_skip(message: str):
    """A service or tool the test needs is absent: a failure in CI, a skip with the reason here."""
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {message}")
    pytest.skip(f"{message}; these tests run in CI or where it is installed")


def reachable_or_skip(name: str, url: str, probe):
    """`url` once `probe(url)` succeeds; otherwise see missing_in_ci_or_skip."""
    try:
        probe(url)
    except Exception as exc:  # noqa: BLE001  (any failure to connect means: no server here)
        missing_in_ci_or_skip(f"{name} not reachable at {url} ({type(exc).__name__}: {exc})")
    return url


def _probe_postgres(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def postgres_url_or_skip(url=None):
    """A reachable PostgreSQL URL (the CI database by default)."""
    url = url or PG_URL or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    return reachable_or_skip("PostgreSQL", url, _probe_postgres)


def reset_postgres_schema(url):
    """Drop everything in the public schema (tests own their database)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """Compile the catalogs (and generate zh_Hant) once, as `make translations` does."""
    build_catalogs()


@pytest.fixture
def app_config():
    """Extra settings a test module may override."""
    return {}


@pytest.fixture
def app(tmp_path, monkeypatch, app_config):
    """The portal on an empty database (SQLite in tmp_path, or PostgreSQL when configured)."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    if PG_URL:
        postgres_url_or_skip(PG_URL)
        reset_postgres_schema(PG_URL)
        monkeypatch.setenv("PORTAL_DATABASE_URL", PG_URL)
    application = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off",
                              "PORTAL_MAP_OUTLINE": "off", **app_config})
    with application.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def submit_form(client, url, data, *, lang=None, files=None):
    """Fetch a form page as a browser would, then post it with its CSRF token."""
    query = f"?lang={lang}" if lang else ""
    page = client.get(url + (("&" if "?" in url else "?") + query[1:] if query else ""))
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    payload = {"csrf_token": csrf_token(html)}
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', html)
    if key:
        payload["idempotency_key"] = key.group(1)
    payload.update(data)
    if files:
        payload.update(files)
    return client.post(url, data=payload, content_type="multipart/form-data")


VALID_FORM = {
    "kind": "issue", "category": "street-lighting", "area": "riverside",
    "title": "Street light out near the ferry", "body": "The lamp by gate 3 has been dark for a week.",
}


@pytest.fixture
def make_submission(app):
    """Build a submission through the one service that creates them; optionally publish it."""
    def build(*, publish=False, commit=True, **overrides):
        values = {"kind": "issue", "category_code": "street-lighting", "area_code": "riverside",
                  "title": "路灯不亮", "body": "杨树浦路 100 号门口的路灯坏了一周。",
                  "channel": "web", "language": "zh"}
        values.update(overrides)
        submission = create_submission(**values).submission
        if publish:
            set_publication(submission, True, actor="test", public_title=submission.title,
                            public_body=submission.body)
        if commit:
            db.session.commit()
        return submission
    return build


def pytest_sessionstart(session):
    """Stop at once when the installed Whoosh is not the one the search engine's storage
    adapter reads (production falls back to Whoosh's searcher; tests must not hide it)."""
    from portal.search.engine import storage
    if not storage.STATUS.ok:
        pytest.exit(storage.STATUS.message, returncode=3)
