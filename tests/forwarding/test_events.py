"""Status coming back: POST /api/v1/platform/events, signed, idempotent, all-or-nothing."""
import time

import pytest

from portal.extensions import db
from portal.forwarding.models import PlatformEvent
from portal.submissions.models import StatusEvent, Submission
from tests.forwarding.helpers import drain, event, signed_event, state


def test_progress_and_reply_reach_the_tracking_page(app, client, forwarded):
    reply = {"zh": "已派人维修。", "en": "A crew is on its way."}
    response = signed_event(client, event(forwarded, note="crew sent", reply=reply))
    assert response.status_code == 200
    assert response.get_json() == {"outcome": "applied", "reference": forwarded,
                                   "status": "in_progress"}
    page = client.get(f"/track/{forwarded}?lang=en").get_data(as_text=True)
    assert "In progress" in page and "A crew is on its way." in page
    assert "crew sent" not in page  # the note is internal
    page = client.get(f"/track/{forwarded}?lang=zh").get_data(as_text=True)
    assert "已派人维修。" in page
    response = signed_event(client, event(forwarded, "resolved", "ev-2",
                                          occurred_at="2026-11-26T12:00:00+08:00",
                                          reply="路灯已修好。"))
    assert response.get_json()["status"] == "resolved"
    assert "路灯已修好。" in client.get(f"/track/{forwarded}?lang=zh").get_data(as_text=True)


def test_the_same_event_twice_changes_nothing(app, client, forwarded):
    body = event(forwarded, reply="处理中")
    assert signed_event(client, body).get_json()["outcome"] == "applied"
    before = state(app, forwarded)
    again = signed_event(client, body)
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert state(app, forwarded) == before
    reused = signed_event(client, {**body, "status": "closed"})
    assert reused.status_code == 409
    assert reused.get_json()["error"]["code"] == "event_id_reused"
    assert state(app, forwarded) == before


def test_returned_goes_back_to_accepted_and_is_forwarded_again(app, client, forwarded):
    response = signed_event(client, event(forwarded, "returned", note="wrong district"))
    assert response.get_json()["status"] == "accepted"
    with app.app_context():
        drain()
        submission = db.session.execute(
            db.select(Submission).filter_by(code=forwarded)).scalar_one()
        assert submission.status == "forwarded"
        notes = [e.note for e in submission.events]
        assert any("returned: wrong district" in n for n in notes)


def test_an_older_event_does_not_move_the_status_back(app, client, forwarded):
    signed_event(client, event(forwarded, "resolved", "late-2",
                               occurred_at="2026-11-26T12:00:00+08:00"))
    response = signed_event(client, event(forwarded, "in_progress", "early-1",
                                          occurred_at="2026-11-26T11:00:00+08:00",
                                          reply="we are on it"))
    assert response.get_json() == {"outcome": "superseded", "reference": forwarded,
                                   "status": "resolved"}
    assert "we are on it" in client.get(f"/track/{forwarded}?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("headers,code", [
    ({"X-Portal-Signature": ""}, "unsigned"),
    ({"X-Portal-Signature": "sha256=" + "0" * 64}, "bad_signature"),
])
def test_unsigned_or_badly_signed_events_are_refused(app, client, forwarded, headers, code):
    before = state(app, forwarded)
    response = signed_event(client, event(forwarded), headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code
    assert state(app, forwarded) == before


def test_a_stale_or_wrong_secret_event_is_refused(app, client, forwarded):
    before = state(app, forwarded)
    stale = signed_event(client, event(forwarded), timestamp=time.time() - 301)
    assert stale.status_code == 401 and stale.get_json()["error"]["code"] == "stale"
    future = signed_event(client, event(forwarded), timestamp=time.time() + 400)
    assert future.status_code == 401
    wrong = signed_event(client, event(forwarded), secret="not-the-secret")
    assert wrong.get_json()["error"]["code"] == "bad_signature"
    assert state(app, forwarded) == before
    with app.app_context():
        assert db.session.execute(db.select(PlatformEvent)).first() is None


@pytest.mark.parametrize("body,field", [
    ({"status": "done"}, "status"),
    ({"occurred_at": "2026-11-26T10:00:00"}, "occurred_at"),  # no time zone
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"event_id": ""}, "event_id"),
    ({"reply": {"fr": "bonjour"}}, "reply"),
    ({"reply": 42}, "reply"),
    ({"note": "x" * 2001}, "note"),
])
def test_malformed_events_name_the_field_and_change_nothing(app, client, forwarded, body, field):
    before = state(app, forwarded)
    response = signed_event(client, {**event(forwarded), **body})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert state(app, forwarded) == before


def test_not_json_and_unknown_reference(app, client, forwarded):
    response = signed_event(client, b"{not json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed"
    response = signed_event(client, event("ZZZZZZZZZZ"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_reference"


def test_an_impossible_transition_is_a_conflict_and_rolls_back(app, client, forwarded):
    assert signed_event(client, event(forwarded, "closed", "c-1")).status_code == 200
    before = state(app, forwarded)
    response = signed_event(client, event(forwarded, "in_progress", "c-2",
                                          occurred_at="2026-11-27T10:00:00+08:00",
                                          reply="should not appear"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "transition_not_allowed"
    assert state(app, forwarded) == before
    with app.app_context():
        assert db.session.execute(db.select(StatusEvent).filter_by(
            public_note="should not appear")).first() is None
        assert db.session.execute(
            db.select(PlatformEvent).filter_by(event_id="c-2")).first() is None


def test_events_need_no_csrf_token_but_a_secret(app, client, forwarded):
    app.config["PORTAL_PLATFORM_SECRET"] = ""
    response = signed_event(client, event(forwarded))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "not_configured"
