"""Anonymity by default: a resident's name is public only when they tick "show my name", on a
comment or a submission, and no machine output (JSON API, Open311, search, feeds) carries it."""
import pytest

from portal.extensions import db
from portal.participation.models import Comment, IdeaSetting
from portal.stations.services import find_category
from portal.submissions.models import Submission
from portal.submissions.services import change_status, set_publication
from tests.helpers import VALID_FORM, submit_form
from tests.participation.helpers import post_from

NAME = "王小明"


def _open_comments(app):
    with app.app_context():
        category = find_category("greenery")
        db.session.merge(IdeaSetting(category_id=category.id, support_threshold=50,
                                     premoderation=False))
        db.session.commit()


def _comment(app, idea_id, lang, **data):
    return post_from(app.test_client(), f"/ideas/{idea_id}?lang={lang}",
                     f"/ideas/{idea_id}/comments?lang={lang}", data)


@pytest.mark.parametrize("lang, anonymous", [("en", "A resident"), ("zh", "一位居民")])
def test_a_comment_shows_its_name_only_when_the_resident_ticks_show_my_name(app, make_idea,
                                                                           lang, anonymous):
    idea = make_idea()
    _open_comments(app)
    _comment(app, idea.id, lang, body="第一条：不显示名字。", display_name=NAME)
    html = app.test_client().get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert NAME not in html and anonymous in html
    _comment(app, idea.id, lang, body="第二条：显示名字。", display_name="李四", show_name="y")
    html = app.test_client().get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert "李四" in html and NAME not in html
    with app.app_context():
        rows = [(c.display_name, c.show_name) for c in db.session.query(Comment).order_by(
            Comment.id)]
    assert rows == [(NAME, False), ("李四", True)]
    api = app.test_client().get(f"/api/v1/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert NAME not in api and "李四" not in api


def _submit(app, lang, show):
    browser = app.test_client()
    data = {**VALID_FORM, "kind": "idea", "category": "greenery",
            "title": "在江边多放些长椅", "body": "散步的老人需要休息的地方，希望多放长椅。",
            "name": NAME, "phone": "13912345678"}
    if show:
        data["show_name"] = "y"
    response = submit_form(browser, "/submit", data, lang=lang)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        row = db.session.query(Submission).order_by(Submission.id.desc()).first()
        change_status(row, "accepted", actor="test")
        set_publication(row, True, actor="test", public_title=row.title, public_body=row.body)
        db.session.commit()
        return row.id, row.code, row.contact.show_name


def _public_outputs(app, submission_id, code, lang, index_now):
    index_now()
    client = app.test_client()
    return {
        "idea page": client.get(f"/ideas/{submission_id}?lang={lang}"),
        "public page": client.get(f"/submissions/{submission_id}?lang={lang}"),
        "ideas list": client.get(f"/ideas?lang={lang}"),
        "ideas API": client.get(f"/api/v1/ideas/{submission_id}?lang={lang}"),
        "ideas API list": client.get(f"/api/v1/ideas?lang={lang}"),
        "search page": client.get(f"/search?q=长椅&lang={lang}"),
        "search API": client.get(f"/api/v1/search?q=长椅&lang={lang}"),
        "Open311": client.get(f"/open311/v2/requests/{submission_id}.json?lang={lang}"),
        "Open311 list": client.get(f"/open311/v2/requests.json?lang={lang}"),
        "adopted register": client.get(f"/ideas/adopted?lang={lang}"),
        "adopted feed": client.get(f"/feeds/ideas/adopted.atom?lang={lang}"),
    }


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_submission_is_anonymous_everywhere_unless_show_my_name_is_ticked(app, index_now,
                                                                           lang):
    submission_id, code, shown = _submit(app, lang, show=False)
    assert shown is False
    for output, response in _public_outputs(app, submission_id, code, lang, index_now).items():
        assert response.status_code in (200, 404), output
        assert NAME not in response.get_data(as_text=True), output


@pytest.mark.parametrize("lang, by", [("en", "By 王小明"), ("zh", "提交人：王小明")])
def test_with_show_my_name_the_name_appears_on_the_public_pages_only(app, index_now, lang, by):
    submission_id, code, shown = _submit(app, lang, show=True)
    assert shown is True
    outputs = _public_outputs(app, submission_id, code, lang, index_now)
    assert by in outputs["idea page"].get_data(as_text=True)
    assert by in outputs["public page"].get_data(as_text=True)
    for output in ("ideas API", "ideas API list", "search API", "Open311", "Open311 list",
                   "search page", "ideas list", "adopted feed"):
        assert NAME not in outputs[output].get_data(as_text=True), output
    # Never the phone number, ticked or not.
    assert not any("13912345678" in r.get_data(as_text=True) for r in outputs.values())
