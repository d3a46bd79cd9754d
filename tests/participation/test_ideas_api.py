"""Ideas in the JSON API: the list (sorts, filters, pages), one idea (supports, comments, answer
and outcome), supports with an Idempotency-Key; Open311 carries the answer in status_notes."""
import pytest

from portal.extensions import db
from portal.participation.comments import post_comment
from portal.participation.services import give_answer
from portal.submissions.models import Submission
from tests.participation.helpers import idea_row


def _answer(app, idea_id, outcome="adopted", reason="街道将在明年春天补种树木。",
            reason_en="The subdistrict will plant trees next spring."):
    with app.app_context():
        give_answer(db.session.get(Submission, idea_id), outcome=outcome, reason=reason,
                    reason_en=reason_en, actor="user:mod")
        db.session.commit()


def _comments(app, idea_id, n):
    with app.app_context():
        idea = db.session.get(Submission, idea_id)
        for i in range(n):
            post_comment(idea, body=f"评论 {i}。").status = "published"
        db.session.commit()


@pytest.mark.parametrize("lang, label", [("en", "Adopted"), ("zh", "采纳"),
                                         ("zh_Hant", "採納")])
def test_one_idea_with_supports_comments_answer_and_outcome(app, client, make_idea, lang,
                                                            label):
    idea = make_idea()
    _comments(app, idea.id, 2)
    _answer(app, idea.id)
    response = client.get(f"/api/v1/ideas/{idea.id}?lang={lang}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == idea.id and body["supports"] == 0 and body["comments"] == 2
    assert body["outcome"]["code"] == "adopted" and body["outcome"]["label"] == label
    assert body["threshold"] == {"supports_needed": 50, "reached_on": None, "answer_due": None}
    assert any(label in entry["note"] for entry in body["timeline"])
    assert body["url"].endswith(f"/ideas/{idea.id}")


@pytest.mark.parametrize("lang, message", [("en", "no published idea"), ("zh", "没有")])
def test_a_missing_or_unpublished_idea_is_404_in_the_error_shape(app, client, make_submission,
                                                                 lang, message):
    with app.app_context():
        unpublished = make_submission(kind="idea").id
        issue = make_submission(publish=True).id
    for idea_id in (unpublished, issue, 999999):
        response = client.get(f"/api/v1/ideas/{idea_id}?lang={lang}")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
        assert message in response.get_json()["error"]["message"]


def test_the_list_sorts_filters_and_pages(app, client, make_idea):
    first = make_idea(title="第一条建议")
    second = make_idea(title="第二条建议", area_code="dinghai-road")
    third = make_idea(title="第三条建议")
    with app.app_context():
        db.session.get(Submission, second.id).support_count = 7
        db.session.commit()
    _comments(app, third.id, 3)
    _answer(app, first.id, outcome="not_adopted", reason="不在本区职责范围。", reason_en="")

    def ids(query):
        response = client.get(f"/api/v1/ideas?{query}")
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["results"]]

    assert ids("sort=supported")[0] == second.id
    assert ids("sort=newest") == [third.id, second.id, first.id]
    assert ids("sort=discussed")[0] == third.id
    assert ids("sort=answered")[0] == first.id
    assert ids("outcome=not_adopted") == [first.id]
    assert set(ids("outcome=unanswered")) == {second.id, third.id}
    assert ids("area=dinghai-road") == [second.id]
    assert ids("area=nowhere") == []
    page = client.get("/api/v1/ideas?sort=newest&per_page=2&page=2").get_json()
    assert page["total"] == 3 and [i["id"] for i in page["results"]] == [first.id]
    bad = client.get("/api/v1/ideas?sort=loudest&per_page=0&lang=zh")
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"sort",
                                                                                  "per_page"}


def test_a_support_with_an_idempotency_key_counts_once(app, client, make_idea, api_key):
    idea = make_idea()
    headers = {"X-API-Key": api_key, "Idempotency-Key": "user-17-support"}
    first = client.post(f"/api/v1/ideas/{idea.id}/supports", headers=headers)
    assert first.status_code == 201 and first.get_json() == {"id": idea.id, "supports": 1,
                                                             "counted": True}
    again = client.post(f"/api/v1/ideas/{idea.id}/supports", headers=headers)
    assert again.status_code == 200 and again.get_json()["counted"] is False
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(f"/api/v1/ideas/{idea.id}/supports",
                        headers={**headers, "Idempotency-Key": "user-18-support"})
    assert other.status_code == 201
    assert idea_row(app, idea.id).support_count == 2


def test_an_anonymous_client_supports_once_per_address(app, client, make_idea):
    idea = make_idea()
    assert client.post(f"/api/v1/ideas/{idea.id}/supports").status_code == 201
    assert client.post(f"/api/v1/ideas/{idea.id}/supports",
                       headers={"Idempotency-Key": "other"}).status_code == 200
    assert idea_row(app, idea.id).support_count == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_supports_are_refused_with_nothing_stored(app, client, make_idea, lang):
    idea = make_idea()
    missing = client.post(f"/api/v1/ideas/999999/supports?lang={lang}")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    bad_key = client.post(f"/api/v1/ideas/{idea.id}/supports?lang={lang}",
                          headers={"Idempotency-Key": "has spaces"})
    assert bad_key.status_code == 400
    assert "Idempotency-Key" in bad_key.get_json()["error"]["fields"]
    revoked = client.post(f"/api/v1/ideas/{idea.id}/supports", headers={"X-API-Key": "pk_no"})
    assert revoked.status_code == 401
    assert idea_row(app, idea.id).support_count == 0


@pytest.mark.parametrize("lang, note", [("en", "Adopted: The subdistrict will plant"),
                                        ("zh", "采纳：街道将在明年春天补种树木。")])
def test_open311_status_notes_carry_the_answer_and_outcome(app, client, make_idea, lang, note):
    idea = make_idea()
    _answer(app, idea.id)
    response = client.get(f"/open311/v2/requests/{idea.id}.json?lang={lang}&extensions=true")
    assert response.status_code == 200
    item = response.get_json()[0]
    assert note in item["status_notes"]
    assert item["extended_attributes"]["outcome"]["code"] == "adopted"
