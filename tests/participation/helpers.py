"""Helpers for the ideas tests: posting a form from its page, reading an idea afresh."""
import re
from types import SimpleNamespace

from portal.extensions import db
from portal.submissions.models import Submission
from tests.helpers import csrf_token

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


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
