"""Extensions of a deadline: a handler asks, another moderator decides, the resident is told."""
from contextlib import contextmanager

import pytest
from flask import template_rendered

from portal.accounts.models import AuditEntry
from portal.core.time import as_utc
from portal.extensions import db
from portal.notifications.compose import compose
from portal.notifications.models import Notification
from portal.notifications.notifier import consume_changes as notify
from portal.servicelevels.deadlines import consume_changes, working_clock
from portal.servicelevels.models import Deadline, DeadlineExtension
from portal.submissions.models import ChangeLog, StatusEvent
from tests.helpers import submit_form
from tests.servicelevels.helpers import local

WORDS = {
    "en": {"asked": "Extension requested", "approved": "Extension approved",
           "too_long": "An extension is from 1 to 15 working days.",
           "no_reason": "Give the reason for the extension.",
           "not_open": "Only an open case whose deadline is running can be extended.",
           "pending": "already has an extension request waiting",
           "own": "You asked for this extension",
           "decided": "This extension request has already been decided.",
           "shown": "Deadline extended by 3 working days on"},
    "zh": {"asked": "已申请延期", "approved": "已批准延期",
           "too_long": "延期为 1 至 15 个工作日。",
           "no_reason": "请填写延期理由。",
           "not_open": "只有期限仍在计算的未办结案件才能延期。",
           "pending": "已有一项等待决定的延期申请",
           "own": "这项延期是您申请的",
           "decided": "这项延期申请已经决定过了。",
           "shown": "办结期限已延长 3 个工作日"},
}


@contextmanager
def rendered_templates(app):
    """Names of the templates rendered while the block runs."""
    names = []

    def record(_sender, template, context, **_extra):
        names.append(template.name)
    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


@pytest.fixture
def open_case(app, make_submission, move):
    """An accepted case (local queue) whose resident asked to be told; returns (id, code)."""
    with app.app_context():
        case = make_submission(category_code="litter",
                               contact={"email": "resident@example.org", "notify": True})
        move(case, "accepted", local(2026, 11, 6, 16))
        return case.id, case.code


def _row(submission_id):
    db.session.expire_all()
    return db.session.get(Deadline, submission_id)


def _ask(client, code, lang, days="3", reason="等待管道配件到货"):
    return submit_form(client, f"/staff/service-levels/extensions/new?code={code}",
                       {"code": code, "days": days, "reason": reason}, lang=lang)


def _decide(client, extension_id, lang, decision="approve", note=""):
    return submit_form(client, f"/staff/service-levels/extensions/{extension_id}",
                       {"decision": decision, "note": note}, lang=lang)


def _pending(submission_id):
    db.session.expire_all()
    return db.session.execute(db.select(DeadlineExtension).filter_by(
        submission_id=submission_id, state="pending")).scalar()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_approved_extension_moves_the_due_date_and_tells_the_resident(
        app, client, login, open_case, lang):
    submission_id, code = open_case
    with app.app_context():
        before = as_utc(_row(submission_id).resolve_due)
        assert before == local(2026, 11, 13, 16)  # 5 working days
    # The tracking page is cached by data version for anonymous readers: seen before.
    reader = app.test_client()
    for locale in ("en", "zh", "zh_Hant"):
        page = reader.get(f"/track/{code}?lang={locale}").get_data(as_text=True)
        assert "Deadline extended" not in page and "办结期限已延长" not in page
        with rendered_templates(app) as names:
            reader.get(f"/track/{code}?lang={locale}")
        assert names == []  # the second view came from the cache
    login("dispatcher", lang=lang)
    response = _ask(client, code, lang)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert WORDS[lang]["asked"] in page
    with app.app_context():
        row = _pending(submission_id)
        assert row.days == 3 and row.requested_by == "user:dispatcher"
        extension_id = row.id
    listing = client.get(f"/staff/service-levels?lang={lang}").get_data(as_text=True)
    assert f"/staff/service-levels/extensions/{extension_id}" in listing
    # A dispatcher cannot decide; a moderator can.
    assert _decide(client, extension_id, lang).status_code == 403
    with app.app_context():  # the case had been reminded and escalated twice
        row = _row(submission_id)
        row.reminded_at, row.escalation_level = row.resolve_due, 2
        db.session.commit()
    moderator = app.test_client()
    login("moderator", lang=lang, browser=moderator)
    response = _decide(moderator, extension_id, lang, note="同意")
    assert response.status_code == 303
    assert WORDS[lang]["approved"] in moderator.get(response.headers["Location"]).get_data(
        as_text=True)
    with app.app_context():
        after = local(2026, 11, 18, 16)  # three working days on from the old due date
        assert as_utc(_row(submission_id).resolve_due) == after
        assert working_clock().add_working_days(before, 3) == after
        row = _row(submission_id)
        assert row.escalation_level == 0 and row.reminded_at is None  # steps start again
        assert as_utc(row.next_check_at) < after  # the reminder before the new date
        assert db.session.execute(db.select(ChangeLog).filter_by(
            submission_id=submission_id, change="deadline_extended")).scalar() is not None
        notes = db.session.execute(db.select(StatusEvent).filter_by(
            submission_id=submission_id, kind="note")).scalars().all()
        assert any("extension requested" in n.note for n in notes)
        assert any("extension approved" in n.note for n in notes)
        assert all(not n.is_public for n in notes)
        actions = set(db.session.execute(db.select(AuditEntry.action)).scalars())
        assert {"deadline_extension.request", "deadline_extension.approve"} <= actions
        # The deadline task reads the entry and keeps the moved date.
        consume_changes()
        db.session.commit()
        assert as_utc(_row(submission_id).resolve_due) == after
    # The tracking page shows the new date and the reason at once, in each language.
    for locale, words in (("en", ("Deadline extended by 3 working days on", "2026")),
                          ("zh", ("办结期限已延长 3 个工作日", "等待管道配件到货")),
                          ("zh_Hant", ("辦結期限已延長 3 個工作日", "等待管道配件到貨"))):
        page = reader.get(f"/track/{code}?lang={locale}").get_data(as_text=True)
        for word in words:
            assert word in page, (locale, word)
    page = reader.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert "18 Nov 2026" in page or "Nov 18, 2026" in page
    # The resident hears of it in their own case's message.
    with app.app_context():
        notify()
        db.session.commit()
        message = db.session.execute(db.select(Notification).filter_by(
            kind="deadline_extended")).scalar_one()
        text = compose(message).text
        assert "等待管道配件到货" in text and "3" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_requests_are_refused_and_store_nothing(app, client, login, open_case, lang,
                                                    make_submission):
    submission_id, code = open_case
    login("moderator", lang=lang)
    response = _ask(client, code, lang, days="16")
    assert response.status_code == 422
    assert WORDS[lang]["too_long"] in response.get_data(as_text=True)
    response = _ask(client, code, lang, days="0")
    assert response.status_code == 422
    response = _ask(client, code, lang, reason="   ")
    assert response.status_code == 422
    assert WORDS[lang]["no_reason"] in response.get_data(as_text=True)
    with app.app_context():
        assert _pending(submission_id) is None
        waiting = make_submission(category_code="litter")  # received: not open
        waiting_code = waiting.code
    response = _ask(client, waiting_code, lang)
    assert response.status_code == 409
    assert WORDS[lang]["not_open"] in response.get_data(as_text=True)
    # One pending request per case; the requester cannot approve their own.
    assert _ask(client, code, lang).status_code == 303
    response = _ask(client, code, lang, days="2")
    assert response.status_code == 409
    assert WORDS[lang]["pending"] in response.get_data(as_text=True)
    with app.app_context():
        extension_id = _pending(submission_id).id
        due = _row(submission_id).resolve_due
        changes = db.session.execute(db.select(db.func.count(ChangeLog.id))).scalar()
    response = _decide(client, extension_id, lang)
    assert response.status_code == 403
    assert WORDS[lang]["own"] in response.get_data(as_text=True)
    # Another moderator refuses; deciding it again is refused.
    other = app.test_client()
    login("moderator", username="mona", lang=lang, browser=other)
    assert _decide(other, extension_id, lang, decision="refuse").status_code == 303
    admin = app.test_client()
    login("administrator", lang=lang, browser=admin)
    response = _decide(admin, extension_id, lang)
    assert response.status_code == 409
    assert WORDS[lang]["decided"] in response.get_data(as_text=True)
    with app.app_context():
        assert _row(submission_id).resolve_due == due
        assert db.session.execute(db.select(db.func.count(ChangeLog.id))).scalar() == changes
        rows = db.session.execute(db.select(DeadlineExtension)).scalars().all()
        assert [(r.state, r.decided_by) for r in rows] == [("refused", "user:mona")]
        refused = db.session.execute(db.select(AuditEntry).filter_by(
            action="deadline_extension.refuse")).scalars().all()
        assert len(refused) == 1
    assert "Deadline extended" not in client.get(f"/track/{code}?lang=en").get_data(
        as_text=True)


def test_the_case_page_offers_the_request_and_the_decision(app, client, login, open_case):
    submission_id, code = open_case
    login("dispatcher", lang="en")
    page = client.get(f"/staff/submissions/{submission_id}?lang=en").get_data(as_text=True)
    assert "Deadline extensions" in page
    assert f"/staff/service-levels/extensions/new?code={code}" in page
    assert _ask(client, code, "en").status_code == 303
    moderator = app.test_client()
    login("moderator", lang="en", browser=moderator)
    page = moderator.get(f"/staff/submissions/{submission_id}?lang=en").get_data(as_text=True)
    assert "Decide the extension request" in page
