"""Extensions of a case's resolve deadline: a handler asks, another moderator decides.

A dispatcher or moderator asks for N working days (at most PORTAL_MAX_EXTENSION_DAYS) with a
reason; one request waits per case at a time. A moderator or administrator other than the
requester approves or refuses it. Approval moves the resolve due date N working days on from the
current one, resets the reminder and escalation steps for the new date and writes a
`deadline_extended` change-log entry the notifications package tells the resident of. Each step
is audited and a staff-only timeline note.
"""
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.accounts.audit import record_audit
from portal.core.facts import Panel
from portal.core.i18n import _
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.servicelevels.deadlines import DONE, working_clock
from portal.servicelevels.escalation import next_step_time
from portal.servicelevels.models import Deadline, DeadlineExtension
from portal.submissions.history import add_staff_note, record_change
from portal.submissions.services import find_by_code

REASON_MAX = 500
EXTENDABLE = ("accepted", "forwarded", "in_progress")
CHANGE = "deadline_extended"


class ExtensionError(ValueError):
    """A request or a decision that cannot be made; nothing was stored."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message, self.status = message, status


def max_days() -> int:
    return int(current_app.config.get("PORTAL_MAX_EXTENSION_DAYS", 15))


def _clean(text: str) -> str:
    return " ".join((text or "").split())


def _open_deadline(submission):
    """The case's deadline row (locked) when it is open with a due date, else None."""
    row = db.session.execute(db.select(Deadline).filter_by(submission_id=submission.id)
                             .with_for_update()).scalar()
    if row is None or not row.open or row.resolve_due is None or \
            submission.status not in EXTENDABLE:
        return None
    return row


def pending_of(submission_id: int):
    """The request waiting for a decision on a case, or None."""
    return db.session.execute(db.select(DeadlineExtension).filter_by(
        pending_for=submission_id)).scalar()


def request_extension(code: str, *, days, reason: str, actor: str) -> DeadlineExtension:
    """A handler asks for `days` more working days to resolve the case, giving the reason."""
    submission = find_by_code(code or "")
    if submission is None:
        raise ExtensionError(_("No submission has this tracking code. Check it and try again."),
                             404)
    reason = _clean(reason)
    if not reason or len(reason) > REASON_MAX:
        raise ExtensionError(_("Give the reason for the extension (at most %(max)s "
                               "characters).", max=REASON_MAX), 422)
    if not isinstance(days, int) or days < 1 or days > max_days():
        raise ExtensionError(_("An extension is from 1 to %(max)s working days.",
                               max=max_days()), 422)
    if _open_deadline(submission) is None:
        raise ExtensionError(_("Only an open case whose deadline is running can be extended."))
    if pending_of(submission.id) is not None:
        raise ExtensionError(_("This case already has an extension request waiting for a "
                               "decision."))
    row = DeadlineExtension(submission_id=submission.id, days=days, reason=reason,
                            requested_by=actor, state="pending", pending_for=submission.id,
                            note="")
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # another handler asked at the same moment
        raise ExtensionError(_("This case already has an extension request waiting for a "
                               "decision.")) from None
    add_staff_note(submission, actor=actor,
                   note=f"extension requested: {days} working days; reason: {reason}")
    record_audit(actor, "deadline_extension.request", target_type="submission",
                 target_id=submission.code, after={"days": days, "reason": reason})
    db.session.flush()
    return row


def find_extension(extension_id: int):
    return db.session.get(DeadlineExtension, extension_id)


def decide_extension(extension_id: int, *, approve: bool, note: str,
                     actor: str) -> DeadlineExtension:
    """A moderator or administrator (not the requester) approves or refuses a request."""
    row = db.session.execute(db.select(DeadlineExtension).filter_by(id=extension_id)
                             .with_for_update()).scalar()
    if row is None:
        raise ExtensionError(_("There is no such extension request."), 404)
    if row.state != "pending":
        raise ExtensionError(_("This extension request has already been decided."))
    if row.requested_by == actor:
        raise ExtensionError(_("You asked for this extension: another moderator or "
                               "administrator must decide it."), 403)
    note = _clean(note)
    if len(note) > REASON_MAX:
        raise ExtensionError(_("The note is at most %(max)s characters.", max=REASON_MAX), 422)
    submission = row.submission
    deadline = _open_deadline(submission) if approve else None
    if approve and deadline is None:
        raise ExtensionError(_("The case is no longer open: refuse the request instead."))
    now = utcnow()
    row.state = "approved" if approve else "refused"
    row.pending_for, row.decided_by, row.decided_at, row.note = None, actor, now, note
    remark = f"; note: {note}" if note else ""
    if approve:
        clock = working_clock()
        row.due_before = as_utc(deadline.resolve_due)
        row.due_after = clock.add_working_days(row.due_before, row.days)
        deadline.resolve_due = row.due_after
        deadline.extension_days = (deadline.extension_days or 0) + row.days
        deadline.reminded_at, deadline.escalation_level = None, 0  # steps for the new date
        deadline.next_check_at = next_step_time(deadline, clock)
        add_staff_note(submission, actor=actor,
                       note=f"extension approved: due {row.due_after.isoformat()} "
                            f"(+{row.days} working days){remark}")
    else:
        add_staff_note(submission, actor=actor,
                       note=f"extension refused ({row.days} working days){remark}")
    record_audit(actor, "deadline_extension.approve" if approve else
                 "deadline_extension.refuse", target_type="submission",
                 target_id=submission.code,
                 before={"due": row.due_before.isoformat() if row.due_before else None},
                 after={"state": row.state, "days": row.days, "note": note,
                        "due": row.due_after.isoformat() if row.due_after else None})
    db.session.flush()
    if approve:
        record_change(submission, CHANGE)
    return row


def pending_list(limit: int = 200) -> list:
    """Requests waiting for a decision, the oldest first."""
    return db.session.execute(db.select(DeadlineExtension).filter_by(state="pending")
                              .order_by(DeadlineExtension.requested_at,
                                        DeadlineExtension.id).limit(limit)).scalars().all()


def extensions_of(submission_id: int, state=None) -> list:
    query = db.select(DeadlineExtension).filter_by(submission_id=submission_id)
    if state:
        query = query.filter_by(state=state)
    return db.session.execute(query.order_by(DeadlineExtension.id)).scalars().all()


def extension_panel(submission, place: str):
    """Approved extensions on the tracking page; requests and the forms on the staff page."""
    if place == "track":
        approved = extensions_of(submission.id, "approved")
        return Panel("servicelevels/_extensions_track.html", {"extensions": approved}) \
            if approved else None
    if place != "staff":
        return None
    deadline = db.session.get(Deadline, submission.id)
    return Panel("servicelevels/_extensions.html", {
        "extensions": extensions_of(submission.id), "pending": pending_of(submission.id),
        "code": submission.code, "max_days": max_days(),
        "extendable": deadline is not None and deadline.open and deadline.resolve_due is not None
        and submission.status in EXTENDABLE and submission.status not in DONE})


def change_details(change):
    """Hook `change_details`: what a `deadline_extended` entry tells the resident."""
    if change.change != CHANGE:
        return None
    row = db.session.execute(
        db.select(DeadlineExtension).filter_by(submission_id=change.submission_id,
                                               state="approved")
        .where(DeadlineExtension.decided_at <= change.created_at)
        .order_by(DeadlineExtension.id.desc()).limit(1)).scalar()
    if row is None:
        return None
    return {"kind": CHANGE, "days": row.days, "reason": row.reason,
            "due": as_utc(row.due_after).isoformat(), "own_only": True}

