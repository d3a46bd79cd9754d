"""The search pages as people see them: languages, escaping, staff access, support, suggestions."""
import re

import pytest

from portal.extensions import db
from portal.submissions.models import ChangeLog, Submission
from tests.helpers import csrf_token


@pytest.mark.parametrize("lang,heading,count", [("zh", "搜索居民反映的问题", "1 条结果"),
                                                ("en", "Search what residents reported",
                                                 "1 result.")])
def test_search_page_in_each_language(client, publish, index_now, lang, heading, count):
    publish("路灯坏了")
    index_now()
    html = client.get("/search", query_string={"q": "路灯", "lang": lang}).get_data(as_text=True)
    assert heading in html and count in html
    assert "<mark>路灯</mark>坏了" in html


@pytest.mark.parametrize("lang,hint", [("zh", "输入一个或多个词"),
                                       ("en", "Type one or more words")])
def test_an_empty_query_gets_help_not_an_error(client, lang, hint):
    response = client.get("/search", query_string={"q": "  ", "lang": lang})
    assert response.status_code == 200 and hint in response.get_data(as_text=True)


def test_user_text_is_escaped_in_titles_and_snippets(client, publish, index_now):
    publish("<b>路灯</b> <script>alert(1)</script>",
            '路灯坏了 <img src=x onerror="alert(2)"> <script>alert(3)</script>')
    index_now()
    html = client.get("/search?q=script&lang=en").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;<mark>script</mark>&gt;alert(1)" in html
    assert "onerror=&#34;alert(2)&#34;&gt; &lt;<mark>script</mark>&gt;alert(3)" in html


def test_staff_search_needs_a_staff_role(client, login, make_submission, app, index_now):
    with app.app_context():
        make_submission(title="路灯坏了没人管", body="尚未发布的路灯问题。")
    index_now()
    assert client.get("/staff/search?q=路灯").status_code == 302  # to the login page
    assert "尚未发布" not in client.get("/search?q=路灯").get_data(as_text=True)
    login("viewer")
    response = client.get("/staff/search?q=路灯&lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Not published" in html and "<mark>路灯</mark>坏了没人管" in html
    assert "Website" in html  # the staff-only channel filter with its count


def test_this_is_my_problem_too_counts_one_voice(app, client, publish, index_now):
    sid = publish("路灯坏了")
    index_now()
    page = client.get("/search?q=路灯&lang=en").get_data(as_text=True)
    assert f'action="/submissions/{sid}/support"' in page
    token = csrf_token(page)
    response = client.post(f"/submissions/{sid}/support", data={"csrf_token": token})
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "1 resident added their voice." in thanks
    client.post(f"/submissions/{sid}/support", data={"csrf_token": token})  # a second click
    with app.app_context():
        assert db.session.get(Submission, sid).support_count == 1
        assert [c.change for c in db.session.query(ChangeLog).filter_by(submission_id=sid)
                .order_by(ChangeLog.id)][-1] == "support"
    index_now()
    page = client.get("/search?q=路灯&lang=en").get_data(as_text=True)
    assert "You added your voice to this one." in page


def test_support_needs_csrf_and_a_published_submission(app, client, make_submission):
    with app.app_context():
        hidden = make_submission().id
    assert client.post(f"/submissions/{hidden}/support").status_code == 400  # no CSRF token
    token = csrf_token(client.get("/submit").get_data(as_text=True))
    response = client.post(f"/submissions/{hidden}/support", data={"csrf_token": token})
    assert response.status_code == 404


def test_similar_suggestions_while_typing(app, client, make_submission, publish, index_now):
    shown = publish("滨江步道路灯坏了")
    publish("垃圾桶满了")
    with app.app_context():
        make_submission(title="路灯坏了", body="未发布的路灯问题。")
    index_now()
    data = client.get("/search/similar", query_string={"q": "路燈壞了"}).get_json()
    assert [r["id"] for r in data["results"]] == [shown]
    assert data["results"][0]["support_url"] == f"/submissions/{shown}/support"
    assert client.get("/search/similar?q=").get_json() == {"results": []}


def test_the_submit_form_offers_suggestions_without_breaking_without_script(client):
    html = client.get("/submit?lang=en").get_data(as_text=True)
    assert 'data-similar-url="/search/similar"' in html
    assert re.search(r'<script src="/static/js/similar\.js[^"]*"', html)


def test_facet_links_keep_the_search_and_change_one_filter(app, client, publish, index_now):
    """Each facet value links to this search narrowed by it, encoded as url_for encodes it."""
    import html
    import re

    from flask import url_for

    publish("路灯不亮 A&B", area_code="riverside")
    publish("路灯闪烁", area_code="daqiao")
    index_now()
    page = client.get("/search?q=路灯+A%26B&kind=issue&lang=en").get_data(as_text=True)
    links = {html.unescape(href) for href in re.findall(r'href="(/search\?[^"]*)"', page)}
    with app.test_request_context():
        narrowed = url_for("search.public_search", q="路灯 A&B", kind="issue", area="riverside")
        widened = url_for("search.public_search", q="路灯 A&B")
    assert narrowed in links  # the area facet's link
    assert widened in links  # the "kind" chip removes that filter
    assert client.get(narrowed + "&lang=en").status_code == 200


@pytest.mark.parametrize("args", [
    {},
    {"q": "路灯 A&B"},
    {"q": "路灯", "area": "daqiao", "kind": "issue"},
    {"area": "daqiao", "q": "a=b c/d?", "date_from": "2026-01-01"},
])
def test_a_facet_value_link_is_the_search_with_that_filter_changed(args):
    """The facet lists' links equal this search with one parameter set (in its place when
    the search has it, else last), encoded as the page's other links are."""
    from urllib.parse import urlencode

    from portal.search.views import QUERY_SAFE, _value_links

    for name in ("area", "kind", "category", "q"):
        for value in ("riverside", "路灯 & 长椅", "x=y"):
            expected = "/search?" + urlencode({**args, name: value}, safe=QUERY_SAFE)
            assert _value_links("/search", args, name)(value) == expected


@pytest.mark.parametrize("lang,voices,button,staff_label", [
    ("zh", "已有 1,234 位居民表示“我也遇到了”。", "我也遇到了", "未公开"),
    ("zh_Hant", "已有 1,234 位居民表示“我也遇到了”。", "我也遇到了", "未公開"),
    ("en", "1,234 residents added their voice.", "This is my problem too", "Not published"),
])
def test_each_result_shows_its_voices_and_labels_in_the_reader_language(
        app, client, login, make_submission, publish, index_now, lang, voices, button,
        staff_label):
    """The count of voices, the support button and the staff's publication label of every
    result, translated once per page, in each language."""
    supported = publish("路灯坏了")
    publish("路灯太暗")
    with app.app_context():
        make_submission(title="路灯闪烁", body="路灯一直闪烁，还没有发布。")
        db.session.execute(db.update(Submission).where(Submission.id == supported)
                           .values(support_count=1234))
        db.session.commit()
    index_now()
    page = client.get("/search", query_string={"q": "路灯", "lang": lang}).get_data(as_text=True)
    assert page.count(voices) == 1
    assert page.count(f">{button}</button>") == 2
    login("viewer")
    staff = client.get("/staff/search", query_string={"q": "路灯", "lang": lang}) \
        .get_data(as_text=True)
    assert staff.count(f" · {staff_label}</span>") == 1
