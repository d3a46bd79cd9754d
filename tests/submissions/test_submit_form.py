"""The public submission form, through the real form with CSRF, in every language."""
import re

import pytest

from portal.extensions import db
from portal.submissions.models import ChangeLog, Submission
from tests.helpers import VALID_FORM, submit_form

CODE_ON_PAGE = re.compile(r'class="tracking-code"[^>]*>([0-9A-Z]{5}-[0-9A-Z]{5})<')


def submission_count(app):
    with app.app_context():
        return db.session.query(Submission).count()


@pytest.mark.parametrize("lang,heading", [("zh", "谢谢，我们已收到"),
                                          ("zh_Hant", "謝謝，我們已收到"),
                                          ("en", "Thank you, we have received it")])
def test_resident_submits_issue_and_gets_tracking_code(client, app, lang, heading):
    response = submit_form(client, "/submit", VALID_FORM, lang=lang)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert heading in html
    code = CODE_ON_PAGE.search(html).group(1)
    assert page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        row = db.session.query(Submission).one()
        assert row.display_code == code
        assert row.status == "received" and row.channel == "web" and row.language == lang
        assert [c.change for c in db.session.query(ChangeLog)] == ["created"]
