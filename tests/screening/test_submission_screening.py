"""Screening inside create_submission, through the real public form (CSRF on)."""
import time

import pytest

from portal.extensions import db
from portal.submissions import forms as submission_forms
from portal.submissions.models import Submission
from tests.helpers import VALID_FORM, submit_form
from tests.screening.test_screening import SEED_TITLE, seed_text


def only_submission(app):
    with app.app_context():
        row = db.session.execute(
            db.select(Submission).order_by(Submission.id.desc())).scalars().first()
        return row.status, list(row.screening_reasons), row.screening_score


def submit_rendered_earlier(client, data, monkeypatch, seconds=10, lang=None):
    """Render the form `seconds` ago (as a person who took their time), then post it."""
    real = time.time
    with monkeypatch.context() as patch:
        patch.setattr(submission_forms.time, "time", lambda: real() - seconds)
        page = client.get("/submit" + (f"?lang={lang}" if lang else ""))
    html = page.get_data(as_text=True)
    import re

    from tests.helpers import csrf_token
    payload = {"csrf_token": csrf_token(html),
               "rendered": re.search(r'name="rendered" type="hidden" value="([^"]*)"',
                                     html).group(1),
               "idempotency_key": re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"',
                                            html).group(1)}
    payload.update(data)
    return client.post("/submit", data=payload, content_type="multipart/form-data")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_person_taking_their_time_passes_cleanly(app, client, monkeypatch, lang):
    response = submit_rendered_earlier(client, VALID_FORM, monkeypatch, lang=lang)
    assert response.status_code == 303
    status, reasons, _score = only_submission(app)
    assert status == "received" and reasons == []


@pytest.mark.parametrize("lang,notice", [("zh", "谢谢，我们已收到"),
                                         ("en", "Thank you, we have received it")])
def test_honeypot_holds_but_the_resident_still_gets_a_code(app, client, monkeypatch, lang, notice):
    response = submit_rendered_earlier(client, {**VALID_FORM, "website": "http://spam.example"},
                                       monkeypatch, lang=lang)
    assert response.status_code == 303
    assert notice in client.get(response.headers["Location"]).get_data(as_text=True)
    status, reasons, _score = only_submission(app)
    assert status == "held" and "honeypot" in reasons


def test_a_form_posted_at_once_is_marked_too_fast(app, client):
    assert submit_form(client, "/submit", VALID_FORM).status_code == 303
    status, reasons, _score = only_submission(app)
    assert "too_fast" in reasons and status == "received"


def test_a_forged_render_token_is_marked(app, client):
    assert submit_form(client, "/submit", {**VALID_FORM, "rendered": "forged"}).status_code == 303
    assert "bad_render_token" in only_submission(app)[1]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_seed_case_is_held_through_the_form(app, client, monkeypatch, lang):
    data = {**VALID_FORM, "title": SEED_TITLE, "body": seed_text()}
    assert submit_rendered_earlier(client, data, monkeypatch, lang=lang).status_code == 303
    status, reasons, score = only_submission(app)
    assert status == "held" and "lexicon:porn" in reasons and score >= 1.0


def test_seed_article_without_first_line_is_received(app, client, monkeypatch):
    data = {**VALID_FORM, "title": SEED_TITLE, "body": seed_text().split("\n", 1)[1]}
    assert submit_rendered_earlier(client, data, monkeypatch).status_code == 303
    status, reasons, _score = only_submission(app)
    assert status == "received", reasons


def test_a_repeated_submission_is_linked_to_the_first(app, make_submission):
    with app.app_context():
        first = make_submission(title="路灯不亮", body="杨树浦路 100 号门口的路灯坏了一周。")
        second = make_submission(title="路灯不亮", body="杨树浦路100号门口的路灯坏了一周！")
        assert f"duplicate:{first.code}" in second.screening_reasons
        assert second.status == "received"


def test_honeypot_is_hidden_from_people(client):
    html = client.get("/submit?lang=en").get_data(as_text=True)
    assert '<div class="hp-field" aria-hidden="true">' in html and 'tabindex="-1"' in html
    css = client.get("/static/css/portal.css").get_data(as_text=True)
    assert ".hp-field { position: absolute; left: -10000px;" in css
