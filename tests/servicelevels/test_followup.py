"""Follow-up (回访) on the tracking page: answers, reopening once to the platform, no feedback."""
import json
import re
from datetime import timedelta

import pytest

from portal.core.time import utcnow
from portal.extensions import db
from portal.servicelevels.deadlines import consume_changes
from portal.servicelevels.followup import close_without_feedback
from portal.servicelevels.models import Deadline, FollowUp
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import change_status
from tests.forwarding.helpers import drain
from tests.helpers import csrf_token


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


def answer(client, code, lang="en", **data):
    page = client.get(f"/track/{code}?lang={lang}").get_data(as_text=True)
    token = csrf_token(page) if 'name="csrf_token"' in page else ""
    return client.post(f"/track/{code}/follow-up?lang={lang}",
                       data={"csrf_token": token, **data})


def session_token(client):
    """A CSRF token of this browser session (from any page with a form)."""
    return csrf_token(client.get("/submit").get_data(as_text=True))


def status_of(code):
    db.session.expire_all()
    return db.session.execute(db.select(Submission.status).filter_by(code=code)).scalar_one()


@pytest.mark.parametrize("lang, question, thanks", [
    ("en", "Was it fixed?", "Thank you for your answer."),
    ("zh", "问题解决了吗？", "感谢您的回访。")])
def test_satisfied_answer_is_stored_once(app, client, resolved, lang, question, thanks):
    code = resolved()
    page = client.get(f"/track/{code}?lang={lang}").get_data(as_text=True)
    assert question in page
    data = {"csrf_token": csrf_token(page), "fixed": "yes", "satisfaction": "satisfied",
            "comment": "修好了，谢谢"}
    url = f"/track/{code}/follow-up?lang={lang}"
    assert client.post(url, data=data).status_code == 303
    page = client.get(f"/track/{code}?lang={lang}").get_data(as_text=True)
    assert thanks in page and question not in page
    # The same answer again (a double click) is taken once; another answer is refused.
    assert client.post(url, data=data).status_code == 303
    second = client.post(url, data={**data, "fixed": "no", "satisfaction": "dissatisfied"})
    assert second.status_code == 409
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(FollowUp)).scalar() == 1
        assert status_of(code) == "resolved"


def test_not_fixed_reopens_and_the_platform_hears_it_once(app, client, use_webhook, resolved,
                                                          incident_schema):
    code = resolved()
    response = answer(client, code, "zh", fixed="no", satisfaction="dissatisfied",
                      comment="路灯还是不亮")
    assert response.status_code == 303
    with app.app_context():
        assert status_of(code) == "in_progress"
        drain()
        drain()  # a second relay round sends nothing more
        consume_changes()
        db.session.commit()
        submission_id = db.session.execute(db.select(Submission.id).filter_by(code=code)).scalar()
        assert db.session.get(Deadline, submission_id).reopen_count == 1
        row = db.session.get(FollowUp, submission_id)
        assert row.reopened and row.satisfaction == "dissatisfied"
    bodies = [json.loads(body) for body in use_webhook.stored.values()]
    updates = [b for b in bodies if b.get("update")]
    assert len(updates) == 1
    assert updates[0]["update"]["type"] == "reopened"
    assert updates[0]["update"]["comment"] == "路灯还是不亮"
    assert updates[0]["reference"] == code
    for body in bodies:
        incident_schema.validate(body)
    page = client.get(f"/track/{code}?lang=zh").get_data(as_text=True)
    assert "已重新办理" in page


def test_bad_input_gets_a_clear_message_and_stores_nothing(app, client, make_submission,
                                                          resolved):
    with app.app_context():
        fresh = make_submission().code
    for lang, message in (("en", "not resolved yet"), ("zh", "尚未办结")):
        response = client.post(f"/track/{fresh}/follow-up?lang={lang}",
                               data={"fixed": "no", "satisfaction": "dissatisfied",
                                     "csrf_token": session_token(client)})
        assert response.status_code == 409 and message in response.get_data(as_text=True)
    for lang, message in (("en", "No submission has this tracking code"), ("zh", "查询码")):
        response = client.post(f"/track/ZZZZZZZZZZ/follow-up?lang={lang}",
                               data={"fixed": "no", "satisfaction": "dissatisfied",
                                     "csrf_token": session_token(client)})
        assert response.status_code == 404 and message in response.get_data(as_text=True)
    code = resolved()
    response = client.post(f"/track/{code}/follow-up?lang=en",
                           data={"fixed": "maybe", "csrf_token": session_token(client)})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(FollowUp)).scalar() == 0
        assert status_of(code) == "resolved" and status_of(fresh) == "received"


def test_no_answer_in_time_closes_as_no_feedback(app, client, resolved):
    code = resolved()
    with app.app_context():
        assert close_without_feedback(now=utcnow() + timedelta(days=6)) == 0
        assert close_without_feedback(now=utcnow() + timedelta(days=8)) == 1
        db.session.commit()
        assert status_of(code) == "closed"
        outcome = db.session.execute(db.select(FollowUp.outcome)).scalar_one()
        assert outcome == "no_feedback"
        changes = db.session.execute(db.select(ChangeLog.change)).scalars().all()
        assert "reopened" not in changes
    response = client.post(f"/track/{code}/follow-up?lang=en",
                           data={"fixed": "yes", "satisfaction": "satisfied",
                                 "csrf_token": session_token(client)})
    assert response.status_code == 409
    assert re.search(r"already been answered", response.get_data(as_text=True))


def test_the_worker_closes_cases_whose_follow_up_time_ran_out(app, resolved):
    """`flask portal worker` runs the closing as a task of its own, checked about once a minute
    when idle (the wait is counted in days)."""
    code = resolved()
    kept = resolved()
    with app.app_context():
        case_id = db.session.execute(db.select(Submission.id).filter_by(code=code)).scalar()
        db.session.get(Deadline, case_id).resolved_at = utcnow() - timedelta(days=8)
        db.session.commit()
        assert app.extensions["portal_worker_idle_seconds"]["follow-up-closing"] >= 60
    result = app.test_cli_runner().invoke(args=["portal", "worker", "--once",
                                                "--only", "follow-up-closing"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert status_of(code) == "closed" and status_of(kept) == "resolved"
