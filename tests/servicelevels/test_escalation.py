"""Reminders before the due time, escalation in steps after it, each on the staff timeline."""
from portal.extensions import db
from portal.servicelevels.escalation import first_due_step, run_due_steps, steps_fell_due
from portal.servicelevels.models import Deadline, Escalation
from portal.submissions.models import ChangeLog
from tests.helpers import query_plan
from tests.servicelevels.helpers import events_of, local


def steps(submission):
    return [(e.level, e.target) for e in db.session.execute(
        db.select(Escalation).filter_by(submission_id=submission.id)
        .order_by(Escalation.id)).scalars()]


def test_reminder_then_three_escalation_steps(app, client, login, make_submission, move):
    with app.app_context():
        case = make_submission(category_code="litter")  # cleaning team, 5 working days
        # 40 working hours: 30 Sep, 8, 9, 10 (the adjusted Saturday) and 12 October.
        move(case, "accepted", local(2026, 9, 30, 9))
        assert db.session.get(Deadline, case.id).resolve_due == local(2026, 10, 12, 17)
        assert run_due_steps(now=local(2026, 10, 10, 14)) == 0  # 29 of 40 hours: not yet
        assert run_due_steps(now=local(2026, 10, 10, 16)) == 1  # past 3/4 (30 hours)
        assert steps(case) == [(0, "team:cleaning")]
        assert run_due_steps(now=local(2026, 10, 10, 16, 30)) == 0  # reminded once only
        assert run_due_steps(now=local(2026, 10, 12, 17, 1)) == 1
        assert run_due_steps(now=local(2026, 10, 13, 17, 1)) == 1  # 8 working hours later
        assert run_due_steps(now=local(2026, 10, 14, 17, 1)) == 1
        assert run_due_steps(now=local(2026, 10, 20, 9)) == 0  # nothing above administrators
        assert steps(case) == [(0, "team:cleaning"), (1, "team:cleaning"),
                               (2, "role:moderator"), (3, "role:administrator")]
        notes = [e for e in events_of(case, "note") if "escalation" in e.note]
        assert len(notes) == 3 and not any(e.is_public for e in notes)
        changes = db.session.execute(db.select(ChangeLog.change).filter_by(
            submission_id=case.id).where(ChangeLog.change.in_(("reminded", "escalated")))
        ).scalars().all()
        assert changes == ["reminded", "escalated", "escalated", "escalated"]
        db.session.commit()
        case_id, code = case.id, case.code
    # Staff see the steps; the resident's page does not.
    login("viewer")
    for lang, word in (("en", "Escalated to the administrators"), ("zh", "已督办：管理员")):
        page = client.get(f"/staff/service-levels?lang={lang}").get_data(as_text=True)
        assert word in page
    page = client.get(f"/staff/submissions/{case_id}?lang=en").get_data(as_text=True)
    assert "escalation level 3 to role:administrator" in page
    assert "role:administrator" not in client.get(f"/track/{code}").get_data(as_text=True)


def test_a_resolved_case_is_not_escalated(app_ctx, make_submission, move):
    case = make_submission(category_code="fire-risk")
    move(case, "accepted", local(2026, 11, 2, 9))
    move(case, "resolved", local(2026, 11, 2, 10))
    assert run_due_steps(now=local(2026, 11, 20, 9)) == 0
    assert steps(case) == []


def test_supervisor_address_is_configurable(app, make_submission, move):
    app.config["PORTAL_ESCALATION_SUPERVISOR"] = "duty@yangpu.example"
    with app.app_context():
        case = make_submission(category_code="fire-risk")  # due after 1 working day
        move(case, "accepted", local(2026, 11, 2, 9))
        run_due_steps(now=local(2026, 11, 4, 9, 30))
        assert (2, "duty@yangpu.example") in steps(case)


def test_reminders_of_a_published_case_leave_public_pages_kept(app, make_submission, move):
    """Reminders and escalations are staff notes: the public pages' version does not move."""
    from portal.core.pagecache import read_data_versions

    with app.app_context():
        case = make_submission(category_code="litter", publish=True)
        move(case, "accepted", local(2026, 9, 30, 9))
        db.session.commit()
        case_id = case.id
    with app.test_request_context("/"):
        every, public = read_data_versions()
    with app.app_context():
        assert run_due_steps(now=local(2026, 10, 12, 17, 1)) == 1
        db.session.commit()
        marks = db.session.execute(db.select(ChangeLog.change, ChangeLog.public).filter_by(
            submission_id=case_id)).all()
    assert ("escalated", False) in marks and ("published", True) in marks
    with app.test_request_context("/"):
        assert read_data_versions()[0] != every and read_data_versions()[1] == public


def test_the_check_for_due_steps_reads_the_index_on_next_check_at(app_ctx, make_submission):
    """The worker asks up to five times a second whether a step fell due: the answer must come
    from the index on next_check_at, not from reading every deadline, even on a database
    whose statistics were never gathered."""
    from datetime import timedelta

    from portal.core.time import utcnow

    now = utcnow()
    plan = query_plan(first_due_step(now))
    assert "ix_deadline_next_check_at" in plan and "Seq Scan" not in plan, plan
    assert not steps_fell_due(now)
    case = make_submission(title="Lamp dark by the ferry gate")
    db.session.add(Deadline(submission_id=case.id, open=True, next_check_at=now - timedelta(
        minutes=1)))
    db.session.commit()
    assert steps_fell_due(now)
