"""A submission's history: its timeline entries and its change-log rows (the outbox).

Both are written with one INSERT each, not through the ORM's flush: every submission and status
change writes them, the flush's bookkeeping costs several times the INSERT, and on SQLite it
runs inside the one write lock all writers share (see portal.core.rows).
"""
from sqlalchemy import inspect

from portal.core.rows import execute_write
from portal.core.time import utcnow
from portal.extensions import db
from portal.submissions.models import ChangeLog, StatusEvent


def record_change(submission, change: str, *, at=None, public=None) -> None:
    """Append to the change log (the outbox) in the current transaction, with the submission's
    status, marked public when a page without the tracking code may show it (by default: the
    submission is published, or the change unpublishes it). `at` defaults to now."""
    if public is None:
        public = bool(submission.published) or change == "unpublished"
    _insert_rows(submission, CHANGE_ROWS, change=change, status=submission.status, public=public,
                 created_at=at or utcnow())


def add_timeline_entry(submission, **values) -> None:
    """Append an entry to a submission's timeline (StatusEvent's columns as keywords)."""
    _insert_rows(submission, TIMELINE_ROWS, **values)
    if "events" not in inspect(submission).unloaded:
        db.session.expire(submission, ["events"])  # a loaded timeline would lack the entry


def add_staff_note(submission, *, actor: str, note: str, created_at=None) -> None:
    """A timeline entry for staff only, at the submission's current status."""
    add_timeline_entry(submission, actor=actor, kind="note", from_status=submission.status,
                       to_status=submission.status, is_public=False, note=note,
                       created_at=created_at or utcnow())


CHANGE_ROWS = ChangeLog.__table__.insert()
TIMELINE_ROWS = StatusEvent.__table__.insert()


def _insert_rows(submission, statement, **values) -> None:
    """Insert one row for `submission` in the session's transaction."""
    execute_write(db.session, statement, dict(values, submission_id=stored_id(submission)))


def stored_id(submission) -> int:
    """The submission's id; one added to the session but not yet written is flushed first."""
    if submission.id is None:
        db.session.flush()
    return submission.id
