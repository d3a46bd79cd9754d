"""Residents' abuse reports on published submissions (ideas included) and comments.

A report names a reason (abusive, spam, off topic, personal data shown, other) and optionally a
few words. One report counts per reporter per item (a browser session, a kiosk device); a
retried post changes nothing. Once `PORTAL_REPORTS_TO_HIDE` distinct reporters have open reports
on an item, it is hidden pending review: a submission is unpublished, a comment is `reported`
(its place in the thread says so). A moderator then keeps it (shown again) or hides it (a
comment with a reason shown in place of its text, a submission stays unpublished); either
decides every open report of the item and is audited. Every report and decision writes a
change-log entry on the submission concerned, so cached pages and other features react.
"""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.accounts.services import record_audit
from portal.core.i18n import _
from portal.core.ratelimit import address_hash
from portal.core.redaction import mask_text
from portal.core.text import clean_block
from portal.core.time import utcnow
from portal.extensions import db
from portal.participation.comments import hide_comment
from portal.participation.models import REPORT_REASONS, REPORT_TARGETS, Comment, Report
from portal.participation.services import ParticipationError
from portal.submissions.history import record_change
from portal.submissions.models import Submission
from portal.submissions.services import set_publication

NOTE_MAX = 500
REPORTER_MAX = 80
SYSTEM = "system:reports"


class ReportTargetMissing(ParticipationError):
    """Nothing published (or shown) has this kind and number."""

    status = 404


@dataclass
class ReportResult:
    report: Report
    counted: bool  # False: this reporter had already reported the item
    hidden: bool  # the item is hidden pending review now


def find_target(target_type: str, target_id: int):
    """(the item, the submission concerned) for a reportable item, or (None, None).

    Reportable: a published submission, or a shown comment of a published idea.
    """
    if target_type == "submission":
        row = db.session.get(Submission, target_id)
        return (row, row) if row is not None and row.published else (None, None)
    if target_type == "comment":
        row = db.session.get(Comment, target_id)
        if row is not None and row.status == "published" and row.submission.published:
            return row, row.submission
    return None, None


def target_or_404(target_type: str, target_id: int):
    """The reportable item and its submission; ReportTargetMissing otherwise."""
    item, submission = find_target(target_type, target_id)
    if item is None:
        raise ReportTargetMissing(_("There is nothing shown here to report."))
    return item, submission


def _open_reporters(target_type: str, target_id: int) -> int:
    return db.session.execute(db.select(db.func.count(Report.id)).where(
        Report.target_type == target_type, Report.target_id == target_id,
        Report.decision.is_(None))).scalar_one()


def _hide_pending_review(item, submission, target_type: str) -> None:
    if target_type == "submission":
        set_publication(item, False, actor=SYSTEM)
    else:
        item.status = "reported"
        db.session.flush()
        record_change(submission, "comment")


def report_item(target_type: str, target_id: int, *, reason: str, note: str = "",
                reporter: str, address: str) -> ReportResult:
    """One resident's report; raises ParticipationError before writing anything.

    `reporter` names the browser session (`web:<id>`) or kiosk device (`kiosk:<id>`); a second
    report by the same reporter on the same item is not counted (idempotent).
    """
    if target_type not in REPORT_TARGETS:
        raise ReportTargetMissing(_("There is nothing shown here to report."))
    if not reporter or len(reporter) > REPORTER_MAX:
        raise ValueError(f"a reporter key is at most {REPORTER_MAX} characters")
    existing = db.session.execute(db.select(Report).filter_by(
        target_type=target_type, target_id=target_id, reporter=reporter)).scalar_one_or_none()
    if existing is not None:
        return ReportResult(existing, False, False)
    item, submission = target_or_404(target_type, target_id)
    if reason not in REPORT_REASONS:
        raise ParticipationError(_("Choose the reason for your report."), field="reason")
    note = clean_block(note if isinstance(note, str) else "")
    if len(note) > NOTE_MAX:
        raise ParticipationError(_("The note may be at most %(n)d characters long.",
                                   n=NOTE_MAX), field="note")
    # Reports on one submission (and its comments) one at a time, so that concurrent reporters
    # cannot each count one short of the threshold (SQLite serialises writes anyway).
    db.session.execute(db.select(Submission.id).where(Submission.id == submission.id)
                       .with_for_update())
    report = Report(target_type=target_type, target_id=target_id, submission_id=submission.id,
                    reason=reason, note=mask_text(note)[0], reporter=reporter,
                    address_hash=address_hash(address))
    try:
        # A savepoint: the same reporter's concurrent retry may win the unique constraint.
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        return ReportResult(db.session.execute(db.select(Report).filter_by(
            target_type=target_type, target_id=target_id, reporter=reporter)).scalar_one(),
            False, False)
    record_change(submission, "report")
    hidden = False
    if _open_reporters(target_type, target_id) >= current_app.config["PORTAL_REPORTS_TO_HIDE"]:
        report.hid = hidden = True
        _hide_pending_review(item, submission, target_type)
    return ReportResult(report, True, hidden)


@dataclass
class ReportCase:
    """One reported item with its open reports, for the moderators' queue."""
    target_type: str
    target_id: int
    item: object
    submission: Submission
    reports: list
    hidden: bool  # hidden pending review by the reports

    @property
    def reasons(self) -> dict:
        counts = {}
        for report in self.reports:
            counts[report.reason] = counts.get(report.reason, 0) + 1
        return counts


def _item(target_type: str, target_id: int):
    model = Submission if target_type == "submission" else Comment
    return db.session.get(model, target_id)


def report_queue(limit: int = 200) -> list:
    """Items with open reports: those hidden pending review first, then by number of reports."""
    rows = db.session.execute(db.select(Report).where(Report.decision.is_(None))
                              .order_by(Report.id)).scalars().all()
    grouped = {}
    for row in rows:
        grouped.setdefault((row.target_type, row.target_id), []).append(row)
    cases = []
    for (target_type, target_id), reports in grouped.items():
        item = _item(target_type, target_id)
        if item is None:
            continue
        cases.append(ReportCase(target_type, target_id, item, reports[0].submission, reports,
                                any(r.hid for r in reports)))
    cases.sort(key=lambda c: (not c.hidden, -len(c.reports), c.reports[0].id))
    return cases[:limit]


def open_case(target_type: str, target_id: int) -> ReportCase:
    """The item's open reports as a case; ReportTargetMissing when it has none."""
    for case in report_queue(limit=10_000):
        if (case.target_type, case.target_id) == (target_type, target_id):
            return case
    raise ReportTargetMissing(_("This item has no open reports."))


def decide_reports(target_type: str, target_id: int, *, decision: str, reason: str = "",
                   actor: str) -> ReportCase:
    """A moderator's decision on a reported item: `keep` (shown again) or `hide` (audited).

    Hiding a comment needs a reason, shown in place of its text; a hidden submission stays
    unpublished. Every open report of the item is decided.
    """
    if decision not in ("keep", "hide"):
        raise ParticipationError(_("Choose whether to keep or hide the item."), field="decision")
    case = open_case(target_type, target_id)
    item, submission = case.item, case.submission
    if decision == "hide":
        if target_type == "comment":
            hide_comment(item, reason=reason, actor=actor)  # checks the reason, audits
        elif item.published:
            set_publication(item, False, actor=actor)
    elif case.hidden:
        if target_type == "comment" and item.status == "reported":
            item.status = "published"
            db.session.flush()
            record_change(submission, "comment")
        elif target_type == "submission" and not item.published:
            set_publication(item, True, actor=actor)
    now = utcnow()
    for report in case.reports:
        report.decision = "kept" if decision == "keep" else "hidden"
        report.decided_by, report.decided_at = actor, now
    db.session.flush()
    record_change(submission, "report")
    record_audit(actor, f"report.{decision}", target_type=target_type, target_id=str(target_id),
                 before={"reports": len(case.reports), "hidden": case.hidden},
                 after={"decision": decision}, note=clean_block(reason or "")[:300])
    return case


def report_panel(submission, place: str):
    """The "report this" link on a published submission's public page (registered with the
    submissions' panels: that package does not import this one)."""
    from portal.core.facts import Panel

    if place != "public" or not submission.published:
        return None
    return Panel("participation/_report_link.html", {"submission_id": submission.id})
