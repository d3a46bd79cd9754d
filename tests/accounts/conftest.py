"""Staff users and signed-in clients for the staff-side tests (accounts, moderation...)."""
import pytest

from portal.accounts.services import create_user
from portal.extensions import db
from tests.conftest import submit_form

STAFF_PASSWORD = "river-lamp-4821"


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
def staff_client(app, staff_user):
    """A new browser signed in (through the real form) as a new user of `role`."""
    def sign_in(role, username=None, lang=None):
        username = username or f"{role}-user"
        staff_user(username, role)
        browser = app.test_client()
        response = submit_form(browser, "/staff/login",
                               {"username": username, "password": STAFF_PASSWORD}, lang=lang)
        assert response.status_code == 302, response.status_code
        return browser
    return sign_in
