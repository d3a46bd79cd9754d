"""Fixtures for the API tests: API keys, staff tokens, a valid payload, row counts, the index."""
import pytest

from portal.accounts.services import create_user
from portal.accounts.tokens import issue_staff_token
from portal.api.services import issue_api_key
from portal.extensions import db
from portal.submissions.models import ChangeLog, Contact, Photo, StatusEvent, Submission
from tests.conftest import submit_form

PASSWORD = "river-lamp-4821"
VALID = {"kind": "issue", "category": "street-lighting", "area": "riverside",
         "title": "Street light out near the ferry",
         "body": "The lamp by gate 3 has been dark for a week."}


@pytest.fixture
def api_key(app):
    """A fresh API key's secret."""
    with app.app_context():
        _key, secret = issue_api_key("Test client", created_by="test")
        db.session.commit()
    return secret


@pytest.fixture
def staff_token(app):
    """A bearer token for a new staff user of the given role."""
    def build(role="moderator", username=None):
        with app.app_context():
            create_user(username or role, role, PASSWORD)
            _token, secret = issue_staff_token(username or role)
            db.session.commit()
        return secret
    return build


@pytest.fixture
def index_now(app):
    """Apply the change log to the search index and reopen the searcher, as the worker does
    (the API's search answers 503 until an index exists)."""
    def drain():
        from portal.search.indexer import apply_changes
        from portal.search.searchers import refresh_searcher
        with app.app_context():
            while apply_changes():
                pass
            refresh_searcher()
    return drain


@pytest.fixture
def login(client, app):
    """Sign a new staff user of the given role in through the real form."""
    def sign_in(role="administrator", lang=None):
        with app.app_context():
            create_user(role, role, PASSWORD)
            db.session.commit()
        response = submit_form(client, "/staff/login", {"username": role, "password": PASSWORD},
                               lang=lang)
        assert response.status_code == 302
    return sign_in


def stored(app) -> tuple:
    """How many submissions, timeline entries, change-log rows, contacts and photos exist."""
    with app.app_context():
        return tuple(db.session.query(model).count()
                     for model in (Submission, StatusEvent, ChangeLog, Contact, Photo))


NOTHING = (0, 0, 0, 0, 0)
