"""Residents' abuse reports: on ideas, comments and any published submission; one per visitor;
enough distinct reporters hide the item pending review; moderators keep or hide (audited)."""
import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.participation.models import Comment, IdeaSetting, Report
from portal.stations.services import find_category
from portal.submissions.models import ChangeLog, Submission
from tests.helpers import csrf_token
from tests.participation.helpers import post_from


def _report(browser, target, target_id, lang="en", **data):
    data = {"reason": "abusive", **data}
    return post_from(browser, f"/report/{target}/{target_id}?lang={lang}",
                     f"/report/{target}/{target_id}?lang={lang}", data)


def _reports(app):
    with app.app_context():
        return [(r.target_type, r.target_id, r.reason, r.decision)
                for r in db.session.query(Report).order_by(Report.id)]


def _published(app, submission_id):
    with app.app_context():
        return db.session.get(Submission, submission_id).published


def _comment_on(app, idea_id, body="楼上说得不对，都是骗子。"):
    with app.app_context():
        category = find_category("greenery")
        db.session.merge(IdeaSetting(category_id=category.id, support_threshold=50,
                                     premoderation=False))
        db.session.commit()
    post_from(app.test_client(), f"/ideas/{idea_id}", f"/ideas/{idea_id}/comments",
              {"body": body})
    with app.app_context():
        return db.session.query(Comment).order_by(Comment.id.desc()).first().id


@pytest.mark.parametrize("lang, thanks, again", [
    ("en", "a moderator will look at your report", "your report is counted once"),
    ("zh", "审核员会查看您的举报", "举报只计一次")])
def test_a_visitor_reports_an_idea_once(app, client, make_idea, lang, thanks, again):
    idea = make_idea()
    page = client.get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert f'href="/report/submission/{idea.id}"' in page
    first = _report(client, "submission", idea.id, lang, reason="spam", note="广告")
    assert first.status_code == 303
    assert thanks in client.get(first.headers["Location"]).get_data(as_text=True)
    second = _report(client, "submission", idea.id, lang, reason="off_topic")
    assert again in client.get(second.headers["Location"]).get_data(as_text=True)
    assert _reports(app) == [("submission", idea.id, "spam", None)]
    with app.app_context():
        assert db.session.query(ChangeLog).filter_by(submission_id=idea.id,
                                                     change="report").count() == 1
    assert _published(app, idea.id)


@pytest.mark.parametrize("lang, message", [("en", "Choose the reason for your report."),
                                           ("zh", "请选择举报原因。")])
def test_a_report_without_a_reason_is_refused_and_nothing_stored(app, client, make_idea, lang,
                                                                 message):
    idea = make_idea()
    response = _report(client, "submission", idea.id, lang, reason="")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    too_long = _report(client, "submission", idea.id, lang, reason="other", note="x" * 501)
    assert too_long.status_code == 422
    assert _reports(app) == []


def test_a_report_without_its_csrf_token_is_refused(app, client, make_idea):
    idea = make_idea()
    response = client.post(f"/report/submission/{idea.id}", data={"reason": "spam"})
    assert response.status_code == 400 and _reports(app) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nothing_unpublished_or_missing_can_be_reported(app, client, make_submission, lang):
    with app.app_context():
        hidden = make_submission().id
        shown = make_submission(publish=True).id
    assert client.get(f"/report/submission/{hidden}?lang={lang}").status_code == 404
    assert client.get(f"/report/comment/99999?lang={lang}").status_code == 404
    page = client.get(f"/report/submission/{shown}?lang={lang}").get_data(as_text=True)
    gone = client.post(f"/report/submission/{hidden}?lang={lang}",
                       data={"csrf_token": csrf_token(page), "reason": "spam"})
    assert gone.status_code == 404
    assert _reports(app) == []


@pytest.mark.parametrize("lang, placeholder", [
    ("en", "Hidden while a moderator reviews residents"), ("zh", "等待审核员处理")])
def test_three_reporters_hide_a_comment_until_a_moderator_keeps_it(app, make_idea, login, lang,
                                                                    placeholder):
    idea = make_idea()
    comment_id = _comment_on(app, idea.id)
    page = app.test_client().get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert f'href="/report/comment/{comment_id}"' in page
    for n in range(3):
        assert _report(app.test_client(), "comment", comment_id, lang).status_code == 303
        html = app.test_client().get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
        assert ("都是骗子" in html) == (n < 2)
    assert placeholder in html
    moderator = login("moderator", lang=lang, browser=app.test_client())
    queue = moderator.get(f"/staff/ideas/reports?lang={lang}").get_data(as_text=True)
    assert "都是骗子" in queue and "× 3" in queue
    kept = post_from(moderator, "/staff/ideas/reports",
                     f"/staff/ideas/reports/comment/{comment_id}", {"decision": "keep"})
    assert kept.status_code == 303
    assert "都是骗子" in app.test_client().get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert [r[3] for r in _reports(app)] == ["kept"] * 3
    with app.app_context():
        audit = db.session.query(AuditEntry).filter_by(action="report.keep").one()
        assert audit.target_id == str(comment_id) and audit.actor == "user:moderator"


def test_a_moderator_hides_a_reported_comment_with_a_reason(app, make_idea, login):
    idea = make_idea()
    comment_id = _comment_on(app, idea.id)
    _report(app.test_client(), "comment", comment_id, reason="personal_data")
    moderator = login("moderator", browser=app.test_client())
    no_reason = post_from(moderator, "/staff/ideas/reports",
                          f"/staff/ideas/reports/comment/{comment_id}", {"decision": "hide"})
    assert no_reason.status_code == 400 and _reports(app)[0][3] is None
    hidden = post_from(moderator, "/staff/ideas/reports",
                       f"/staff/ideas/reports/comment/{comment_id}",
                       {"decision": "hide", "reason": "Shows a neighbour's address"})
    assert hidden.status_code == 303
    html = app.test_client().get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "Hidden by a moderator: Shows a neighbour" in html and "都是骗子" not in html
    assert _reports(app)[0][3] == "hidden"
    with app.app_context():
        assert {a.action for a in db.session.query(AuditEntry)} >= {"report.hide",
                                                                    "comment.hide"}


@pytest.mark.parametrize("app_config", [{"PORTAL_REPORTS_TO_HIDE": 2}])
def test_reports_on_an_issue_hide_it_from_its_public_page_until_kept(app, make_submission, login,
                                                                     app_config):
    with app.app_context():
        issue = make_submission(publish=True, title="楼下商铺占道经营").id
    page = app.test_client().get(f"/submissions/{issue}?lang=zh").get_data(as_text=True)
    assert f'href="/report/submission/{issue}"' in page  # the panel, through the registry
    _report(app.test_client(), "submission", issue, "zh")
    assert _published(app, issue)
    _report(app.test_client(), "submission", issue, "zh")
    assert not _published(app, issue)
    assert app.test_client().get(f"/submissions/{issue}").status_code == 404
    moderator = login("moderator", browser=app.test_client())
    queue = moderator.get("/staff/ideas/reports?lang=en").get_data(as_text=True)
    assert "楼下商铺占道经营" in queue and "Hidden pending review" in queue
    post_from(moderator, "/staff/ideas/reports", f"/staff/ideas/reports/submission/{issue}",
              {"decision": "keep"})
    assert _published(app, issue)
    assert app.test_client().get(f"/submissions/{issue}").status_code == 200
    assert "No open report" in moderator.get("/staff/ideas/reports?lang=en").get_data(
        as_text=True)


def test_a_resident_cannot_decide_on_reports(app, client, make_idea):
    idea = make_idea()
    _report(app.test_client(), "submission", idea.id)
    assert client.get("/staff/ideas/reports").status_code in (302, 401, 403)
    response = client.post(f"/staff/ideas/reports/submission/{idea.id}",
                           data={"decision": "hide"})
    assert response.status_code in (302, 400, 401, 403)
    assert _reports(app)[0][3] is None


@pytest.mark.parametrize("app_config", [{"PORTAL_RATE_LIMITS": "on",
                                         "PORTAL_RATE_LIMIT_REPORTS": "2 per minute",
                                         "PORTAL_RATE_LIMIT_FORMS": "100 per minute"}])
def test_reports_are_rate_limited_per_address(app, make_idea, app_config):
    ideas = [make_idea(title=f"建议 {n}") for n in range(3)]
    statuses = [_report(app.test_client(), "submission", idea.id).status_code for idea in ideas]
    assert statuses == [303, 303, 429]
    assert len(_reports(app)) == 2
