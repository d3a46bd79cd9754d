"""What a submission's birth and status changes leave for the change log's consumers: every row,
in order, each status change with the timeline entry it was written for (found by time)."""
import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.submissions.history import record_change
from portal.submissions.models import ChangeLog, StatusEvent, Submission
from portal.submissions.services import change_status


def changes_of(submission_id):
    return [(row.change, row.status) for row in db.session.execute(
        db.select(ChangeLog).filter_by(submission_id=submission_id).order_by(ChangeLog.id)
    ).scalars()]


def event_for(change):
    """The notifier's rule: the newest status entry no later than the change, to its status."""
    events = db.session.execute(db.select(StatusEvent).filter_by(
        submission_id=change.submission_id, kind="status").order_by(StatusEvent.id)).scalars()
    found = None
    for row in events:
        if row.created_at <= change.created_at and row.to_status == change.status:
            found = row
    return found


def count_flushes():
    flushes = []
    event.listen(db.session(), "after_flush", lambda *_args: flushes.append(1))
    return flushes


@pytest.mark.parametrize("app_config", [{"PORTAL_AUTO_ACCEPT": "web"}])
def test_an_auto_accepted_submission_is_born_with_both_changes_and_no_flush(app_ctx,
                                                                           make_submission):
    flushes = count_flushes()
    submission = make_submission(commit=False)
    assert flushes == []  # every row is a statement of its own (portal.core.rows)
    assert not (db.session.new or db.session.dirty)
    db.session.commit()
    assert changes_of(submission.id) == [("created", "received"), ("status", "accepted")]
    assert [(e.from_status, e.to_status) for e in submission.events] == [
        (None, "received"), ("received", "accepted")]
    status_change = db.session.execute(db.select(ChangeLog).filter_by(
        submission_id=submission.id, change="status")).scalar_one()
    assert event_for(status_change).to_status == "accepted"
    assert submission.created_at <= status_change.created_at


def test_a_held_submission_records_its_hold_for_moderators_only(app_ctx, make_submission):
    submission = make_submission(title="加微信 abc123 看片", body="加微信 abc123 看片 " * 8)
    assert submission.status == "held"
    assert changes_of(submission.id) == [("created", "received"), ("status", "held")]
    assert submission.events[-1].is_public is False


def test_a_status_change_is_found_by_its_change_without_a_flush_between(app_ctx,
                                                                        make_submission):
    submission = make_submission()
    flushes = count_flushes()
    change_status(submission, "accepted", actor="moderator")
    change_status(submission, "forwarded", actor="system", note="webhook ref-1")
    assert flushes == []  # written together by the commit
    db.session.commit()
    rows = db.session.execute(db.select(ChangeLog).filter_by(
        submission_id=submission.id, change="status").order_by(ChangeLog.id)).scalars().all()
    assert [row.status for row in rows] == ["accepted", "forwarded"]
    assert [event_for(row).to_status for row in rows] == ["accepted", "forwarded"]
    assert [event_for(row).actor for row in rows] == ["moderator", "system"]


def test_a_change_recorded_for_an_unflushed_submission_gets_its_id(app_ctx, make_submission):
    existing = make_submission()
    new = Submission(code="TESTCODE0001", kind="issue", channel="web", language="zh",
                     category=existing.category, area=existing.area, title="t", body="b" * 20,
                     place="", status="received", screening_score=0.0, screening_reasons=[])
    db.session.add(new)
    record_change(new, "created", at=existing.created_at)
    db.session.commit()
    assert new.id is not None and new.id != existing.id
    assert changes_of(new.id) == [("created", "received")]
