"""Each case's deadlines, derived by the worker from its timeline as the change log moves.

The task reads the change log from its own stored position (and a window behind it, since
PostgreSQL ids may commit out of order); for each submission changed it recomputes the deadline
row from the timeline, which is idempotent, so reading a change twice is harmless. A deadline
row remembers the newest change it reflects, so the window costs nothing once applied. A round
reads the cases of its batch, their rows, timelines and approved extensions, and the rules, in
one query each, and computes the rows without SQLite's write lock; then, in one short writing
transaction, it stores the rows that changed and the position (unless another worker moved the
position meanwhile: its next round reads on from there).
"""
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import bindparam, inspect
from sqlalchemy.orm import joinedload, load_only

from portal.core.database import read_only_transaction
from portal.core.positions import position_of, unmoved_position
from portal.core.time import as_utc, utcnow
from portal.core.unit_of_work import unit_of_work
from portal.extensions import db
from portal.servicelevels.calendar import WorkingClock, parse_clock_time
from portal.servicelevels.models import Deadline, DeadlineExtension, ServiceLevelPosition
from portal.servicelevels.rules import rule_for, rule_table
from portal.stations.models import Category
from portal.submissions.listings import LATEST_CHANGE
from portal.submissions.models import PUBLIC_CHANGE, ChangeLog, StatusEvent, Submission

POSITION_NAME = "deadlines"
REREAD_WINDOW = 1000
BATCH = 200
# Changes this package writes itself: they never move a deadline.
OWN_CHANGES = ("reminded", "escalated")
HANDLED = ("in_progress", "resolved", "closed")  # a status that acknowledges the case
DONE = ("resolved", "closed")
NOT_STARTED = ("received", "held", "rejected")  # withdrawn before or after acceptance


def working_clock() -> WorkingClock:
    """The working clock of this portal (time zone and working day from the configuration)."""
    config = current_app.config
    return WorkingClock(config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"),
                        parse_clock_time(config.get("PORTAL_WORKDAY_START", "09:00")),
                        parse_clock_time(config.get("PORTAL_WORKDAY_END", "17:00")))


def start_status() -> str:
    """The status that starts the clock: accepted with the local queue, else forwarded."""
    return "accepted" if current_app.config.get("PORTAL_SINK", "local") == "local" else "forwarded"


def timeline_facts(submission, events) -> dict:
    """Start, acknowledgement, resolution and reopenings read from a timeline (oldest first)."""
    begin = start_status()
    facts = {"started_at": None, "acknowledged_at": None, "resolved_at": None,
             "resolve_from": None, "reopen_count": 0}
    for event in events:
        moment = as_utc(event.created_at)
        if event.kind == "status":
            if facts["started_at"] is None:
                if event.to_status in (begin, "forwarded", *HANDLED):
                    facts["started_at"] = facts["resolve_from"] = moment
                else:
                    continue
            if event.to_status in HANDLED and facts["acknowledged_at"] is None:
                facts["acknowledged_at"] = moment
            if event.to_status in DONE and facts["resolved_at"] is None:
                facts["resolved_at"] = moment
            if event.from_status in DONE and event.to_status not in DONE:
                facts["reopen_count"] += 1
                facts["resolved_at"] = None
                facts["resolve_from"] = moment  # the resolve clock starts again
        elif event.kind == "reply" and facts["started_at"] is not None:
            if facts["acknowledged_at"] is None:
                facts["acknowledged_at"] = moment
            if submission.kind == "idea" and facts["resolved_at"] is None:
                facts["resolved_at"] = moment  # an idea's official answer is its resolution
    return facts


def recompute(submission, row: Deadline, change_id: int, events, approved, clock,
              rules) -> Deadline:
    """Bring one submission's deadline row up to date with its timeline (`events`, oldest
    first), its approved extensions ((decided_at, days) pairs) and the round's rule table."""
    facts = timeline_facts(submission, events)
    row.last_change_id = max(row.last_change_id or 0, change_id)
    if facts["started_at"] is None or submission.status in NOT_STARTED:
        row.open, row.next_check_at = False, None
        return row
    if row.started_at is None or as_utc(row.started_at) != facts["started_at"]:
        # The rule in force when the clock starts applies for the case's whole life.
        row.acknowledge_hours, row.resolve_days = rule_for(submission.kind, submission.category,
                                                           rules)
        row.started_at = facts["started_at"]
        row.acknowledge_due = clock.add_working_hours(facts["started_at"], row.acknowledge_hours)
    extension = extension_days(approved, facts["resolve_from"])
    # Approved extensions move the due date on from the rule's (the calendar adds up).
    resolve_due = clock.add_working_days(
        clock.add_working_days(facts["resolve_from"], row.resolve_days), extension)
    row.extension_days = extension
    if row.resolve_due is None or as_utc(row.resolve_due) != resolve_due:
        row.resolve_due, row.resolve_from = resolve_due, facts["resolve_from"]
        row.reminded_at, row.escalation_level = None, 0  # a new deadline: its own steps
    row.acknowledged_at = facts["acknowledged_at"]
    row.resolved_at = facts["resolved_at"]
    row.reopen_count = facts["reopen_count"]
    row.open = facts["resolved_at"] is None and submission.status not in DONE
    if row.open:
        from portal.servicelevels.escalation import next_step_time
        row.next_check_at = next_step_time(row, clock)
    else:
        row.next_check_at = None
    return row


def extension_days(approved, since) -> float:
    """Working days of the extensions approved ((decided_at, days) pairs) since the resolve
    clock (re)started."""
    return float(sum(days for moment, days in approved if as_utc(moment) >= since))


# The statements of a round, built once: the ids come as one expanding parameter. Only the
# columns the computation reads are loaded.
IDS = bindparam("ids", expanding=True)
ROUND_CASES = db.select(Submission).where(Submission.id.in_(IDS)).options(
    load_only(Submission.id, Submission.kind, Submission.status, Submission.category_id),
    joinedload(Submission.category).joinedload(Category.parent))
ROUND_ROWS = db.select(Deadline).where(Deadline.submission_id.in_(IDS))
ROUND_TIMELINES = db.select(
    StatusEvent.submission_id, StatusEvent.kind, StatusEvent.from_status, StatusEvent.to_status,
    StatusEvent.created_at).where(StatusEvent.submission_id.in_(IDS)).order_by(StatusEvent.id)
ROUND_EXTENSIONS = db.select(
    DeadlineExtension.submission_id, DeadlineExtension.decided_at, DeadlineExtension.days).where(
    DeadlineExtension.submission_id.in_(IDS), DeadlineExtension.state == "approved")
# The changes after `after` up to `head` whose case's deadlines do not reflect them yet.
UNAPPLIED_CHANGES = (
    db.select(ChangeLog.id, ChangeLog.submission_id)
    .where(ChangeLog.id > bindparam("after"), ChangeLog.id <= bindparam("head"),
           ChangeLog.change.not_in(OWN_CHANGES),
           ~db.select(Deadline.submission_id).where(
               Deadline.submission_id == ChangeLog.submission_id,
               Deadline.last_change_id >= ChangeLog.id).exists())
    .order_by(ChangeLog.id).limit(BATCH))


@dataclass
class Recomputed:
    """A round's deadline rows as plain values: the new ones whole, the others' changes only."""

    new: list = field(default_factory=list)  # column values of rows to insert
    changed: list = field(default_factory=list)  # the primary key and the changed values
    cases: int = 0


COLUMNS = [column.key for column in Deadline.__table__.columns]


def compute_rows(newest: dict) -> Recomputed:
    """The deadline rows of {submission id: newest change id} recomputed (reads only): the
    cases, their rows, timelines and approved extensions read in one query each."""
    ids = {"ids": list(newest)}
    result = Recomputed()
    # Nothing computed is written here, not even by a query's autoflush: the caller stores it.
    with db.session.no_autoflush:
        submissions = db.session.execute(ROUND_CASES, ids).scalars().all()
        rows = {row.submission_id: row
                for row in db.session.execute(ROUND_ROWS, ids).scalars()}
        timelines, approved = defaultdict(list), defaultdict(list)
        for event in db.session.execute(ROUND_TIMELINES, ids):
            timelines[event.submission_id].append(event)
        for submission_id, decided_at, days in db.session.execute(ROUND_EXTENSIONS, ids):
            approved[submission_id].append((decided_at, days))
        clock, rules = working_clock(), rule_table()
        for submission in submissions:
            row = rows.get(submission.id)
            if row is None:
                # The counters start at 0 here: their column defaults apply only at insert,
                # and the computation reads them.
                row = recompute(submission, Deadline(
                    submission_id=submission.id, escalation_level=0, reopen_count=0,
                    extension_days=0), newest[submission.id], timelines[submission.id],
                    approved[submission.id], clock, rules)
                result.new.append({key: getattr(row, key) for key in COLUMNS
                                   if getattr(row, key) is not None})
                continue
            recompute(submission, row, newest[submission.id], timelines[submission.id],
                      approved[submission.id], clock, rules)
            state = inspect(row)
            changes = {key: getattr(row, key) for key in COLUMNS
                       if state.attrs[key].history.has_changes()}
            if changes:
                result.changed.append({"submission_id": row.submission_id, **changes})
    result.cases = len(submissions)
    return result


def store_rows(recomputed: Recomputed) -> None:
    """Write a round's recomputed deadline rows."""
    if recomputed.new:
        db.session.execute(db.insert(Deadline), recomputed.new)
    if recomputed.changed:
        db.session.execute(db.update(Deadline), recomputed.changed)


def recompute_all(newest: dict) -> int:
    """Recompute and store the deadline rows of {submission id: newest change id}."""
    recomputed = compute_rows(newest)
    store_rows(recomputed)
    return recomputed.cases


def consume_changes() -> int:
    """Recompute the deadlines of submissions changed since the stored position."""
    # Reading the cases and computing their clocks are done without SQLite's write lock, which
    # residents' submissions wait for; it is taken below only to store the rows that changed.
    with read_only_transaction(db.session):
        start = position_of(ServiceLevelPosition, POSITION_NAME)
        head = db.session.execute(LATEST_CHANGE).scalar() or 0
        changes = db.session.execute(UNAPPLIED_CHANGES, {
            "after": max(0, start - REREAD_WINDOW), "head": head}).all()
        newest = {}
        for change_id, submission_id in changes:
            newest[submission_id] = change_id
        recomputed = compute_rows(newest) if newest else Recomputed()
    reached = head if len(changes) < BATCH else changes[-1][0]
    if not newest and reached <= start:
        return 0
    position = unmoved_position(ServiceLevelPosition, POSITION_NAME, start)
    if position is None:
        return 0
    store_rows(recomputed)
    if reached > position.last_id:
        position.last_id = reached
        position.updated_at = utcnow()
    db.session.flush()
    return len(newest)


def deadline_task() -> int:
    """One worker round: deadlines from the change log, then reminders and escalations that
    fell due; returns how many cases it touched."""
    from portal.servicelevels.escalation import run_due_steps, steps_fell_due

    with unit_of_work():
        handled = consume_changes()
    if steps_fell_due():
        with unit_of_work():
            handled += run_due_steps()
    return handled


# The task's position: pages showing a due date change when it moves (a page-cache version).
DEADLINE_POSITION = db.select(ServiceLevelPosition.last_id).where(
    ServiceLevelPosition.name == POSITION_NAME)
# The newest public change the task has applied: public pages' due dates change when it moves.
PUBLIC_DEADLINES = db.select(db.func.max(ChangeLog.id)).where(
    PUBLIC_CHANGE, ChangeLog.id <= DEADLINE_POSITION.scalar_subquery())
