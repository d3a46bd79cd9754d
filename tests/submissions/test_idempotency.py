"""A double-clicked submit or a retried request creates one submission, not two."""
import re

import pytest

from portal.extensions import db
from portal.submissions.models import Submission
from portal.submissions.services import IdempotencyConflict
from tests.conftest import VALID_FORM, csrf_token


def test_double_submit_of_the_same_form_creates_one_submission(client, app):
    html = client.get("/submit").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {**VALID_FORM, "csrf_token": csrf_token(html), "idempotency_key": key}
    first = client.post("/submit", data=data)
    second = client.post("/submit", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.query(Submission).count() == 1


def test_same_key_with_other_content_is_a_conflict(app_ctx, make_submission):
    make_submission(idempotency_key="k-1")
    with pytest.raises(IdempotencyConflict):
        make_submission(idempotency_key="k-1", title="Something else entirely")
    db.session.rollback()
    assert db.session.query(Submission).count() == 1


def test_same_key_same_content_returns_the_first(app_ctx, make_submission):
    first = make_submission(idempotency_key="k-2")
    again = make_submission(idempotency_key="k-2")
    assert first.id == again.id
