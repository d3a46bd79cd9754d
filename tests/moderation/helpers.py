"""Plain helpers for the moderation tests."""
from tests.helpers import csrf_token


def post_from(browser, page_url, action_url, data):
    """Load a staff page (for its CSRF token) and post one of its forms."""
    page = browser.get(page_url)
    assert page.status_code == 200, page.status_code
    return browser.post(action_url, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                          **data})
