"""Reminders before a case is due and escalation in steps after it.

Level 0 reminds the handling team once three quarters of the working time to resolve have
passed; level 1 (the team) when the case is overdue; level 2 (a supervisor: a role or an
address, PORTAL_ESCALATION_SUPERVISOR) and level 3 (administrators) each
PORTAL_ESCALATION_STEP_HOURS working hours later. Each step is a row of its own, a staff-only
timeline entry and a change-log entry (`reminded` / `escalated`) other features may react to.
"""
from flask import current_app

from portal.core.database import read_only_transaction
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.servicelevels.models import Deadline, Escalation
from portal.submissions.history import add_staff_note, record_change

REMIND_SHARE = 0.75
LEVELS = (1, 2, 3)
BATCH = 100


def _step_hours() -> float:
    return float(current_app.config.get("PORTAL_ESCALATION_STEP_HOURS", 8))


def step_times(row: Deadline, clock) -> dict:
    """{level: when it falls due} for a deadline row (level 0 is the reminder)."""
    due = as_utc(row.resolve_due)
    total = row.resolve_days + (row.extension_days or 0)  # an extension moves the reminder
    times = {0: clock.add_working_days(as_utc(row.resolve_from), total * REMIND_SHARE)}
    for level in LEVELS:
        times[level] = clock.add_working_hours(due, (level - 1) * _step_hours())
    return times


def next_step_time(row: Deadline, clock):
    """When the next step not yet taken falls due, or None when all were taken."""
    times = step_times(row, clock)
    pending = [times[level] for level in (0, *LEVELS)
               if (level == 0 and row.reminded_at is None and row.escalation_level == 0)
               or (level > 0 and level > row.escalation_level)]
    return min(pending) if pending else None


def target_for(level: int, submission) -> str:
    """Who a step goes to: the team, the supervisor, then the administrators."""
    if level <= 1:
        return f"team:{submission.category.team}"
    if level == 2:
        return current_app.config.get("PORTAL_ESCALATION_SUPERVISOR", "role:moderator")
    return "role:administrator"


def _record(row: Deadline, level: int, now) -> None:
    submission = row.submission
    target = target_for(level, submission)
    db.session.add(Escalation(submission_id=submission.id, level=level, target=target,
                              due_at=row.resolve_due, created_at=now))
    word = "reminder" if level == 0 else f"escalation level {level}"
    add_staff_note(submission, actor="system", created_at=now,
                   note=f"{word} to {target}: due {as_utc(row.resolve_due).isoformat()}")
    # A staff note: public pages stay kept (a backlog of overdue cases is reminded of often).
    record_change(submission, "reminded" if level == 0 else "escalated", public=False)


def take_due_steps(row: Deadline, clock, now) -> int:
    """Take every step of one case that has fallen due; returns how many were taken."""
    times = step_times(row, clock)
    taken = 0
    due = as_utc(row.resolve_due)
    if row.reminded_at is None and row.escalation_level == 0 and times[0] <= now < due:
        _record(row, 0, now)
        row.reminded_at = now
        taken += 1
    for level in LEVELS:
        if level > row.escalation_level and times[level] <= now:
            _record(row, level, now)
            row.escalation_level = level
            taken += 1
    row.next_check_at = next_step_time(row, clock)
    return taken


def _due(now) -> tuple:
    """The conditions of an open case whose next step has fallen due at `now`."""
    return Deadline.open.is_(True), Deadline.next_check_at <= now


def steps_fell_due(now=None) -> bool:
    """Whether any case has a step due, read in a transaction of its own that never takes
    SQLite's write lock (most rounds find none)."""
    with read_only_transaction(db.session):
        return db.session.execute(first_due_step(now or utcnow())).first() is not None


def first_due_step(now):
    """The query for the case whose step fell due first. In the order of the index on
    next_check_at: the index's first row answers it, and the plan cannot fall back to reading
    every deadline (as PostgreSQL's may without statistics when nothing orders the rows)."""
    return db.select(Deadline.submission_id).where(*_due(now)).order_by(
        Deadline.next_check_at).limit(1)


def run_due_steps(now=None) -> int:
    """Reminders and escalations of open cases whose next step has fallen due."""
    from portal.servicelevels.deadlines import working_clock

    now = now or utcnow()
    clock = working_clock()
    rows = db.session.execute(
        db.select(Deadline).where(*_due(now))
        .order_by(Deadline.next_check_at).limit(BATCH).with_for_update(skip_locked=True)
    ).scalars().all()
    taken = sum(take_due_steps(row, clock, now) for row in rows)
    db.session.flush()
    return taken


def escalations_of(submission_id: int) -> list:
    """A case's reminders and escalations, oldest first (staff pages)."""
    return db.session.execute(db.select(Escalation).filter_by(submission_id=submission_id)
                              .order_by(Escalation.id)).scalars().all()
