"""Search fixtures: publish submissions, run the indexer as the worker would, sign staff in."""
import pytest

from portal.accounts.services import create_user
from portal.extensions import db
from portal.search.indexer import apply_changes
from portal.search.searchers import refresh_searcher
from tests.conftest import submit_form

PASSWORD = "river-lamp-4821"


def drain(app):
    """Apply the whole change log to the index, then reopen this process's searcher."""
    with app.app_context():
        while apply_changes():
            pass
        refresh_searcher()


@pytest.fixture
def index_now(app):
    return lambda: drain(app)


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
def login(app, client):
    """Sign a staff user of `role` in through the real login form."""
    def sign_in(role):
        with app.app_context():
            create_user(role, role, PASSWORD)
            db.session.commit()
        response = submit_form(client, "/staff/login", {"username": role, "password": PASSWORD})
        assert response.status_code == 302
    return sign_in
