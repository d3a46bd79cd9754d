"""The ideas API: an idea as JSON, supports with an idempotency key."""
import pytest

from portal.extensions import db
from portal.participation.comments import post_comment, post_staff_comment
from portal.participation.services import give_answer
from portal.submissions.models import Submission, Support
from tests.participation.conftest import idea_row


def _support(client, idea_id, key, lang="en", **kwargs):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/ideas/{idea_id}/supports?lang={lang}", headers=headers,
                       **kwargs)


def test_a_support_with_a_key_counts_once_on_retry(app, client, make_idea):
    idea = make_idea()
    first = _support(client, idea.id, "a-1")
    again = _support(client, idea.id, "a-1")
    other = _support(client, idea.id, "b-2")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.get_json() == {"counted": True, "support_count": 1}
    assert again.get_json()["counted"] is False
    assert idea_row(app, idea.id).support_count == 2


@pytest.mark.parametrize("lang, key, message", [
    ("en", None, "The idempotency key must be"), ("zh", "has space", "幂等键"),
    ("en", "x" * 65, "1 to 64 characters")])
def test_a_support_without_a_valid_key_is_refused(app, client, make_idea, lang, key, message):
    idea = make_idea()
    response = _support(client, idea.id, key, lang)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_header" and message in error["message"]
    with app.app_context():
        assert db.session.query(Support).count() == 0


@pytest.mark.parametrize("lang, message", [("en", "no published idea"),
                                           ("zh", "没有这个编号的已发布建议")])
def test_a_support_for_a_missing_idea_is_a_json_404(app, client, make_submission, lang,
                                                    message):
    with app.app_context():
        unpublished = make_submission(kind="idea").id
    for idea_id in (unpublished, 777):
        response = _support(client, idea_id, "k-1", lang)
        assert response.status_code == 404
        assert message in response.get_json()["error"]["message"]


@pytest.mark.parametrize("lang, label", [("en", "Adopted"), ("zh", "采纳")])
def test_an_idea_as_json(app, client, make_idea, lang, label):
    idea = make_idea()
    with app.app_context():
        row = db.session.get(Submission, idea.id)
        shown = post_comment(row, body="好主意。", display_name="老张")
        shown.status = "published"
        post_comment(row, body="还在等审核。")
        post_staff_comment(row, body="正在研究。", actor="user:mod", parent_id=shown.id)
        give_answer(row, outcome="adopted", reason="同意。", reason_en="Agreed.",
                    actor="user:mod")
        db.session.commit()
    data = client.get(f"/api/v1/ideas/{idea.id}?lang={lang}").get_json()
    assert data["outcome"]["label"] == label
    assert data["threshold"] == {"supports": 50, "reached_on": None, "answer_due_on": None}
    assert [(c["name"], c["text"], c["official"]) for c in data["comments"]] == [
        ("老张", "好主意。", False), (None, "正在研究。", True)]
    assert data["timeline"][-1]["kind"] == "reply"
    assert client.get(f"/api/v1/ideas/999?lang={lang}").status_code == 404
