"""`flask portal backup` and `flask portal purge-personal-data`."""
import shutil
import sqlite3
import subprocess
from datetime import timedelta

import pytest

from portal.accounts.models import AuditEntry
from portal.core.time import utcnow
from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.forwarding.relay import relay_task
from portal.submissions.models import Contact, StatusEvent, Submission
from portal.submissions.services import change_status

CONTACT = {"name": "Wang", "phone": "13800000000", "email": "wang@example.org", "consent": True}


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["portal", *args])


def is_sqlite(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_backup_is_a_consistent_copy(app, app_ctx, make_submission, tmp_path):
    for i in range(3):
        make_submission(title=f"路灯 {i}", contact=dict(CONTACT))
    target = tmp_path / "backups" / "portal-1.db"
    if not is_sqlite(app) and shutil.which("pg_dump") is None:
        result = invoke(app, "backup", str(target))
        assert result.exit_code == 1 and "pg_dump was not found" in result.output
        return
    result = invoke(app, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    if is_sqlite(app):
        assert "sqlite-online-backup" in result.output
        copy = sqlite3.connect(target)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM submission").fetchone()[0] == 3
        assert copy.execute("SELECT count(*) FROM contact").fetchone()[0] == 3
        copy.close()
    else:
        assert "pg_dump" in result.output
        listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True,
                                 text=True, check=True).stdout
        assert "TABLE DATA public submission" in listing
    # An existing file is never overwritten.
    again = invoke(app, "backup", str(target))
    assert again.exit_code == 1 and "already exists" in again.output


def close(submission, *, rejected=False, days_ago=0):
    if rejected:
        change_status(submission, "rejected", actor="user:moderator", note="spam")
    else:
        for status in ("accepted", "forwarded", "in_progress", "resolved", "closed"):
            change_status(submission, status, actor="system")
    db.session.commit()
    if days_ago:  # as if it had been closed that long ago
        db.session.execute(db.update(StatusEvent).where(
            StatusEvent.submission_id == submission.id).values(
                created_at=utcnow() - timedelta(days=days_ago)))
        db.session.commit()
    return submission.id


def contacts():
    ids = set(db.session.execute(db.select(Contact.submission_id)).scalars())
    db.session.rollback()
    return ids


@pytest.fixture
def cases(app_ctx, make_submission):
    """Submissions with contact details in each state the purge must tell apart."""
    def build(title, **close_args):
        submission = make_submission(title=title, contact=dict(CONTACT))
        return close(submission, **close_args) if close_args else submission.id
    return {
        "closed_long_ago": build("closed long ago", days_ago=200),
        "rejected_long_ago": build("rejected long ago", rejected=True, days_ago=40),
        "closed_recently": build("closed recently", days_ago=10),
        "open": make_submission(title="still open", contact=dict(CONTACT)).id,
    }


def test_purge_deletes_only_contacts_past_retention(app, cases):
    result = invoke(app, "purge-personal-data", "--older-than", "30")
    assert result.exit_code == 0, result.output
    assert "for 2 submission(s)" in result.output
    assert contacts() == {cases["closed_recently"], cases["open"]}
    # The submissions themselves, their timelines and tracking stay.
    assert db.session.execute(db.select(db.func.count()).select_from(Submission)).scalar() == 4
    audit = db.session.execute(db.select(AuditEntry).filter_by(
        action="purge_personal_data")).scalar_one()
    assert audit.after == {"contacts_deleted": 2, "older_than_days": 30}
    # Running it again finds nothing more.
    assert "for 0 submission(s)" in invoke(app, "purge-personal-data", "--older-than", "30").output


def test_purge_default_is_the_retention_setting(app, cases):
    assert app.config["PORTAL_RETENTION_DAYS"] == 180
    assert invoke(app, "purge-personal-data").exit_code == 0
    assert contacts() == {cases["rejected_long_ago"], cases["closed_recently"], cases["open"]}


def test_purge_clears_contact_copies_in_sent_incidents(app, app_ctx, make_submission):
    submission = make_submission(title="forwarded then closed", contact=dict(CONTACT))
    change_status(submission, "accepted", actor="user:moderator")
    db.session.commit()
    while relay_task():
        pass
    delivery = db.session.execute(db.select(Delivery)).scalar_one()
    assert delivery.state == "sent" and delivery.payload["contact"]["phone"] == CONTACT["phone"]
    db.session.refresh(submission)
    for status in ("in_progress", "resolved", "closed"):
        change_status(submission, status, actor="platform")
    db.session.commit()
    db.session.execute(db.update(StatusEvent).values(created_at=utcnow() - timedelta(days=365)))
    db.session.commit()

    assert invoke(app, "purge-personal-data").exit_code == 0
    db.session.expire_all()
    delivery = db.session.execute(db.select(Delivery)).scalar_one()
    assert delivery.payload["contact"] is None
    assert CONTACT["phone"] not in str(delivery.payload)
    assert contacts() == set()
