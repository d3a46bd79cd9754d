"""The latest submissions' texts kept by each process for the duplicate check: always what the
database holds (the newest RECENT_LIMIT of the last RECENT_DAYS days, newest first)."""
from datetime import timedelta

from portal.core.time import utcnow
from portal.extensions import db
from portal.submissions import recent as recent_module
from portal.submissions.models import Submission
from portal.submissions.recent import RECENT_DAYS, RECENT_LIMIT, recent_texts


def read_directly(now):
    rows = db.session.execute(
        db.select(Submission.code, Submission.title, Submission.body)
        .where(Submission.created_at >= now - timedelta(days=RECENT_DAYS))
        .order_by(Submission.id.desc()).limit(RECENT_LIMIT)).all()
    return [tuple(row) for row in rows]


def add_copies(template, count, *, at, ids=None):
    """`count` submissions like `template` (distinct codes and texts), inserted in one go;
    with the ids given, if any."""
    columns = {c.key: getattr(template, c.key) for c in Submission.__table__.columns
               if c.key != "id"}
    numbers = ids or range(count)
    db.session.execute(db.insert(Submission), [
        dict(columns, code=f"T{n:09d}", title=f"copy {n}", body=f"text of copy {n}",
             fingerprint=f"copy-{n}", idempotency_key=None, created_at=at, updated_at=at,
             **({"id": n} if ids else {}))
        for n in numbers])
    db.session.commit()


def test_the_kept_texts_equal_a_fresh_read_as_submissions_arrive_and_age(
        app, make_submission, monkeypatch):
    with app.app_context():
        assert recent_texts() == read_directly(utcnow()) == []
        first = make_submission(title="路灯不亮", body="杨树浦路 100 号门口的路灯坏了一周。")
        assert recent_texts() == read_directly(utcnow())
        for n in range(3):
            make_submission(title=f"第{n}号路灯不亮", body=f"杨树浦路 {n} 号门口的路灯坏了。")
        kept = recent_texts()
        assert kept == read_directly(utcnow()) and len(kept) == 4
        assert kept[-1] == (first.code, first.title, first.body)
        assert recent_texts() is kept  # nothing new: the same list, not rebuilt

        # More than the limit: only the newest are kept.
        add_copies(first, RECENT_LIMIT, at=utcnow())
        kept = recent_texts()
        assert kept == read_directly(utcnow()) and len(kept) == RECENT_LIMIT
        assert first.code not in {code for code, _title, _body in kept}

        # A week later every one of them has aged out.
        later = utcnow() + timedelta(days=RECENT_DAYS, minutes=1)
        monkeypatch.setattr(recent_module, "utcnow", lambda: later)
        assert recent_texts() == read_directly(later) == []


def test_a_process_that_starts_later_reads_the_same(app, make_submission):
    with app.app_context():
        for n in range(5):
            make_submission(title=f"第{n}号路灯不亮", body=f"杨树浦路 {n} 号门口的路灯坏了。")
        kept = recent_texts()
        app.extensions.pop("portal_recent_texts")
        assert recent_texts() == kept == read_directly(utcnow())


def test_a_row_committed_after_a_newer_one_is_still_read(app, make_submission, monkeypatch):
    """On PostgreSQL a lower id can commit after a higher one has been read: the ids just below
    the newest seen are read again, and a late row takes its place in id order."""
    monkeypatch.setattr(recent_module, "reread_window", lambda: recent_module.RECENT_REREAD)
    with app.app_context():
        first = make_submission()
        add_copies(first, 1, at=utcnow(), ids=[first.id + 20])
        assert len(recent_texts()) == 2
        add_copies(first, 2, at=utcnow(), ids=[first.id + 5, first.id + 30])
        kept = recent_texts()
        assert kept == read_directly(utcnow()) and len(kept) == 4
        assert recent_texts() is kept
