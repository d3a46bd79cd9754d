"""What service levels add to other features' pages, and the staff overview."""
from datetime import date, timedelta

from sqlalchemy import func

from portal.core.facts import Fact, Panel
from portal.core.i18n import _
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.servicelevels.calendar import library_covers
from portal.servicelevels.dispatch import RETURNABLE, dispatch_of, max_returns, returns_of
from portal.servicelevels.followup import can_answer, find_follow_up
from portal.servicelevels.models import Deadline, Dispatch, Escalation, FollowUp
from portal.stations.labels import TEAM_LABELS

DUE_SOON = timedelta(days=1)


def deadline_facts(submissions, audience: str, now=None) -> dict:
    """{id: [Fact]}: the due date of each open case, flagged due within a day or overdue."""
    now = now or utcnow()
    ids = [s.id for s in submissions]
    rows = db.session.execute(db.select(Deadline).where(
        Deadline.submission_id.in_(ids), Deadline.open.is_(True),
        Deadline.resolve_due.is_not(None))).scalars().all()
    facts = {}
    for row in rows:
        due = as_utc(row.resolve_due)
        flag, flag_label = "", ""
        if due <= now:
            flag, flag_label = "overdue", _("Overdue")
        elif due - now <= DUE_SOON:
            flag, flag_label = "due-soon", _("Due within a day")
        items = [Fact(label=_("Due"), moment=due, flag=flag, flag_label=flag_label)]
        if audience == "staff" and row.escalation_level:
            items.append(Fact(label=_("Escalation"),
                              text=_("level %(level)s", level=row.escalation_level)))
        facts[row.submission_id] = items
    return facts


def follow_up_panel(submission, place: str):
    """The follow-up question on the tracking page of a resolved case, or its answer."""
    if place != "track":
        return None
    if can_answer(submission):
        return Panel("servicelevels/_follow_up.html", {"code": submission.code})
    answer = find_follow_up(submission.id)
    if answer is not None and answer.outcome == "answered":
        return Panel("servicelevels/_follow_up_done.html", {"answer": answer})
    return None


def calendar_warning(today=None) -> bool:
    """True when the calendar library lacks the official data for the coming two months."""
    today = today or date.today()
    return not (library_covers(today) and library_covers(today + timedelta(days=60)))


def overview(limit: int = 50) -> dict:
    """The staff page's data: overdue and escalated open cases, and the latest steps."""
    now = utcnow()
    overdue = db.session.execute(db.select(Deadline).where(
        Deadline.open.is_(True), Deadline.resolve_due <= now)
        .order_by(Deadline.resolve_due).limit(limit)).scalars().all()
    steps = db.session.execute(db.select(Escalation).order_by(Escalation.id.desc())
                               .limit(limit)).scalars().all()
    return {"overdue": overdue, "steps": steps, "now": now, "follow_ups": follow_up_counts()}


def follow_up_counts() -> dict:
    """Follow-ups so far: answered, of which reopened, and closed with no feedback (apart)."""
    rows = db.session.execute(db.select(FollowUp.outcome, FollowUp.reopened, func.count())
                              .group_by(FollowUp.outcome, FollowUp.reopened)).all()
    counts = {"answered": 0, "reopened": 0, "no_feedback": 0}
    for outcome, reopened, count in rows:
        if outcome == "answered":
            counts["answered"] += count
            counts["reopened"] += count if reopened else 0
        elif outcome == "no_feedback":
            counts["no_feedback"] += count
    return counts


def dispatch_panel(submission, place: str):
    """On a case's staff page: its returns, arbitration, and the way to return it."""
    if place != "staff":
        return None
    return Panel("servicelevels/_dispatch.html", {
        "dispatch": dispatch_of(submission.id), "returns": returns_of(submission.id),
        "limit": max_returns(), "code": submission.code, "teams": TEAM_LABELS,
        "returnable": submission.status in RETURNABLE})


def return_facts(submissions, audience: str) -> dict:
    """{id: [Fact]} on staff lists: how often a case was returned, and arbitration."""
    if audience != "staff":
        return {}
    rows = db.session.execute(db.select(Dispatch).where(
        Dispatch.submission_id.in_([s.id for s in submissions]))).scalars().all()
    return {row.submission_id: [Fact(
        label=_("Returns"), text=str(row.returns),
        flag="arbitration" if row.arbitration else "",
        flag_label=_("Waiting for arbitration") if row.arbitration else "")] for row in rows}
