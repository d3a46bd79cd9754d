"""The register of adopted ideas: progress updates written by staff, shown publicly."""
import pytest

from portal.extensions import db
from portal.participation.models import IdeaProgress
from tests.participation.helpers import post_from


def _answer(browser, idea_id, outcome):
    return post_from(browser, f"/staff/ideas/{idea_id}", f"/staff/ideas/{idea_id}/answer",
                     {"outcome": outcome, "reason": "理由。"})


def _progress(browser, idea_id, lang="en", **data):
    return post_from(browser, f"/staff/ideas/{idea_id}?lang={lang}",
                     f"/staff/ideas/{idea_id}/progress?lang={lang}", data)


@pytest.mark.parametrize("lang, words", [
    ("en", ["Adopted ideas", "Partly adopted", "In progress", "40%",
            "Responsible: Property management",
            "Saplings ordered."]),
    ("zh", ["已采纳的建议", "部分采纳", "树苗已订购。"]),
    ("zh_Hant", ["已採納的建議", "樹苗已訂購。"]),
])
def test_adopted_ideas_and_their_progress_are_listed(app, client, make_idea, moderator, lang,
                                                     words):
    adopted = make_idea("多种些树", category_code="greenery")
    refused = make_idea("拆掉步道", category_code="greenery")
    _answer(moderator, adopted.id, "partly_adopted")
    _answer(moderator, refused.id, "not_adopted")
    assert _progress(moderator, adopted.id, stage="in_progress", percent="40",
                     note="树苗已订购。", note_en="Saplings ordered.").status_code == 303
    html = client.get(f"/ideas/adopted?lang={lang}").get_data(as_text=True)
    for word in words:
        assert word in html, word
    assert "拆掉步道" not in html


@pytest.mark.parametrize("lang, data, message", [
    ("en", {"stage": "in_progress", "percent": "140", "note": "x"}, "from 0 to 100"),
    ("zh", {"stage": "in_progress", "percent": "40", "note": ""}, "请描述进展。"),
    ("en", {"stage": "someday", "percent": "40", "note": "x"}, "Choose a stage."),
])
def test_bad_progress_updates_are_refused(app, make_idea, moderator, lang, data, message):
    idea = make_idea()
    _answer(moderator, idea.id, "adopted")
    response = _progress(moderator, idea.id, lang, **data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(IdeaProgress).count() == 0


def test_ideas_not_adopted_take_no_progress(app, make_idea, moderator):
    idea = make_idea()
    _answer(moderator, idea.id, "for_reference")
    response = _progress(moderator, idea.id, stage="planned", percent="0", note="x")
    assert response.status_code == 422
    assert "Only adopted ideas have progress updates." in response.get_data(as_text=True)
