"""Ideas fixtures: published ideas, signed-in staff, posting forms from a page."""
from types import SimpleNamespace

import pytest


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
def moderator(app, login):
    return login("moderator", username="mod", browser=app.test_client())
