"""Supports for ideas: the one support service, a threshold per category and the answer due day."""
import re
import threading
from datetime import UTC, date, datetime

import pytest

from portal.extensions import db
from portal.participation.models import IdeaSetting
from portal.participation.services import add_working_days, threshold_state
from portal.stations.services import find_category
from portal.submissions.models import ChangeLog, Submission, Support
from tests.helpers import csrf_token
from tests.participation.helpers import KEY, idea_row, post_from


def _support(browser, idea_id, lang="en", **kwargs):
    return post_from(browser, f"/ideas/{idea_id}?lang={lang}",
                     f"/ideas/{idea_id}/support?lang={lang}", {}, **kwargs)


def _set_threshold(app, category_code, threshold):
    with app.app_context():
        category = find_category(category_code)
        db.session.add(IdeaSetting(category_id=category.id, support_threshold=threshold))
        db.session.commit()


@pytest.mark.parametrize("lang, thanks, again", [
    ("en", "your support was counted", "already counted"),
    ("zh", "您的支持已计入", "已经计入")])
def test_one_support_per_visitor_through_the_form(app, client, make_idea, lang, thanks, again):
    idea = make_idea()
    response = _support(client, idea.id, lang)
    assert response.status_code == 303
    assert thanks in client.get(response.headers["Location"]).get_data(as_text=True)
    second = client.post(f"/ideas/{idea.id}/support?lang={lang}", data={
        "csrf_token": csrf_token(client.get(f"/ideas/{idea.id}").get_data(as_text=True))})
    assert again in client.get(second.headers["Location"]).get_data(as_text=True)
    assert idea_row(app, idea.id).support_count == 1


def test_a_retried_post_counts_once_even_without_its_cookie(app, make_idea):
    idea = make_idea()
    browser = app.test_client()
    html = browser.get(f"/ideas/{idea.id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "idempotency_key": KEY.search(html).group(1)}
    assert browser.post(f"/ideas/{idea.id}/support", data=data).status_code == 303
    browser.delete_cookie("session")  # the answer (and its cookie) was lost
    html = browser.get(f"/ideas/{idea.id}").get_data(as_text=True)
    retry = browser.post(f"/ideas/{idea.id}/support",
                         data={**data, "csrf_token": csrf_token(html)})
    assert retry.status_code == 303
    assert idea_row(app, idea.id).support_count == 1


def test_supports_are_capped_per_address(app, make_idea):
    idea = make_idea()
    for _ in range(app.config["PORTAL_SUPPORTS_PER_ADDRESS"]):
        assert _support(app.test_client(), idea.id).status_code == 303
    refused = _support(app.test_client(), idea.id)
    assert refused.status_code == 429
    assert "from your network" in refused.get_data(as_text=True)


@pytest.mark.parametrize("lang, message", [("en", "no published idea"),
                                           ("zh", "没有这个编号的已发布建议")])
def test_a_support_for_a_missing_idea_is_refused(app, client, make_submission, lang, message):
    with app.app_context():
        unpublished = make_submission(kind="idea").id
    html = client.get("/submit").get_data(as_text=True)
    for idea_id in (unpublished, 4242):
        response = client.post(f"/ideas/{idea_id}/support?lang={lang}",
                               data={"csrf_token": csrf_token(html)})
        assert response.status_code == 404
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Support).count() == 0


def test_working_days_skip_weekends_and_public_holidays():
    assert add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday -> Monday
    assert add_working_days(date(2026, 12, 1), 15) == date(2026, 12, 22)
    assert add_working_days(date(2026, 12, 5), 5) == date(2026, 12, 11)  # from a Saturday
    # The National Day holiday (1-7 October 2026) is not counted.
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


@pytest.mark.parametrize("lang, text", [
    ("en", "Reached 3 supports on December 1, 2026; answer due by December 22, 2026."),
    ("zh", "已于 2026年12月1日 达到 3 个支持；应在 2026年12月22日 前答复。")])
def test_reaching_the_threshold_shows_the_answer_due_day(app, make_idea, lang, text):
    idea = make_idea()
    _set_threshold(app, "greenery", 3)
    for n in range(3):
        before = _support(app.test_client(), idea.id, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert before.status_code == 303
    with app.app_context():  # the third supporter came on Tuesday 1 December 2026 (Shanghai)
        third = db.session.execute(db.select(Support).filter_by(submission_id=idea.id)
                                   .order_by(Support.id).offset(2)).scalars().first()
        third.created_at = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        db.session.commit()
        changes = db.session.execute(db.select(ChangeLog.change).filter_by(
            submission_id=idea.id)).scalars().all()
    assert changes.count("threshold") == 1
    html = app.test_client().get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert re.sub(r"\s+", " ", text) in re.sub(r"\s+", " ", html)


def test_below_the_threshold_the_default_of_fifty_is_explained(app, client, make_idea):
    idea = make_idea()
    html = client.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "At 50 supports the idea gets an official answer within 15 working days." in html
    with app.app_context():
        state = threshold_state(db.session.get(Submission, idea.id))
        assert (state.threshold, state.reached_on) == (50, None)


def test_administrators_edit_the_threshold_per_category(app, client, make_idea, login):
    idea = make_idea()
    admin = login("administrator", browser=app.test_client())
    response = post_from(admin, "/staff/ideas/settings?lang=en", "/staff/ideas/settings",
                         {"category": "greenery", "threshold": "20", "premoderation": "y"})
    assert response.status_code == 303
    html = client.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "At 20 supports" in html
    bad = post_from(admin, "/staff/ideas/settings?lang=en", "/staff/ideas/settings?lang=en",
                    {"category": "greenery", "threshold": "0"})
    assert bad.status_code == 400 and "from 1 to 1,000,000" in bad.get_data(as_text=True)
    moderator = login("moderator", browser=app.test_client())
    assert moderator.get("/staff/ideas/settings").status_code == 403


def test_fifty_concurrent_supporters_are_all_counted(app, make_idea):
    """50 browsers from 50 addresses support at once: the count is the number of supporters."""
    idea = make_idea()
    barrier, statuses, supporters = threading.Barrier(50), [], 50

    def support(n):
        browser = app.test_client()
        address = {"REMOTE_ADDR": f"10.1.{n // 200}.{n % 200}"}
        html = browser.get(f"/ideas/{idea.id}", environ_base=address).get_data(as_text=True)
        data = {"csrf_token": csrf_token(html), "idempotency_key": KEY.search(html).group(1)}
        barrier.wait()
        statuses.append(browser.post(f"/ideas/{idea.id}/support", data=data,
                                     environ_base=address).status_code)

    threads = [threading.Thread(target=support, args=(n,)) for n in range(supporters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [303] * supporters
    with app.app_context():
        count = db.session.get(Submission, idea.id).support_count
        rows = db.session.query(Support).filter_by(submission_id=idea.id).count()
    assert count == rows == supporters
