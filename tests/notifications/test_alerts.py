"""Area, category and station alerts: double opt-in through the real form, real-time messages,
daily and weekly digests at the configured local hour (a frozen clock), one digest per
subscriber and period, and real-time messages beyond the hourly cap collapsing into it."""
import re

import pytest

from portal.core.i18n import LOCALES
from portal.extensions import db
from portal.notifications.alerts import subscribe_alert
from portal.notifications.compose import compose
from portal.notifications.digests import digest_task
from portal.notifications.models import Notification, Subscription
from portal.submissions.models import Submission
from portal.submissions.services import add_official_reply, set_publication
from tests.helpers import csrf_token, submit_form
from tests.notifications.helpers import BASE, drain
from tests.servicelevels.helpers import local


def _link(mail, path):
    text = mail.get_body(("plain",)).get_content()
    return re.search(re.escape(BASE) + path + r"[^\s]+", text).group(0)[len(BASE):]


def _subscribe(client, smtp, query, email, frequency, lang="en"):
    """Subscribe through the form and open the confirmation link from the e-mail."""
    response = submit_form(client, f"/notifications/alerts?{query}",
                           {"email": email, "frequency": frequency}, lang=lang)
    assert response.status_code == 303, response.status_code
    drain()
    confirm = _link(smtp.to(email)[-1], "/notifications/confirm/")
    page = client.get(confirm + f"?lang={lang}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _held_at(moment):
    """Pretend the held alert messages were written at `moment` (a frozen clock)."""
    for row in db.session.execute(db.select(Notification).filter_by(state="held")).scalars():
        row.created_at = moment
    db.session.commit()


def test_daily_digest_goes_out_once_at_the_configured_local_hour(app, client, use_smtp,
                                                                  make_submission):
    with app.app_context():
        page = _subscribe(client, use_smtp, "area=riverside", "walker@example.org", "daily")
        assert "Your alert is on" in page
        assert use_smtp.to("walker@example.org")[0]["Subject"].startswith("Please confirm")
        first = make_submission(publish=True, title="滨江步道路灯不亮")
        make_submission(publish=True, area_code="wujiaochang", title="别处的问题")
        make_submission(title="未公开的问题")  # never published: never in an alert
        add_official_reply(first, actor="user:moderator", text="已安排维修",
                           text_en="Repair booked")
        db.session.commit()
        drain()
        assert len(use_smtp.to("walker@example.org")) == 1  # nothing at once: a digest
        _held_at(local(2026, 12, 1, 15))
        assert digest_task(now=local(2026, 12, 2, 7, 59)) == 0  # before the hour
        assert digest_task(now=local(2026, 12, 2, 8, 0)) == 1
        assert digest_task(now=local(2026, 12, 2, 8, 5)) == 0  # one per subscriber and day
        drain()
        digest_task(now=local(2026, 12, 2, 9))  # a rerun after sending: still one
        drain()
        mails = use_smtp.to("walker@example.org")
        assert len(mails) == 2
        digest = mails[-1]
        assert digest["Subject"] == "Your daily alerts from the residents' portal: 2 new"
        text = digest.get_body(("plain",)).get_content()
        assert "Riverside" in text and "滨江步道路灯不亮" in text and "Repair booked" in text
        assert "别处的问题" not in text and "未公开的问题" not in text
        assert f"{BASE}/submissions/{first.id}" in text
        assert digest["List-Unsubscribe"]
        assert db.session.execute(db.select(db.func.count()).select_from(Notification)
                                  .filter_by(state="digested")).scalar() == 2


def test_weekly_digest_waits_for_the_configured_weekday_in_chinese(app, client, use_smtp,
                                                                    make_submission):
    app.config.update(PORTAL_DIGEST_HOUR=18, PORTAL_DIGEST_WEEKDAY=4)  # Friday 18:00
    with app.app_context():
        _subscribe(client, use_smtp, "category=public-management", "w@example.org", "weekly",
                   lang="zh")
        make_submission(publish=True, title="井盖缺失")  # street lighting: under it
        drain()
        _held_at(local(2026, 11, 30, 10))  # a Monday
        assert digest_task(now=local(2026, 12, 3, 18, 30)) == 0  # Thursday
        assert digest_task(now=local(2026, 12, 4, 17, 59)) == 0
        assert digest_task(now=local(2026, 12, 4, 18, 0)) == 1
        drain()
        digest = use_smtp.to("w@example.org")[-1]
        assert "每周" in digest["Subject"] or "周" in digest["Subject"]
        text = digest.get_body(("plain",)).get_content()
        assert "井盖缺失" in text and "Stop these" not in text


def test_realtime_alert_and_collapse_over_the_hourly_cap(app, client, use_smtp,
                                                         make_submission):
    app.config["PORTAL_NOTIFY_HOURLY_CAP"] = 1
    with app.app_context():
        _subscribe(client, use_smtp, "station=service-station-1", "s@example.org", "realtime")
        for title in ("驿站门口积水", "驿站旁垃圾", "驿站灯坏"):
            make_submission(publish=True, title=title, station_slug="service-station-1")
        make_submission(publish=True, title="不在驿站")
        drain()
        mails = use_smtp.to("s@example.org")
        assert len(mails) == 2  # the confirmation, then one alert: the cap is reached
        assert mails[1]["Subject"].startswith("New on the portal (")
        assert "驿站门口积水" in mails[1]["Subject"]
        held = db.session.execute(db.select(Notification).filter_by(state="held")
                                  ).scalars().all()
        assert len(held) == 2  # not waiting for the next hour: for the next digest
        _held_at(local(2026, 12, 1, 12))
        assert digest_task(now=local(2026, 12, 2, 8)) == 1
        drain()
        text = use_smtp.to("s@example.org")[-1].get_body(("plain",)).get_content()
        assert "驿站旁垃圾" in text and "驿站灯坏" in text and "不在驿站" not in text


def test_a_follower_with_an_alert_hears_of_a_reply_once(app, client, use_smtp,
                                                        make_submission):
    with app.app_context():
        _subscribe(client, use_smtp, "area=riverside", "both@example.org", "realtime")
        case = make_submission(publish=True)
        drain()
        case_id = case.id
    submit_form(client, f"/notifications/follow/{case_id}", {"email": "both@example.org"},
                lang="en")
    with app.app_context():
        drain()
        client.get(_link(use_smtp.to("both@example.org")[-1], "/notifications/confirm/"))
        before = len(use_smtp.to("both@example.org"))
        add_official_reply(db.session.get(Submission, case_id), actor="user:moderator",
                           text="已修好")
        db.session.commit()
        drain()
        assert len(use_smtp.to("both@example.org")) == before + 1


def test_unpublishing_keeps_a_case_out_of_a_digest(app, client, use_smtp, make_submission):
    with app.app_context():
        _subscribe(client, use_smtp, "area=riverside", "u@example.org", "daily")
        case = make_submission(publish=True, title="后来撤下的")
        drain()
        set_publication(case, False, actor="test")
        db.session.commit()
        _held_at(local(2026, 12, 1, 12))
        assert digest_task(now=local(2026, 12, 2, 8)) == 0  # nothing left to tell
        drain()
        assert len(use_smtp.to("u@example.org")) == 1  # the confirmation only
        assert db.session.execute(db.select(Notification.state).filter_by(
            kind="alert_new")).scalar() == "cancelled"


def test_the_form_refuses_bad_input_and_one_address_is_one_alert(app, client):
    for lang, message in (("en", "valid e-mail address"), ("zh", "有效")):
        response = submit_form(client, "/notifications/alerts?area=riverside",
                               {"email": "nope", "frequency": "daily"}, lang=lang)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = submit_form(client, "/notifications/alerts?area=riverside",
                           {"email": "a@example.org", "frequency": "hourly"}, lang="en")
    assert response.status_code == 422 and "how often" in response.get_data(as_text=True)
    assert client.get("/notifications/alerts?area=atlantis").status_code == 404
    for _ in range(2):
        assert submit_form(client, "/notifications/alerts?area=riverside",
                           {"email": "A@example.org", "frequency": "weekly"}).status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Subscription)
                                  ).scalar() == 1
    chooser = client.get("/notifications/alerts?lang=en").get_data(as_text=True)
    assert "/notifications/alerts?area=riverside" in chooser
    assert "/notifications/alerts?station=service-station-1" in chooser
    page = client.get("/notifications/alerts?area=riverside&lang=zh").get_data(as_text=True)
    assert "发送频率" in page and csrf_token(page)
    assert client.post("/notifications/alerts?area=riverside",
                       data={"email": "x@example.org"}).status_code == 400  # no CSRF token


def test_manage_page_lists_alerts(app, client, use_smtp):
    with app.app_context():
        _subscribe(client, use_smtp, "area=riverside", "m@example.org", "weekly")
    response = submit_form(client, "/notifications/alerts?category=litter",
                           {"email": "m@example.org", "frequency": "daily"}, lang="en")
    assert response.status_code == 303
    with app.app_context():
        drain()
        mail = use_smtp.to("m@example.org")[-1]
    page = client.get(_link(mail, "/notifications/manage/") + "?lang=en").get_data(as_text=True)
    assert "Riverside" in page and "Weekly digest" in page
    assert "waiting for confirmation" in page  # the litter alert is not confirmed yet


def test_pages_link_to_alerts_and_feeds(app, client):
    stations = client.get("/stations?lang=en").get_data(as_text=True)
    assert "/notifications/alerts?station=service-station-1" in stations
    assert "/feeds/submissions.atom?station=service-station-1" in stations
    search = client.get("/search?area=riverside&lang=en").get_data(as_text=True)
    assert "/notifications/alerts?area=riverside" in search
    assert ('<link rel="alternate" type="application/atom+xml"' in search
            and "/feeds/submissions.atom?area=riverside" in search)
    listing = client.get("/submissions?lang=en").get_data(as_text=True)
    assert 'type="application/atom+xml"' in listing and "/notifications/alerts" in listing


@pytest.mark.parametrize("language", LOCALES)
def test_every_alert_message_renders_in_every_language(app, make_submission, language):
    with app.app_context():
        subscribe_alert("area", "riverside", "l@example.org", "daily", language)
        case = make_submission(publish=True, title="滨江路灯")
        row = db.session.execute(db.select(Notification)).scalar_one()
        item = {"submission_id": case.id, "title": "滨江路灯", "group": "alert:area:riverside"}
        reply = dict(item, reply="已修好", reply_en="Fixed")
        messages = [compose(row)]
        for kind, context in (
                ("alert_new", dict(item, own=False, alert=True)),
                ("alert_reply", dict(reply, own=False, alert=True)),
                ("digest", {"frequency": "daily", "period": "2026-12-02", "items": [
                    dict(item, kind="alert_new"), dict(reply, kind="alert_reply")]}),
                ("digest", {"frequency": "weekly", "period": "2026-12-07", "items": [
                    dict(item, kind="alert_new")]})):
            row.kind, row.context = kind, context
            messages.append(compose(row))
        for message in messages:
            assert message.html.startswith("<!DOCTYPE html>") and message.unsubscribe_url
            if language == "en":
                assert "Riverside Grid" in message.text
            else:
                assert "Riverside" not in message.text and "Stop these" not in message.text
                assert "alerts" not in message.subject
            if language == "zh":
                assert "滨江单独网格" in message.text
        assert "滨江路灯" in messages[-2].text and f"/submissions/{case.id}" in messages[-2].text
        assert ("Fixed" if language == "en" else "已修好") in messages[-2].text
        db.session.rollback()
