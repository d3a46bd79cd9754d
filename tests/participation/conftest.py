"""Ideas fixtures: published ideas, signed-in staff, posting forms from a page."""
import re
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.submissions.models import Submission
from tests.accounts.conftest import staff_client, staff_user  # noqa: F401  (fixtures)
from tests.conftest import csrf_token

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def make_idea(app, make_submission):
    """A published idea (category greenery, area riverside unless given); returns plain values."""
    def build(title="在滨江步道多种些树", body="夏天步道太晒，希望每隔二十米种一棵树。", **values):
        values = {"kind": "idea", "category_code": "greenery", "area_code": "riverside",
                  **values}
        with app.app_context():
            row = make_submission(publish=True, title=title, body=body, **values)
            return SimpleNamespace(id=row.id, code=row.code, title=title)
    return build


@pytest.fixture
def moderator(staff_client):
    return staff_client("moderator", username="mod")


def post_from(browser, page_url, action_url, data, **kwargs):
    """Load a page (for its CSRF token, and its idempotency key when it has one), post a form."""
    page = browser.get(page_url, **kwargs)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    payload = {"csrf_token": csrf_token(html)}
    key = KEY.search(html)
    if key:
        payload["idempotency_key"] = key.group(1)
    return browser.post(action_url, data={**payload, **data}, **kwargs)


def idea_row(app, idea_id):
    """The idea's submission row, read afresh."""
    with app.app_context():
        row = db.session.get(Submission, idea_id)
        return SimpleNamespace(support_count=row.support_count, status=row.status)
