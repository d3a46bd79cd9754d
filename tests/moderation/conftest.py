"""Moderation fixtures: a signed-in moderator and records made through the submissions service."""
from types import SimpleNamespace

import pytest


@pytest.fixture
def moderator(app, login):
    """A browser of its own, signed in as the moderator "mod"."""
    return login("moderator", username="mod", browser=app.test_client())


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
