"""A title or text of zero-width characters is no title or text, in every form that asks."""
from portal.extensions import db
from portal.submissions.models import Submission
from tests.helpers import VALID_FORM, submit_form


def test_web_form_refuses_a_zero_width_title(client, app):
    response = submit_form(client, "/submit", {**VALID_FORM, "title": "\u200b\u200b\u200b"},
                           lang="en")
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_a_zero_width_place_is_stored_as_no_place(client, app):
    response = submit_form(client, "/submit", {**VALID_FORM, "place": "\u200b\ufeff"}, lang="en")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.query(Submission).one().place == ""
