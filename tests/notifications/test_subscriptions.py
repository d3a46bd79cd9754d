"""Follow a published case with double opt-in; leave with one click (RFC 8058 POST) or from
the manage page; a broken link shows a page to ask for a new one, never an error."""
import re

from portal.extensions import db
from portal.notifications.models import Notification, Subscription
from portal.submissions.models import Submission
from tests.helpers import csrf_token, submit_form
from tests.notifications.helpers import BASE, drain, move


def _link(mail, path):
    text = mail.get_body(("plain",)).get_content()
    return re.search(re.escape(BASE) + path + r"[^\s]+", text).group(0)[len(BASE):]


def test_follow_needs_confirmation_then_hears_of_changes(app, client, use_smtp,
                                                         make_submission):
    with app.app_context():
        case = make_submission(publish=True)
        case_id = case.id
    url = f"/notifications/follow/{case_id}"
    response = submit_form(client, url, {"email": "Neighbour@Example.org"}, lang="en")
    assert response.status_code == 303
    assert submit_form(client, url, {"email": "neighbour@example.org"},
                       lang="en").status_code == 303  # the same subscription again
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Subscription)
                                  ).scalar() == 1
        case = db.session.get(Submission, case_id)
        move(case, "accepted")
        drain()
        mails = use_smtp.to("neighbour@example.org")
        assert all(m["Subject"].startswith("Please confirm") for m in mails)
        assert not db.session.execute(db.select(Notification).filter_by(kind="accepted")).first()
    confirm = _link(mails[-1], "/notifications/confirm/")
    assert "You are following" in client.get(confirm + "?lang=en").get_data(as_text=True)
    stale = _link(mails[0], "/notifications/confirm/")
    assert client.get(stale).status_code == 404  # replaced by the newer confirmation
    with app.app_context():
        case = db.session.get(Submission, case_id)
        move(case, "in_progress")
        drain()
        [update] = [m for m in use_smtp.to("neighbour@example.org")
                    if not m["Subject"].startswith("Please confirm")]
        assert update["Subject"].startswith("Work has started on a case you follow")
        text = update.get_body(("plain",)).get_content()
        assert f"/submissions/{case_id}" in text and "/track/" not in text


def test_invalid_follow_address_is_refused_next_to_the_field(app, client, make_submission):
    with app.app_context():
        case_id = make_submission(publish=True).id
    for lang, message in (("en", "valid e-mail address"), ("zh", "有效")):
        response = submit_form(client, f"/notifications/follow/{case_id}", {"email": "nope"},
                               lang=lang)
        assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_one_click_unsubscribe_and_broken_links(app, client, use_smtp, make_submission):
    with app.app_context():
        submission = make_submission(language="en", contact={"email": "r@example.org",
                                                             "notify": True})
        move(submission, "accepted")
        drain()
        [mail] = use_smtp.to("r@example.org")
        submission_id = submission.id
    unsubscribe = mail["List-Unsubscribe"].strip("<>")[len(BASE):]
    assert client.get(unsubscribe + "?lang=en").status_code == 200
    # RFC 8058: the mail client posts this body, with no cookie and no CSRF token.
    response = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        move(submission, "in_progress")
        drain()
        assert len(use_smtp.to("r@example.org")) == 1
    for broken in (unsubscribe[:-3] + "xyz", "/notifications/unsubscribe/garbage"):
        page = client.get(broken + "?lang=en")
        assert page.status_code == 400 and 'name="email"' in page.get_data(as_text=True)
    manage = _link(mail, "/notifications/manage/")
    assert client.get(manage + "?lang=zh").status_code == 200
    page = client.get("/notifications/unsubscribe/garbage?lang=en").get_data(as_text=True)
    response = client.post("/notifications/lost", data={"csrf_token": csrf_token(page),
                                                         "email": "r@example.org"})
    assert response.status_code == 200
    with app.app_context():
        drain()
        assert use_smtp.to("r@example.org")[-1]["Subject"].startswith("Your notifications")


def test_retention_purge_removes_addresses_with_nothing_left_to_hear(app, use_smtp,
                                                                     make_submission):
    from portal.notifications.models import Subscriber
    from portal.operations.services import purge_expired_personal_data

    with app.app_context():
        submission = make_submission(contact={"email": "old@example.org", "notify": True})
        move(submission, "accepted")
        drain()
        move(submission, "closed")
        drain()
        assert db.session.execute(db.select(Subscriber)).scalar_one()
        purge_expired_personal_data(0, actor="test")  # a 0-day retention: all ended is due
        db.session.commit()
        assert db.session.execute(db.select(Subscriber)).first() is None
        assert db.session.execute(db.select(Notification)).first() is None
