"""Fixtures for the places tests: the fake boundary layout of helpers.py (NOT real boundaries)."""
import pytest
from flask_babel import force_locale

from portal.extensions import db
from portal.places.services import load_boundaries
from tests.places.helpers import collection, fake_features


@pytest.fixture
def app_ctx(app):
    """An app context whose messages are in English (services translate outside requests)."""
    with app.app_context(), force_locale("en"):
        yield


@pytest.fixture
def fake_boundaries(app_ctx):
    """Load the fake layout (every area), committed."""
    load_boundaries(collection(fake_features()), actor="test", source="fake test layout")
    db.session.commit()
