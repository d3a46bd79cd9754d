"""Moderation fixtures: signed-in staff (from the accounts tests) and form posting helpers."""
from types import SimpleNamespace

import pytest

from tests.accounts.conftest import staff_client, staff_user  # noqa: F401  (fixtures)
from tests.conftest import csrf_token


@pytest.fixture
def moderator(staff_client):
    return staff_client("moderator", username="mod")


def post_from(browser, page_url, action_url, data):
    """Load a staff page (for its CSRF token) and post one of its forms."""
    page = browser.get(page_url)
    assert page.status_code == 200, page.status_code
    return browser.post(action_url, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                          **data})


@pytest.fixture
def make_record(app, make_submission):
    """make_submission in its own application context; returns plain values, so requests made
    afterwards by test clients use their own sessions and see every commit."""
    def build(**overrides):
        with app.app_context():
            row = make_submission(**overrides)
            return SimpleNamespace(id=row.id, code=row.code, display_code=row.display_code,
                                   status=row.status, title=row.title,
                                   reasons=list(row.screening_reasons))
    return build
