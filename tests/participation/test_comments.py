"""Comments: no account, screened, held or pre-moderated, one level of replies, hidden with a
reason, official staff comments, rate limits, bad input with nothing stored."""
import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.participation.models import Comment, IdeaSetting
from portal.stations.services import find_category
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import change_status, set_publication
from tests.helpers import csrf_token
from tests.participation.helpers import post_from

SPAM = "加微信 xx123 办证 刻章 发票 代开 加V 信誉第一 http://a.cc http://b.cc http://c.cc"


def _comment(browser, idea_id, lang="en", **data):
    return post_from(browser, f"/ideas/{idea_id}?lang={lang}",
                     f"/ideas/{idea_id}/comments?lang={lang}", data)


def _comments(app):
    with app.app_context():
        return [(c.status, c.body, c.display_name, c.parent_id, c.official)
                for c in db.session.query(Comment).order_by(Comment.id)]


def _premoderation(app, on):
    with app.app_context():
        category = find_category("greenery")
        db.session.merge(IdeaSetting(category_id=category.id, support_threshold=50,
                                     premoderation=on))
        db.session.commit()


def _change_count(app, idea_id):
    with app.app_context():
        return db.session.query(ChangeLog).filter_by(submission_id=idea_id,
                                                     change="comment").count()


@pytest.mark.parametrize("lang, thanks", [
    ("en", "will be shown once a moderator has read it"), ("zh", "审核员阅读后")])
def test_a_comment_waits_for_a_moderator_by_default(app, client, make_idea, lang, thanks):
    idea = make_idea()
    response = _comment(client, idea.id, lang, body="赞成，树荫很重要。", display_name="老王")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert thanks in page and "赞成，树荫很重要。" not in page
    assert _comments(app) == [("pending", "赞成，树荫很重要。", "老王", None, False)]
    assert _change_count(app, idea.id) == 1


def test_accepted_comments_are_shown_with_replies_one_level_deep(app, make_idea, moderator):
    idea = make_idea()
    _comment(app.test_client(), idea.id, body="第一条评论。", display_name="小李",
             show_name="y")
    with app.app_context():
        first = db.session.query(Comment).one().id
    queue = moderator.get("/staff/ideas/?lang=en").get_data(as_text=True)
    assert "第一条评论。" in queue
    assert post_from(moderator, "/staff/ideas/", f"/staff/ideas/comments/{first}/accept",
                     {}).status_code == 303
    _premoderation(app, False)
    reply = _comment(app.test_client(), idea.id, body="回复第一条。", parent_id=str(first))
    with app.app_context():
        second = db.session.query(Comment).order_by(Comment.id.desc()).first().id
    # A reply to a reply joins the first comment's thread: one level only.
    _comment(app.test_client(), idea.id, body="回复的回复。", parent_id=str(second))
    assert reply.status_code == 303
    assert [(c[0], c[3]) for c in _comments(app)] == [
        ("published", None), ("published", first), ("published", first)]
    html = app.test_client().get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "小李" in html and html.index("第一条评论。") < html.index("回复第一条。")
    assert html.count('class="replies"') == 1
    assert "A resident" in html  # no name given: anonymous


def test_without_premoderation_a_clean_comment_shows_at_once_and_spam_is_held(app, make_idea):
    idea = make_idea()
    _premoderation(app, False)
    browser = app.test_client()
    shown = _comment(browser, idea.id, body="很好的建议，支持！")
    assert "is shown below" in browser.get(shown.headers["Location"]).get_data(as_text=True)
    _comment(app.test_client(), idea.id, body=SPAM)
    statuses = [c[0] for c in _comments(app)]
    assert statuses == ["published", "held"]
    html = app.test_client().get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "很好的建议，支持！" in html and "xx123" not in html


def test_personal_data_in_a_comment_is_masked(app, make_idea):
    idea = make_idea()
    _comment(app.test_client(), idea.id, body="有事打我电话 13912345678 。",
             display_name="a@b.cn")
    status, body, name, _parent, _official = _comments(app)[0]
    assert "13912345678" not in body and "a@b.cn" not in name


@pytest.mark.parametrize("lang, body, message", [
    ("en", "   ", "Write your comment before sending it."),
    ("zh", "", "请先写下评论再发送。"),
    ("en", "x" * 2001, "at most 2000 characters long (yours has 2001)"),
    ("zh", "长" * 2001, "评论最多 2000 个字符（您写了 2001 个）"),
])
def test_bad_comments_get_a_clear_message_and_nothing_is_stored(app, make_idea, lang, body,
                                                                message):
    idea = make_idea()
    response = _comment(app.test_client(), idea.id, lang, body=body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert _comments(app) == [] and _change_count(app, idea.id) == 0


@pytest.mark.parametrize("lang, message", [("en", "takes no more comments"),
                                           ("zh", "不再接受评论")])
def test_no_comments_on_closed_or_unpublished_ideas(app, make_idea, lang, message):
    idea = make_idea()
    browser = app.test_client()
    token = csrf_token(browser.get(f"/ideas/{idea.id}").get_data(as_text=True))
    with app.app_context():
        row = db.session.get(Submission, idea.id)
        change_status(row, "rejected", actor="test")
        db.session.commit()
    closed = browser.post(f"/ideas/{idea.id}/comments?lang={lang}",
                          data={"csrf_token": token, "body": "还能评论吗？"})
    assert closed.status_code == 409 and message in closed.get_data(as_text=True)
    with app.app_context():
        set_publication(db.session.get(Submission, idea.id), False, actor="test")
        db.session.commit()
    gone = browser.post(f"/ideas/{idea.id}/comments?lang={lang}",
                        data={"csrf_token": token, "body": "还能评论吗？"})
    assert gone.status_code == 404
    assert _comments(app) == []


def test_a_comment_without_its_csrf_token_is_refused(app, client, make_idea):
    idea = make_idea()
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": "没有令牌。"})
    assert response.status_code == 400 and _comments(app) == []


@pytest.mark.parametrize("lang, shown", [("en", "Hidden by a moderator: Insults a neighbour"),
                                         ("zh", "已被审核员隐藏：Insults a neighbour")])
def test_a_moderator_hides_a_comment_with_a_reason_that_replaces_its_text(
        app, make_idea, moderator, lang, shown):
    idea = make_idea()
    _premoderation(app, False)
    _comment(app.test_client(), idea.id, body="隔壁那家人真讨厌。")
    with app.app_context():
        comment_id = db.session.query(Comment).one().id
    staff_page = f"/staff/ideas/{idea.id}"
    hide_url = f"/staff/ideas/comments/{comment_id}/hide?lang={lang}"
    no_reason = post_from(moderator, staff_page, hide_url,
                          {"reason": " "})
    assert no_reason.status_code == 400 and _comments(app)[0][0] == "published"
    assert post_from(moderator, staff_page, f"/staff/ideas/comments/{comment_id}/hide",
                     {"reason": "Insults a neighbour"}).status_code == 303
    html = app.test_client().get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert shown in html and "隔壁那家人真讨厌。" not in html
    with app.app_context():
        audit = db.session.query(AuditEntry).filter_by(action="comment.hide").one()
        assert audit.note == "Insults a neighbour"
    assert _change_count(app, idea.id) == 2  # written, hidden


@pytest.mark.parametrize("lang, mark", [("en", "Official"), ("zh", "官方")])
def test_staff_comments_are_marked_official_and_shown_at_once(app, make_idea, moderator, lang,
                                                              mark):
    idea = make_idea()
    assert post_from(moderator, f"/staff/ideas/{idea.id}", f"/staff/ideas/{idea.id}/comments",
                     {"body": "街道正在研究，月底前答复。"}).status_code == 303
    assert _comments(app) == [("published", "街道正在研究，月底前答复。", "", None, True)]
    html = app.test_client().get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert f'<strong class="official-mark">{mark}</strong>' in html


@pytest.mark.parametrize("app_config", [{"PORTAL_RATE_LIMITS": "on",
                                         "PORTAL_RATE_LIMIT_COMMENTS": "2 per minute",
                                         "PORTAL_RATE_LIMIT_FORMS": "100 per minute"}])
def test_comments_are_rate_limited_per_address(app, make_idea, app_config):
    idea = make_idea()
    statuses = [_comment(app.test_client(), idea.id, "zh", body=f"第 {n} 条。").status_code
                for n in range(3)]
    assert statuses == [303, 303, 429]
    again = _comment(app.test_client(), idea.id, body="换个浏览器。")
    assert again.status_code == 429  # same address, new browser: still limited
    assert "请等待" in again.get_data(as_text=True) or "wait" in again.get_data(as_text=True)
    other = post_from(app.test_client(), f"/ideas/{idea.id}", f"/ideas/{idea.id}/comments",
                      {"body": "另一个地址。"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 303
    assert len(_comments(app)) == 3


@pytest.mark.parametrize("parent", ["abc", "99999", "١٢", "9" * 30])
def test_a_reply_to_a_comment_not_shown_is_refused(app, make_idea, parent):
    idea = make_idea()
    response = _comment(app.test_client(), idea.id, body="回复。", parent_id=parent)
    assert response.status_code == 409
    assert "not shown here" in response.get_data(as_text=True)
    assert _comments(app) == []



@pytest.mark.parametrize("lang", ["en", "zh"])
def test_comments_are_found_by_staff_search_only(app, make_idea, login, index_now, lang):
    idea = make_idea(title="在江边多放些长椅")
    _premoderation(app, False)
    _comment(app.test_client(), idea.id, lang, body="建议用 teakwood 做座椅。")
    index_now()
    public = app.test_client().get(f"/search?q=teakwood&lang={lang}").get_data(as_text=True)
    assert "在江边多放些长椅" not in public
    staff = login("moderator", lang=lang)
    found = staff.get(f"/staff/search?q=teakwood&lang={lang}").get_data(as_text=True)
    assert "在江边多放些长椅" in found
