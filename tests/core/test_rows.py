"""Rows written outside the ORM's flush: the session sees them as if it had flushed them."""
import pytest
from sqlalchemy import event, inspect

from portal.accounts.audit import record_audit
from portal.accounts.models import AuditEntry
from portal.core.rows import add_inserted, insert_all
from portal.extensions import db
from portal.stations.services import find_area, find_category
from portal.submissions.models import ChangeLog, Contact, StatusEvent, Submission
from portal.submissions.services import change_status


def statements_during(action):
    """The SQL statements `action()` ran."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def column_values(row) -> dict:
    return {c.key: getattr(row, c.key) for c in inspect(type(row)).column_attrs}


def new_submission(**values):
    values = {"code": "TESTROWS01", "kind": "issue", "category": find_category("street-lighting"),
              "area": find_area("riverside"), "title": "路灯不亮", "body": "门口的路灯坏了。",
              **values}
    return Submission(**values)


def test_an_inserted_instance_is_what_a_flush_would_have_left(app_ctx):
    flushed = new_submission(code="TESTROWS02")
    db.session.add(flushed)
    db.session.flush()
    inserted = add_inserted(db.session, new_submission())
    assert inspect(inserted).persistent and not db.session.new and not db.session.dirty
    expected = column_values(flushed)
    expected.update(id=inserted.id, code=inserted.code,
                    created_at=inserted.created_at, updated_at=inserted.updated_at)
    # Every column is loaded (defaults included) and its relationships answer without a query.
    seen = statements_during(lambda: (column_values(inserted), inserted.events, inserted.photos,
                                      inserted.contact, inserted.category.code))
    assert seen == []
    assert column_values(inserted) == expected
    assert (inserted.events, inserted.photos, inserted.contact) == ([], [], None)
    assert inserted.category_id == find_category("street-lighting").id
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Submission, inserted.id)
    assert column_values(stored) == expected


def test_rows_added_after_an_inserted_instance_are_flushed_as_usual(app_ctx):
    submission = add_inserted(db.session, new_submission())
    contact = add_inserted(db.session, Contact(submission_id=submission.id, email="a@b.cn"))
    submission.events.append(StatusEvent(actor="resident", to_status="received"))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Submission, submission.id)
    assert [e.to_status for e in stored.events] == ["received"]
    assert stored.contact.email == contact.email == "a@b.cn"


def test_only_new_instances_without_owned_rows_are_taken(app_ctx):
    with pytest.raises(ValueError, match="contact"):
        add_inserted(db.session, new_submission(contact=Contact(email="a@b.cn")))
    db.session.rollback()
    flushed = new_submission()
    db.session.add(flushed)
    with pytest.raises(ValueError, match="new instance"):
        add_inserted(db.session, flushed)


def test_instances_inserted_together_are_stored_as_a_flush_stores_them(app_ctx):
    flushed = [new_submission(code=f"TESTROWS1{i}", title=f"路灯 {i}") for i in range(3)]
    db.session.add_all(flushed)
    db.session.flush()
    batch = [new_submission(code=f"TESTROWS2{i}", title=f"路灯 {i}") for i in range(3)]
    assert len(statements_during(lambda: insert_all(db.session, batch))) == 1
    assert not db.session.new and all(inspect(row).transient for row in batch)
    moments = ("id", "code", "created_at", "updated_at")
    expected = [{k: v for k, v in column_values(row).items() if k not in moments}
                for row in flushed]
    db.session.commit()
    stored = db.session.execute(db.select(Submission).where(Submission.code.like("TESTROWS2%"))
                                .order_by(Submission.code)).scalars().all()
    assert [{k: v for k, v in column_values(row).items() if k not in moments}
            for row in stored] == expected
    assert statements_during(lambda: insert_all(db.session, [])) == []
    with pytest.raises(ValueError, match="one class"):
        insert_all(db.session, [new_submission(code="TESTROWS30"), Contact(email="a@b.cn")])


def test_a_status_change_leaves_nothing_to_flush_and_a_fresh_timeline(app_ctx, make_submission):
    submission = make_submission()
    assert [e.to_status for e in submission.events] == ["received"]  # loaded before the change
    change_status(submission, "accepted", actor="user:mod", note="looks fine")
    assert not db.session.dirty and submission.status == "accepted"
    assert [(e.to_status, e.note) for e in submission.events] == [
        ("received", ""), ("accepted", "looks fine")]
    changes = db.session.execute(db.select(ChangeLog.change, ChangeLog.status).filter_by(
        submission_id=submission.id).order_by(ChangeLog.id)).all()
    assert [tuple(c) for c in changes] == [("created", "received"), ("status", "accepted")]
    db.session.rollback()  # nothing of the change stays
    assert db.session.get(Submission, submission.id).status == "received"
    assert db.session.execute(db.select(db.func.count()).select_from(StatusEvent).filter_by(
        submission_id=submission.id)).scalar() == 1


def test_an_audit_entry_is_written_at_once(app_ctx):
    record_audit("user:mod", "test.action", target_type="submission", target_id=7,
                 before={"a": 1}, after={"a": 2}, note="why")
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.actor, entry.action, entry.target_type, entry.target_id, entry.before,
            entry.after, entry.note) == ("user:mod", "test.action", "submission", "7", {"a": 1},
                                         {"a": 2}, "why")
    assert entry.created_at is not None


def test_a_commit_of_rows_written_outside_the_flush_counts_as_a_write(app_ctx):
    from flask import current_app
    versions_read = (0.0, ["kept"])
    current_app.extensions["portal_page_versions_read"] = versions_read
    db.session.execute(db.select(Submission.id)).all()
    db.session.commit()  # a read-only commit keeps what the process read
    assert current_app.extensions["portal_page_versions_read"] is versions_read
    record_audit("user:mod", "test.action")
    db.session.commit()  # this process's pages read the data versions again
    assert current_app.extensions["portal_page_versions_read"] is None
    current_app.extensions["portal_page_versions_read"] = versions_read
    insert_all(db.session, [new_submission()])
    db.session.commit()
    assert current_app.extensions["portal_page_versions_read"] is None
