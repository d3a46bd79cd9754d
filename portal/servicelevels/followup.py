"""Follow-up (回访): the resident says whether a resolved case was fixed and how satisfied they are.

"Not fixed" or "dissatisfied" reopens the case (back to in progress through the one status
function) and writes a `reopened` change-log entry, from which forwarding sends the platform one
`reopened` update. One answer per case; the same answer sent twice is accepted once. No answer
within PORTAL_FOLLOW_UP_DAYS days of the resolution closes the case as "no feedback".
"""
from datetime import timedelta

from flask import current_app

from portal.core.database import read_only_transaction
from portal.core.i18n import _
from portal.core.text import clean_block
from portal.core.time import utcnow
from portal.extensions import db
from portal.screening.services import screen_text
from portal.servicelevels.models import Deadline, FollowUp
from portal.submissions.history import record_change
from portal.submissions.services import change_status, find_by_code

SATISFACTION = ("satisfied", "basic", "dissatisfied")
COMMENT_MAX = 1000
BATCH = 100
# How often an idle worker looks for cases to close: the wait is counted in days, and the search
# reads every resolved case.
CLOSING_CHECK_SECONDS = 60


class FollowUpError(ValueError):
    """A follow-up answer that cannot be taken; nothing was stored."""

    status = 409

    def __init__(self, message: str, submission=None):
        super().__init__(message)
        self.message, self.submission = message, submission


class UnknownCode(FollowUpError):
    status = 404


class NotResolved(FollowUpError):
    pass


class AlreadyAnswered(FollowUpError):
    pass


class AnswerInvalid(FollowUpError):
    status = 422


def find_follow_up(submission_id: int):
    """The case's follow-up row, or None."""
    return db.session.get(FollowUp, submission_id)


def can_answer(submission) -> bool:
    """Whether the tracking page should ask (resolved, not answered yet)."""
    return submission.status == "resolved" and find_follow_up(submission.id) is None


def answer_follow_up(code: str, *, fixed, satisfaction: str, comment: str = "") -> FollowUp:
    """Store the resident's answer; reopen the case when not fixed or dissatisfied."""
    submission = find_by_code(code or "")
    if submission is None:
        raise UnknownCode(_("No submission has this tracking code. Check it and try again."))
    comment = clean_block(comment or "")
    if fixed not in (True, False) or satisfaction not in SATISFACTION:
        raise AnswerInvalid(_("Say whether it was fixed and how satisfied you are."), submission)
    if len(comment) > COMMENT_MAX:
        raise AnswerInvalid(_("The comment is too long (at most %(max)s characters).",
                              max=COMMENT_MAX), submission)
    existing = find_follow_up(submission.id)
    if existing is not None:
        if (existing.outcome == "answered" and existing.fixed == fixed
                and existing.satisfaction == satisfaction and existing.comment == comment):
            return existing  # the same answer again (a double click): taken once
        raise AlreadyAnswered(_("This case has already been answered. Thank you."), submission)
    if submission.status != "resolved":
        raise NotResolved(_("This case is not resolved yet: you can answer once it is."),
                          submission)
    screening = screen_text("", comment) if comment else None
    held = bool(screening and screening.hold)
    reopen = fixed is False or satisfaction == "dissatisfied"
    row = FollowUp(submission_id=submission.id, outcome="answered", fixed=fixed,
                   satisfaction=satisfaction, comment=comment, comment_held=held,
                   screening_reasons=screening.reasons if screening else [], reopened=reopen)
    db.session.add(row)
    db.session.flush()
    if reopen:
        # The comment goes to the platform only when screening has no doubt about it.
        change_status(submission, "in_progress", actor="resident",
                      note=f"reopened by the resident: {comment}" if comment and not held
                      else "reopened by the resident",
                      public_note=_("Reopened: the resident says the problem is not solved."))
        record_change(submission, "reopened")
    else:
        record_change(submission, "follow_up")
    return row


def close_without_feedback(now=None) -> int:
    """Close resolved cases nobody answered for within the configured days ('no feedback')."""
    now = now or utcnow()
    days = int(current_app.config.get("PORTAL_FOLLOW_UP_DAYS", 7))
    from portal.submissions.models import Submission

    answered = db.select(FollowUp.submission_id).where(
        FollowUp.submission_id == Submission.id).exists()
    waiting = (db.select(Submission.id, answered)
               .join(Deadline, Deadline.submission_id == Submission.id)
               .where(Submission.status == "resolved", Deadline.resolved_at.is_not(None),
                      Deadline.resolved_at <= now - timedelta(days=days)))
    # Most rounds find none: they look without SQLite's write lock, which residents'
    # submissions wait for.
    with read_only_transaction(db.session):
        if db.session.execute(waiting.limit(1)).first() is None:
            return 0
    # Ids first, under the lock (an answer may have come meanwhile).
    due = dict(db.session.execute(waiting.limit(BATCH)).all())
    if not due:
        return 0
    submissions = db.session.execute(
        db.select(Submission).where(Submission.id.in_(list(due)))).scalars().all()
    closed = 0
    for submission in submissions:
        has_answer = due[submission.id]
        if not has_answer:
            db.session.add(FollowUp(submission_id=submission.id, outcome="no_feedback",
                                    created_at=now))
        change_status(submission, "closed", actor="system",
                      note="closed: no follow-up answer in time" if not has_answer
                      else "closed after the follow-up")
        closed += 1
    db.session.flush()
    return closed
