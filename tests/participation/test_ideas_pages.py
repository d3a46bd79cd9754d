"""The ideas section: the list (sorts and filters), an idea's page, the page cache."""
import pytest

from portal.extensions import db
from portal.participation.comments import post_comment
from portal.participation.services import give_answer
from portal.submissions.models import Submission
from portal.submissions.services import change_status
from tests.core.test_pagecache import rendered_templates


def _titles_in_order(html, titles):
    positions = {t: html.find(t) for t in titles}
    assert all(p >= 0 for p in positions.values()), positions
    return sorted(titles, key=positions.get)


@pytest.fixture
def three_ideas(app, make_idea, make_submission):
    """Trees (3 supports), benches (1 comment, answered adopted), lights (newest), an issue."""
    trees = make_idea("多种些树 Trees", category_code="greenery", area_code="riverside")
    benches = make_idea("添些长椅 Benches", category_code="public-facilities",
                        area_code="daqiao", station_slug="suggestion-station")
    lights = make_idea("夜跑灯光 Lights", category_code="street-lighting", area_code="daqiao")
    with app.app_context():
        make_submission(publish=True, title="路灯坏了 Issue", kind="issue")
        db.session.get(Submission, trees.id).support_count = 3
        bench = db.session.get(Submission, benches.id)
        comment = post_comment(bench, body="同意，老人需要歇脚。")
        comment.status = "published"
        give_answer(bench, outcome="adopted", reason="明年春天安装。", actor="user:mod")
        db.session.commit()
    return trees, benches, lights


TITLES = ["多种些树 Trees", "添些长椅 Benches", "夜跑灯光 Lights"]


@pytest.mark.parametrize("sort, expected", [
    ("supported", ["多种些树 Trees", "添些长椅 Benches", "夜跑灯光 Lights"][:1]),
    ("newest", ["夜跑灯光 Lights"]),
    ("discussed", ["添些长椅 Benches"]),
    ("answered", ["添些长椅 Benches"]),
])
def test_list_sorts(client, three_ideas, sort, expected):
    html = client.get(f"/ideas?sort={sort}&lang=en").get_data(as_text=True)
    assert _titles_in_order(html, TITLES)[0] == expected[0]
    assert "路灯坏了 Issue" not in html  # issues are not ideas


@pytest.mark.parametrize("query, shown", [
    ("area=daqiao", {"添些长椅 Benches", "夜跑灯光 Lights"}),
    ("category=greenery", {"多种些树 Trees"}),
    ("station=suggestion-station", {"添些长椅 Benches"}),
    ("outcome=adopted", {"添些长椅 Benches"}),
    ("outcome=unanswered", {"多种些树 Trees", "夜跑灯光 Lights"}),
    ("outcome=not_adopted", set()),
    ("area=nowhere", set()),
])
def test_list_filters(client, three_ideas, query, shown):
    html = client.get(f"/ideas?{query}&lang=zh").get_data(as_text=True)
    assert {t for t in TITLES if t in html} == shown


@pytest.mark.parametrize("lang, words", [
    ("zh", ["建议", "最多支持", "采纳", "1 条评论"]),
    ("en", ["Ideas for the area", "Most supported", "Adopted", "1 comment"]),
    ("zh_Hant", ["建議"]),
])
def test_list_in_each_language(client, three_ideas, lang, words):
    response = client.get(f"/ideas?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for word in words:
        assert word in html, word


@pytest.mark.parametrize("lang, words", [
    ("zh", ["位居民支持这条建议", "官方答复", "采纳", "明年春天安装。", "同意，老人需要歇脚。",
            "评论"]),
    ("en", ["Supporters", "Official answer", "Adopted", "明年春天安装。", "Comments",
            "What happened since"]),
])
def test_idea_page_shows_supports_answer_comments_timeline(client, three_ideas, lang, words):
    benches = three_ideas[1]
    html = client.get(f"/ideas/{benches.id}?lang={lang}").get_data(as_text=True)
    for word in words:
        assert word in html, word
    # The answer is on the public timeline as the official reply.
    assert html.count("明年春天安装。") >= 2


def test_unpublished_issue_and_missing_ideas_are_not_found(app, client, make_submission,
                                                           three_ideas):
    with app.app_context():
        hidden = make_submission(kind="idea").id
        issue = db.session.execute(db.select(Submission.id).filter_by(kind="issue")).scalar()
    for idea_id in (hidden, issue, 99999):
        response = client.get(f"/ideas/{idea_id}?lang=en")
        assert response.status_code == 404
        assert "no published idea" in response.get_data(as_text=True)


def test_idea_page_is_served_from_the_page_cache_until_it_changes(app, client, three_ideas):
    trees = three_ideas[0]
    first = client.get(f"/ideas/{trees.id}?lang=en")
    with rendered_templates(app) as names:
        again = client.get(f"/ideas/{trees.id}?lang=en")
    assert names == [] and again.status_code == first.status_code == 200
    # The same page, but for this response's own form key ("form_nonce").
    assert again.get_data(as_text=True).count("Support this idea") == 1
    with app.app_context():
        change_status(db.session.get(Submission, trees.id), "accepted", actor="test")
        db.session.commit()
    with rendered_templates(app) as names:
        changed = client.get(f"/ideas/{trees.id}?lang=en")
    assert names and "Accepted" in changed.get_data(as_text=True)


def test_cached_idea_page_gives_each_visitor_their_own_form_token(app, three_ideas):
    trees = three_ideas[0]
    one, two = app.test_client(), app.test_client()
    from tests.helpers import csrf_token
    first = csrf_token(one.get(f"/ideas/{trees.id}").get_data(as_text=True))
    second = csrf_token(two.get(f"/ideas/{trees.id}").get_data(as_text=True))
    assert first != second
