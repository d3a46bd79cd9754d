"""Platform events apply only to cases the platform was given, and only as the lifecycle allows.

The attack: a signed `returned` event on a `received` submission moved it to `accepted` (and so
created a delivery) although no moderator had accepted it; on a rejected spam case too.
"""
import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.forwarding.models import Delivery, PlatformEvent
from portal.submissions.models import StatusEvent, Submission
from portal.submissions.services import change_status
from tests.forwarding.helpers import drain, event, signed_event, state


def _submission(app, make_submission, *statuses, **values):
    """A submission moved through `statuses` by staff (never forwarded); its tracking code."""
    with app.app_context():
        submission = make_submission(commit=False, **values)
        for status in statuses:
            change_status(submission, status, actor="user:moderator")
        db.session.commit()
        return submission.code


def _deliveries(app, code):
    with app.app_context():
        drain()  # whatever the event left behind, the relay would turn into a delivery now
        return db.session.execute(db.select(db.func.count()).select_from(Delivery).join(
            Submission).where(Submission.code == code)).scalar()


def _refusals(app, code):
    with app.app_context():
        return db.session.execute(db.select(AuditEntry).filter_by(
            action="platform_event.refused", target_id=code)).scalars().all()


@pytest.mark.parametrize("statuses", [(), ("held",), ("rejected",), ("held", "rejected"),
                                      ("accepted",)])
@pytest.mark.parametrize("reported", ["returned", "in_progress", "resolved", "closed"])
def test_events_for_a_case_never_forwarded_are_refused_and_recorded(
        app, client, make_submission, statuses, reported):
    code = _submission(app, make_submission, *statuses)
    before = state(app, code)
    response = signed_event(client, event(code, reported, reply="不应出现"))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "not_forwarded" and error["message"]
    assert state(app, code) == before
    with app.app_context():
        assert db.session.execute(db.select(StatusEvent).filter_by(
            public_note="不应出现")).first() is None
        assert db.session.execute(db.select(PlatformEvent)).first() is None
    [entry] = _refusals(app, code)
    assert entry.actor == "platform" and entry.after["status"] == reported
    assert entry.before["status"] == (statuses[-1] if statuses else "received")
    if "accepted" not in statuses:
        assert _deliveries(app, code) == 0


def test_returned_on_rejected_spam_is_refused_and_nothing_is_delivered(
        app, client, make_submission):
    code = _submission(app, make_submission, "rejected",
                       title="代开发票", body="代开各类发票，加微信 abc123。")
    response = signed_event(client, event(code, "returned"))
    assert response.status_code == 409
    assert state(app, code)[0] == "rejected"
    assert _deliveries(app, code) == 0


def test_an_idea_never_forwarded_is_refused(app, client, make_submission):
    code = _submission(app, make_submission, kind="idea", category_code="other")
    assert signed_event(client, event(code, "resolved")).status_code == 409


def test_a_case_taken_back_after_a_return_no_longer_takes_events(app, client, forwarded):
    assert signed_event(client, event(forwarded, "returned", "r-1")).status_code == 200
    with app.app_context():
        submission = db.session.execute(
            db.select(Submission).filter_by(code=forwarded)).scalar_one()
        change_status(submission, "rejected", actor="user:moderator", note="out_of_scope")
        db.session.commit()
    for index, reported in enumerate(("returned", "in_progress", "resolved")):
        response = signed_event(client, event(forwarded, reported, f"late-{index}",
                                              occurred_at="2026-11-27T10:00:00+08:00"))
        assert response.status_code == 409, reported
        assert response.get_json()["error"]["code"] == "not_forwarded"
    assert state(app, forwarded)[0] == "rejected"
    assert len(_refusals(app, forwarded)) == 3


def test_an_older_event_for_a_case_never_forwarded_adds_no_reply(app, client, make_submission):
    code = _submission(app, make_submission)
    response = signed_event(client, event(code, "in_progress", "old-1",
                                          occurred_at="2020-01-01T00:00:00+08:00",
                                          reply="旧消息"))
    assert response.status_code == 409
    with app.app_context():
        assert db.session.execute(db.select(StatusEvent).filter_by(
            public_note="旧消息")).first() is None


def test_the_lifecycle_still_runs_for_a_forwarded_case(app, client, forwarded):
    steps = [("in_progress", "in_progress"), ("resolved", "resolved"), ("closed", "closed")]
    for index, (reported, status) in enumerate(steps):
        response = signed_event(client, event(forwarded, reported, f"ok-{index}",
                                              occurred_at=f"2026-11-26T1{index}:00:00+08:00"))
        assert response.status_code == 200 and response.get_json()["status"] == status
    # Closed is final: a return is refused as a transition the lifecycle does not allow.
    late = signed_event(client, event(forwarded, "returned", "ok-9",
                                      occurred_at="2026-11-27T10:00:00+08:00"))
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "transition_not_allowed"
    assert _refusals(app, forwarded)[0].after["status"] == "returned"


def test_a_returned_case_is_forwarded_again_and_then_takes_progress(app, client, forwarded):
    assert signed_event(client, event(forwarded, "returned", "rt-1")).status_code == 200
    again = signed_event(client, event(forwarded, "returned", "rt-2",
                                       occurred_at="2026-11-26T10:30:00+08:00"))
    assert again.status_code == 200 and again.get_json()["outcome"] == "unchanged"
    with app.app_context():
        drain()
    response = signed_event(client, event(forwarded, "in_progress", "rt-3",
                                          occurred_at="2026-11-26T11:00:00+08:00"))
    assert response.status_code == 200 and response.get_json()["status"] == "in_progress"


@pytest.mark.parametrize("body,field", [
    ({"note": "crew\x00sent"}, "note"),
    ({"note": "crew\x1b[2Jsent"}, "note"),
    ({"reply": "已派人\x00维修"}, "reply"),
    ({"reply": {"zh": "已派人维修", "en": "on\x07its way"}}, "reply"),
    ({"event_id": "ev\x00-1"}, "event_id"),
    ({"occurred_at": "0001-01-01T00:00:00+05:00"}, "occurred_at"),
    ({"occurred_at": "9999-12-31T23:59:59-14:00"}, "occurred_at"),
    ({"occurred_at": "9999-12-31T23:59:59+00:00"}, "occurred_at"),
])
def test_control_characters_and_out_of_range_times_are_400(app, client, forwarded, body, field):
    before = state(app, forwarded)
    response = signed_event(client, {**event(forwarded), **body})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert state(app, forwarded) == before
