"""Fixtures for forwarding: fast relay settings, a forwarded submission (sign-in, accepting, the
receiver and the payload schema: tests/conftest.py)."""
import pytest

from portal.extensions import db
from portal.submissions.models import Submission
from tests.forwarding.helpers import FAST_RELAY, drain


@pytest.fixture
def app_config():
    return dict(FAST_RELAY)


@pytest.fixture
def forwarded(app, make_submission, accept):
    """A submission forwarded to the platform; returns its tracking code."""
    with app.app_context():
        submission = accept(make_submission())
        drain()
        assert db.session.get(Submission, submission.id).status == "forwarded"
        return submission.code
