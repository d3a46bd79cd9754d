"""The CSV export writes an audit entry: it must wait for SQLite's write lock, not fail on it."""
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db


def test_export_waits_for_another_writer_instead_of_failing(app, make_record, moderator):
    if app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0] != "sqlite":
        pytest.skip("SQLite's write lock only")
    make_record()
    path = Path(app.config["PORTAL_DATA_DIR"]) / "portal.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another request is writing, e.g. a new submission
    other.execute("UPDATE submission SET support_count = support_count + 1")

    def finish():
        time.sleep(0.5)
        other.execute("COMMIT")

    writer = threading.Thread(target=finish)
    writer.start()
    try:
        response = moderator.get("/staff/export.csv")
    finally:
        writer.join()
        other.close()
    assert response.status_code == 200, response.status_code
    assert response.get_data(as_text=True).count("\n") >= 2  # header and the submission
    with app.app_context():
        audited = db.session.query(AuditEntry).filter_by(action="submissions.export").count()
    assert audited == 1


def test_export_reads_the_cases_before_taking_the_write_lock(app, make_record, moderator):
    """An export of every case takes seconds; residents' submissions must not wait for it: only
    the audit entry is written under the lock."""
    from tests.helpers import write_transactions

    make_record()
    make_record()
    with app.app_context():
        engine = db.engine
    with write_transactions(engine) as locked:
        response = moderator.get("/staff/export.csv")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("\n") >= 3  # header and both submissions
    statements = [s for transaction in locked for s in transaction]
    assert any(s.startswith("INSERT INTO audit_entry") for s in statements), statements
    assert not [s for s in statements if "FROM submission" in s or "FROM contact" in s]
