"""Follow-up (回访) at a station kiosk by typing the tracking code; "no feedback" counted apart."""
from datetime import timedelta

import pytest

from portal.core.time import utcnow
from portal.extensions import db
from portal.servicelevels.deadlines import consume_changes
from portal.servicelevels.followup import close_without_feedback
from portal.servicelevels.models import FollowUp
from portal.submissions.models import Submission
from portal.submissions.services import change_status
from tests.forwarding.helpers import drain
from tests.helpers import csrf_token
from tests.kiosk.helpers import enrol_link, redeem


@pytest.fixture
def resolved(app, make_submission, accept):
    """A case accepted, forwarded and resolved; returns its tracking code."""
    def build(**values):
        with app.app_context():
            case = accept(make_submission(**values))
            drain()
            case = db.session.get(Submission, case.id)
            change_status(case, "resolved", actor="platform")
            db.session.commit()
            consume_changes()
            db.session.commit()
            return case.code
    return build


@pytest.fixture
def kiosk(app):
    """A browser enrolled as a station kiosk."""
    _kiosk_id, path = enrol_link(app, label="entrance")
    browser = app.test_client()
    assert redeem(browser, path).status_code == 303
    return browser


def status_of(code):
    db.session.expire_all()
    return db.session.execute(db.select(Submission.status).filter_by(code=code)).scalar_one()


@pytest.mark.parametrize("lang, link, question, done", [
    ("en", "Was your problem fixed? Answer the follow-up", "Was the problem fixed?",
     "The case was reopened"),
    ("zh", "问题解决了吗？请回答回访", "问题是否已解决？", "案件已重新办理")])
def test_a_resident_answers_not_fixed_at_the_kiosk_by_typing_the_code(
        app, kiosk, resolved, lang, link, question, done):
    code = resolved()
    start = kiosk.get(f"/kiosk?lang={lang}").get_data(as_text=True)
    assert link in start and f"/kiosk/follow-up?lang={lang}" in start
    typed = f"{code[:5].lower()}-{code[5:]}"  # as read off a receipt, in lower case
    page = kiosk.get(f"/kiosk/follow-up?lang={lang}&code={typed}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert question in html
    response = kiosk.post(f"/kiosk/follow-up?lang={lang}", data={
        "csrf_token": csrf_token(html), "code": typed, "fixed": "no",
        "satisfaction": "dissatisfied", "comment": "还是不亮"})
    assert response.status_code == 200
    assert done in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert status_of(code) == "in_progress"
        row = db.session.execute(db.select(FollowUp)).scalar_one()
        assert row.reopened and row.comment == "还是不亮"
    again = kiosk.get(f"/kiosk/follow-up?lang={lang}&code={code}")
    assert again.status_code == 409


@pytest.mark.parametrize("lang, message", [
    ("en", "No submission has this tracking code"), ("zh", "没有找到该查询码对应的记录")])
def test_an_unknown_code_or_a_case_not_resolved_gets_a_clear_message(
        app, kiosk, make_submission, lang, message):
    response = kiosk.get(f"/kiosk/follow-up?lang={lang}&code=ZZZZZZZZZZ")
    assert response.status_code == 404
    assert message in response.get_data(as_text=True)
    with app.app_context():
        code = make_submission().code
    response = kiosk.get(f"/kiosk/follow-up?lang={lang}&code={code}")
    assert response.status_code == 409
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(FollowUp)).scalar() == 0


def test_a_browser_that_is_not_a_kiosk_is_refused(app, client, resolved):
    code = resolved()
    assert client.get(f"/kiosk/follow-up?code={code}").status_code == 403
    token = csrf_token(client.get("/submit").get_data(as_text=True))
    assert client.post("/kiosk/follow-up", data={
        "csrf_token": token, "code": code, "fixed": "yes",
        "satisfaction": "satisfied"}).status_code == 403
    with app.app_context():
        assert status_of(code) == "resolved"


@pytest.mark.parametrize("lang, label", [("en", "Closed with no feedback"),
                                         ("zh", "无反馈关闭")])
def test_no_feedback_is_counted_apart_on_the_staff_page(app, client, login, resolved, lang,
                                                       label):
    resolved()
    with app.app_context():
        assert close_without_feedback(now=utcnow() + timedelta(days=8)) == 1
        db.session.commit()
    login("viewer", lang=lang)
    html = client.get(f"/staff/service-levels?lang={lang}").get_data(as_text=True)
    assert f"<dt>{label}</dt><dd>1</dd>" in html
