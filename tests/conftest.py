"""Fixtures shared by every feature's tests: an app on a fresh database, clients, data builders."""
import json

import pytest

from portal import create_app
from portal.accounts.services import create_user
from portal.accounts.tokens import issue_staff_token
from portal.api.services import issue_api_key
from portal.core.catalogs import build_catalogs
from portal.extensions import db
from portal.forwarding.payload import SCHEMA_PATH
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.services import change_status, create_submission, set_publication
from tests.forwarding.helpers import SECRET
from tests.forwarding.receiver import Receiver
from tests.helpers import (
    PG_URL,
    STAFF_PASSWORD,
    postgres_url_or_skip,
    reset_postgres_schema,
    submit_form,
)
from tests.search.helpers import drain as drain_index


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


@pytest.fixture
def staff_user(app):
    """Create a staff user with STAFF_PASSWORD; returns the id."""
    def build(username, role):
        with app.app_context():
            user = create_user(username, role, STAFF_PASSWORD)
            db.session.commit()
            return user.id
    return build


@pytest.fixture
def login(client, staff_user):
    """Sign a new staff user of `role` in through the real login form; returns the browser.

    The username is the role unless given; the browser is the test's `client` unless another
    one is given (`browser=app.test_client()` for a second person in the same test).
    """
    def sign_in(role="administrator", *, username=None, lang=None, browser=None):
        username = username or role
        browser = client if browser is None else browser
        staff_user(username, role)
        response = submit_form(browser, "/staff/login",
                               {"username": username, "password": STAFF_PASSWORD}, lang=lang)
        assert response.status_code == 302, response.status_code
        return browser
    return sign_in


@pytest.fixture
def staff_token(app):
    """A bearer token for a new staff user of the given role."""
    def build(role="moderator", username=None):
        with app.app_context():
            create_user(username or role, role, STAFF_PASSWORD)
            _token, secret = issue_staff_token(username or role)
            db.session.commit()
        return secret
    return build


@pytest.fixture
def api_key(app):
    """A fresh API key's secret."""
    with app.app_context():
        _key, secret = issue_api_key("Test client", created_by="test")
        db.session.commit()
    return secret


@pytest.fixture
def publish(app, make_submission):
    """A published submission with this title and text (the public text is the same).

    Category "other" and area 大桥 by default, so their names do not match the test queries.
    """
    def build(title, body=None, **values):
        values = {"category_code": "other", "area_code": "daqiao", **values}
        with app.app_context():
            submission = make_submission(publish=True, title=title,
                                         body=body or f"{title}。请尽快处理。", **values)
            return submission.id
    return build


@pytest.fixture
def index_now(app):
    """Apply the change log to the search index and reopen the searcher, as the worker does
    (the API's search answers 503 until an index exists)."""
    return lambda: drain_index(app)


@pytest.fixture
def accept():
    """Accept a submission the way moderation will: change_status, then commit."""
    def do(submission):
        change_status(submission, "accepted", actor="user:moderator")
        db.session.commit()
        return submission
    return do


@pytest.fixture
def receiver():
    """A loopback webhook receiver that checks the relay's signatures."""
    server = Receiver(secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def use_webhook(app, receiver):
    """Point the relay at the receiver."""
    app.config.update(PORTAL_SINK="webhook", PORTAL_WEBHOOK_URL=receiver.url)
    app.extensions.pop("forwarding_sink", None)
    return receiver


@pytest.fixture
def incident_schema():
    """A validator for the incident payload's published JSON Schema."""
    from jsonschema import Draft202012Validator, FormatChecker

    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def pytest_sessionstart(session):
    """Stop at once when the installed Whoosh is not the one the search engine's storage
    adapter reads (production falls back to Whoosh's searcher; tests must not hide it)."""
    from portal.search.engine import storage
    if not storage.STATUS.ok:
        pytest.exit(storage.STATUS.message, returncode=3)
