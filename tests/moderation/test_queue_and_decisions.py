"""The queue, decisions, bulk actions, reclassification and merging, through the real forms."""
import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.submissions.models import Submission
from tests.moderation.helpers import post_from

SPAM = {"title": "优惠", "body": "澳门新葡京 百家乐 注册送彩金 加微 dbw777"}


def reload(app, submission_id):
    with app.app_context():
        row = db.session.get(Submission, submission_id)
        db.session.expunge(row)
        return row


def audit_actions(app):
    with app.app_context():
        return [e.action for e in db.session.execute(
            db.select(AuditEntry).order_by(AuditEntry.id)).scalars()]


@pytest.mark.parametrize("lang,heading,reason", [("zh", "审核队列", "垃圾信息词汇: 赌博和彩票"),
                                                 ("en", "Review queue",
                                                  "Spam vocabulary: gambling and lotteries")])
def test_queue_lists_received_and_held_with_score_and_reasons(
        app, make_record, moderator, lang, heading, reason):
    clean = make_record(title="路灯不亮")
    spam = make_record(**SPAM)
    done = make_record(title="已受理的")
    with app.app_context():
        from portal.submissions.services import change_status
        change_status(db.session.get(Submission, done.id), "accepted", actor="test")
        db.session.commit()
    html = moderator.get(f"/staff/queue?lang={lang}").get_data(as_text=True)
    assert heading in html and reason in html
    assert clean.display_code in html and spam.display_code in html
    assert done.display_code not in html
    assert spam.status == "held"
    assert html.index(spam.display_code) < html.index(clean.display_code)  # newest first
    oldest = moderator.get("/staff/queue?order=oldest").get_data(as_text=True)
    assert oldest.index(clean.display_code) < oldest.index(spam.display_code)


def test_queue_filters(app, make_record, moderator):
    issue = make_record(title="路灯不亮")
    idea = make_record(kind="idea", title="建议增加长椅",
                       body="滨江步道建议增加长椅，方便老人休息。",
                           category_code="street-lighting", area_code="dinghai-road")
    kiosk = make_record(title="驿站门口的井盖松了", body="驿站门口的井盖松动了，请检查。",
                            channel="kiosk")
    spam = make_record(**SPAM)

    def codes(query):
        html = moderator.get("/staff/queue?" + query).get_data(as_text=True)
        return {s.display_code for s in (issue, idea, kiosk, spam) if s.display_code in html}

    assert codes("kind=idea") == {idea.display_code}
    assert codes("channel=kiosk") == {kiosk.display_code}
    assert codes("reason=lexicon") == {spam.display_code}
    assert codes("area=dinghai-road") == {idea.display_code}
    assert codes("status=held") == {spam.display_code}
    assert codes("category=street-lighting") >= {issue.display_code, idea.display_code}
    assert codes("kind=bogus") == {s.display_code for s in (issue, idea, kiosk, spam)}


@pytest.mark.parametrize("lang,message", [("zh", "已处理 2 条，跳过 0 条"),
                                          ("en", "2 done, 0 skipped")])
def test_bulk_accept(app, make_record, moderator, lang, message):
    first, second = make_record(), make_record(title="井盖松动", body="控江路的井盖松动了。")
    response = post_from(moderator, f"/staff/queue?lang={lang}", "/staff/queue/bulk",
                         {"ids": [first.id, second.id], "action": "accept", "reason": ""})
    assert response.status_code == 303
    assert message in moderator.get(response.headers["Location"]).get_data(as_text=True)
    assert reload(app, first.id).status == "accepted"
    assert reload(app, second.id).status == "accepted"
    assert audit_actions(app).count("submission.accept") == 2


def test_bulk_reject_needs_a_reason_and_skips_what_cannot_change(app, make_record, moderator):
    spam = make_record(**SPAM)
    post_from(moderator, "/staff/queue", "/staff/queue/bulk",
              {"ids": [spam.id], "action": "reject", "reason": ""})
    assert reload(app, spam.id).status == "held"
    post_from(moderator, "/staff/queue", "/staff/queue/bulk",
              {"ids": [spam.id], "action": "reject", "reason": "spam"})
    assert reload(app, spam.id).status == "rejected"


@pytest.mark.parametrize("lang,note", [("zh", "垃圾信息或广告"), ("en", "Spam or advertising")])
def test_reject_with_reason_tells_the_resident_in_their_language(
        app, make_record, moderator, client, lang, note):
    spam = make_record(language=lang, **SPAM)
    url = f"/staff/submissions/{spam.id}"
    response = post_from(moderator, url, url + "/decide",
                         {"action": "reject", "reason": "spam", "note": "casino advert"})
    assert response.status_code == 303
    row = reload(app, spam.id)
    assert row.status == "rejected"
    assert note in client.get(f"/track/{spam.code}?lang={lang}").get_data(as_text=True)
    with app.app_context():
        entry = db.session.execute(db.select(AuditEntry).filter_by(
            action="submission.reject")).scalar_one()
        assert entry.actor == "mod" and entry.target_id == spam.code
        assert entry.before == {"status": "held"}
        assert entry.after == {"status": "rejected", "reason": "spam"}


@pytest.mark.parametrize("lang,error", [("zh", "当前状态下无法执行"),
                                        ("en", "not possible in the")])
def test_impossible_transition_is_explained(app, make_record, moderator, lang, error):
    submission = make_record()
    url = f"/staff/submissions/{submission.id}"
    post_from(moderator, url, url + "/decide", {"action": "reject", "reason": "out_of_scope"})
    response = post_from(moderator, url + f"?lang={lang}", url + "/decide", {"action": "hold"})
    assert response.status_code == 422 and error in response.get_data(as_text=True)


def test_accept_hold_and_release(app, make_record, moderator):
    submission = make_record()
    url = f"/staff/submissions/{submission.id}"
    for action, status in (("hold", "held"), ("release", "received"), ("accept", "accepted")):
        assert post_from(moderator, url, url + "/decide", {"action": action}).status_code == 303
        assert reload(app, submission.id).status == status


def test_reject_as_duplicate_merges_into_the_other(app, make_record, moderator, client):
    original = make_record()
    repeat = make_record(title="又是路灯", body="杨树浦路100号门口路灯还是不亮。")
    url = f"/staff/submissions/{repeat.id}"
    response = post_from(moderator, url, url + "/decide",
                         {"action": "reject", "reason": "duplicate",
                          "duplicate_code": original.display_code.lower()})
    assert response.status_code == 303
    assert reload(app, repeat.id).status == "rejected"
    assert reload(app, original.id).support_count == 1
    assert original.display_code in client.get(f"/track/{repeat.code}").get_data(as_text=True)
    assert "submission.merge" in audit_actions(app)


def test_merge_form_refuses_unknown_and_self(app, make_record, moderator):
    submission = make_record()
    url = f"/staff/submissions/{submission.id}"
    response = post_from(moderator, url + "?lang=en", url + "/merge",
                         {"target_code": "ZZZZZ-ZZZZZ"})
    assert response.status_code == 422 and "No submission has this tracking code" in \
        response.get_data(as_text=True)
    response = post_from(moderator, url + "?lang=en", url + "/merge",
                         {"target_code": submission.code})
    assert response.status_code == 422
    assert reload(app, submission.id).status == "received"


def test_change_category_and_area(app, make_record, moderator):
    submission = make_record()
    url = f"/staff/submissions/{submission.id}"
    with app.app_context():
        from portal.stations.models import Category
        other = db.session.execute(db.select(Category).where(
            Category.parent_id.isnot(None), Category.code != "street-lighting")).scalars().first()
        other_code = other.code
    response = post_from(moderator, url, url + "/classify",
                         {"category": other_code, "area": "dinghai-road"})
    assert response.status_code == 303
    with app.app_context():
        row = db.session.get(Submission, submission.id)
        assert row.category.code == other_code and row.area.code == "dinghai-road"
        entry = db.session.execute(db.select(AuditEntry).filter_by(
            action="submission.reclassify")).scalar_one()
        assert entry.before == {"category": "street-lighting", "area": "riverside"}
        assert entry.after == {"category": other_code, "area": "dinghai-road"}


def test_viewer_sees_the_queue_but_no_actions(app, make_record, login):
    submission = make_record()
    viewer = login("viewer", browser=app.test_client())
    html = viewer.get(f"/staff/submissions/{submission.id}?lang=en").get_data(as_text=True)
    assert submission.title in html
    assert "/decide" not in html and "Apply to selected" not in viewer.get(
        "/staff/queue?lang=en").get_data(as_text=True)


def test_duplicate_reason_links_to_the_earlier_submission(make_record, moderator):
    first = make_record()
    second = make_record()
    assert f"duplicate:{first.code}" in second.reasons
    html = moderator.get(f"/staff/submissions/{second.id}").get_data(as_text=True)
    link = f"/staff/submissions/code/{first.code}"
    assert link in html
    response = moderator.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/submissions/{first.id}")


def test_staff_pages_in_traditional_chinese(make_record, moderator):
    make_record()
    html = moderator.get("/staff/queue?lang=zh_Hant").get_data(as_text=True)
    assert "審核隊列" in html and "工作人員首頁" in html
