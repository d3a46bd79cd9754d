"""Official answers with an outcome: the staff form, history, timeline, JSON API and Open311."""
import pytest

from portal.accounts.models import AuditEntry  # noqa: F401  (tables known)
from portal.extensions import db
from portal.participation.models import IdeaAnswer
from portal.submissions.models import ChangeLog, Submission
from tests.participation.helpers import post_from


def _answer(browser, idea_id, lang="en", **data):
    return post_from(browser, f"/staff/ideas/{idea_id}?lang={lang}",
                     f"/staff/ideas/{idea_id}/answer?lang={lang}", data)


def _changes(app, idea_id):
    with app.app_context():
        return db.session.execute(db.select(ChangeLog.change).filter_by(
            submission_id=idea_id).order_by(ChangeLog.id)).scalars().all()


@pytest.mark.parametrize("outcome, zh, en", [
    ("adopted", "采纳", "Adopted"), ("partly_adopted", "部分采纳", "Partly adopted"),
    ("for_reference", "留作参考", "Kept for reference"),
    ("not_adopted", "不予采纳", "Not adopted")])
def test_each_outcome_is_shown_with_its_reason(app, client, make_idea, moderator, outcome, zh,
                                               en):
    idea = make_idea()
    response = _answer(moderator, idea.id, outcome=outcome, reason="经研究，理由如下。",
                       reason_en="After study, for these reasons.")
    assert response.status_code == 303
    chinese = client.get(f"/ideas/{idea.id}?lang=zh").get_data(as_text=True)
    english = client.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert zh in chinese and "经研究，理由如下。" in chinese
    assert en in english and "After study, for these reasons." in english
    # On the public timeline as the official reply, in each language.
    assert f"{zh}：经研究，理由如下。" in chinese
    assert f"{en}: After study, for these reasons." in english
    assert "answer" in _changes(app, idea.id)


@pytest.mark.parametrize("lang, data, message", [
    ("en", {"outcome": "adopted", "reason": "  "}, "Give the reason for this outcome."),
    ("zh", {"outcome": "adopted", "reason": ""}, "请说明作出这一结果的理由。"),
    ("en", {"outcome": "maybe", "reason": "Because."}, "Choose an outcome."),
    ("zh", {"reason": "因为。"}, "请选择结果。"),
    ("en", {"outcome": "adopted", "reason": "x" * 2001}, "at most 2000 characters"),
])
def test_an_answer_without_a_reason_or_outcome_is_refused_and_nothing_stored(
        app, make_idea, moderator, lang, data, message):
    idea = make_idea()
    response = _answer(moderator, idea.id, lang=lang, **data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(IdeaAnswer).count() == 0
        assert db.session.get(Submission, idea.id).events[-1].kind != "reply"
    assert "answer" not in _changes(app, idea.id)


def test_changing_the_outcome_keeps_the_history_and_logs_the_change(app, client, make_idea,
                                                                     moderator):
    idea = make_idea()
    _answer(moderator, idea.id, outcome="for_reference", reason="先留作参考。")
    assert _answer(moderator, idea.id, outcome="adopted", reason="预算已落实，采纳。",
                   reason_en="Budget found.").status_code == 303
    with app.app_context():
        rows = db.session.query(IdeaAnswer).order_by(IdeaAnswer.id).all()
        assert [(r.outcome, r.previous_outcome) for r in rows] == [
            ("for_reference", None), ("adopted", "for_reference")]
    assert _changes(app, idea.id).count("outcome") == 1
    english = client.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "Earlier answers:" in english and "Kept for reference" in english
    assert "Budget found." in english


def test_viewers_cannot_answer(app, make_idea, login):
    idea = make_idea()
    viewer = login("viewer", browser=app.test_client())
    page = viewer.get(f"/staff/ideas/{idea.id}")
    assert page.status_code == 200 and "/answer" not in page.get_data(as_text=True)
    from tests.helpers import csrf_token
    response = viewer.post(f"/staff/ideas/{idea.id}/answer", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "outcome": "adopted",
        "reason": "x"})
    assert response.status_code == 403


def test_the_answer_without_a_csrf_token_is_refused(app, make_idea, moderator):
    idea = make_idea()
    response = moderator.post(f"/staff/ideas/{idea.id}/answer",
                              data={"outcome": "adopted", "reason": "Because."})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(IdeaAnswer).count() == 0


@pytest.mark.parametrize("lang, label, reason", [
    ("zh", "部分采纳", "部分可行。"), ("en", "Partly adopted", "Partly feasible."),
    ("zh_Hant", "部分採納", "部分可行。")])
def test_outcome_in_the_json_api_and_open311(app, client, make_idea, moderator, lang, label,
                                             reason):
    idea = make_idea()
    _answer(moderator, idea.id, outcome="partly_adopted", reason="部分可行。",
            reason_en="Partly feasible.")
    data = client.get(f"/api/v1/submissions/{idea.code}?lang={lang}").get_json()
    assert data["outcome"]["code"] == "partly_adopted"
    assert data["outcome"]["label"] == label and data["outcome"]["reason"] == reason
    requests = client.get(f"/open311/v2/requests/{idea.id}.json?locale={lang}").get_json()
    assert label in requests[0]["status_notes"] and reason in requests[0]["status_notes"]


def test_an_unanswered_idea_has_a_null_outcome_and_an_issue_none(app, client, make_idea,
                                                                 make_submission):
    idea = make_idea()
    assert client.get(f"/api/v1/submissions/{idea.code}").get_json()["outcome"] is None
    with app.app_context():
        issue = make_submission().code
    assert "outcome" not in client.get(f"/api/v1/submissions/{issue}").get_json()
