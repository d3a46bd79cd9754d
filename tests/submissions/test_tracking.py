"""Tracking codes, the tracking page, published submissions and what stays private."""
import re

import pytest

from portal.extensions import db
from portal.submissions.codes import CODE_ALPHABET, new_tracking_code, normalize_tracking_code
from portal.submissions.services import (
    add_official_reply,
    change_status,
)


def test_tracking_codes_are_unambiguous_and_long_enough():
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 10 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("ILOU") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** 10 >= 2 ** 40


def test_codes_typed_by_hand_are_understood():
    assert normalize_tracking_code(" k7m2q-x9pr4 ") == "K7M2QX9PR4"
    assert normalize_tracking_code("O1IL") == "0111"


@pytest.mark.parametrize("lang,status_text", [("zh", "已收到"), ("zh_Hant", "已收到"),
                                              ("en", "Received")])
def test_lookup_by_code_shows_status_and_timeline(client, app, make_submission, lang, status_text):
    with app.app_context():
        submission = make_submission()
        code, display = submission.code, submission.display_code
    typed = display.lower().replace("-", " ")
    response = client.get(f"/track?code={typed}&lang={lang}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert display in html and status_text in html
    assert '<ol class="timeline">' in html
    assert code in response.headers["Location"]


@pytest.mark.parametrize("lang,message", [("en", "No submission has this tracking code"),
                                          ("zh", "没有找到该查询码对应的记录")])
def test_unknown_code_gets_a_message(client, lang, message):
    response = client.get(f"/track?code=ZZZZZ-ZZZZZ&lang={lang}")
    assert response.status_code == 404
    assert message in response.get_data(as_text=True)
    assert client.get("/track/<script>").status_code == 404


def test_timeline_shows_public_steps_and_official_reply_but_not_internal_notes(
        client, app, make_submission):
    with app.app_context():
        submission = make_submission()
        change_status(submission, "held", actor="system", note="INTERNAL-SCORE", public=False)
        change_status(submission, "accepted", actor="user:mod", note="INTERNAL-NOTE",
                      public_note="Passed to urban management.")
        add_official_reply(submission, actor="user:mod", text="路灯已于周五修复。",
                           text_en="The light was repaired on Friday.")
        db.session.commit()
        code = submission.code
    html_en = client.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert "Passed to urban management." in html_en
    assert "The light was repaired on Friday." in html_en
    assert "INTERNAL" not in html_en and "Under review" not in html_en
    html_hant = client.get(f"/track/{code}?lang=zh_Hant").get_data(as_text=True)
    assert "路燈已於週五修復。" in html_hant and "官方答覆" in html_hant


def test_published_list_and_page_show_only_the_public_text(client, app, make_submission):
    with app.app_context():
        private = make_submission(title="Not yet public lamp")
        public = make_submission(title="Original title", body="Original body with 13912345678",
                                 contact={"name": "Zhang San", "phone": "13912345678",
                                          "email": "zs@example.com", "consent": True})
        from portal.submissions.services import set_publication
        set_publication(public, True, actor="test", public_title="Lamp out at gate 3",
                        public_body="The lamp at gate 3 is out. (phone masked)")
        db.session.commit()
        public_id, private_id = public.id, private.id
    listing = client.get("/submissions?lang=en").get_data(as_text=True)
    assert "Lamp out at gate 3" in listing and "Not yet public lamp" not in listing
    assert "1 submission published." in listing
    page = client.get(f"/submissions/{public_id}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "The lamp at gate 3 is out." in html
    for secret in ("Original title", "13912345678", "Zhang San", "zs@example.com"):
        assert secret not in html
    assert client.get(f"/submissions/{private_id}").status_code == 404
    # The tracking code is the resident's key: never printed on public pages.
    assert not re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}", html)


def test_contact_is_never_on_the_tracking_page(client, app, make_submission):
    with app.app_context():
        submission = make_submission(contact={"name": "Wang Wu", "phone": "021 5555 1234",
                                              "email": "ww@example.com", "consent": False})
        code = submission.code
    html = client.get(f"/track/{code}").get_data(as_text=True)
    assert "Wang Wu" not in html and "5555" not in html and "ww@example.com" not in html


def test_published_list_paginates(client, app, make_submission):
    app.config["PORTAL_PUBLIC_PAGE_SIZE"] = 2
    with app.app_context():
        for i in range(5):
            make_submission(title=f"Lamp number {i}", publish=True)
    page1 = client.get("/submissions?lang=en").get_data(as_text=True)
    assert "Page 1 of 3" in page1 and "Lamp number 4" in page1 and "Lamp number 0" not in page1
    page3 = client.get("/submissions?page=3&lang=en").get_data(as_text=True)
    assert "Lamp number 0" in page3
    assert client.get("/submissions?page=abc").status_code == 200
