"""Hotspots (未诉先办): an area's category with a day's reports well above its own baseline.

The worker task `hotspots` reads the change log from its own stored position; for each (area,
category) of a submission changed since, it counts the reports of the last 24 hours and of the
28 days before them. The 24-hour count k is a hotspot when, for a Poisson count with the
baseline's daily mean λ (at least BASELINE_FLOOR, so that a quiet month still has a rate),
P(X ≥ k) < 0.01, and k is at least 3. One hotspot per area and category is kept open per day:
a later report joins its members. Time alone never raises a count, so nothing is computed when
no report arrives, and no page view computes anything.
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale

from portal.accounts.services import record_audit
from portal.core.database import read_only_transaction
from portal.core.i18n import _
from portal.core.positions import position_of, unmoved_position
from portal.core.text import clean_block, has_content
from portal.core.time import as_utc, utcnow
from portal.core.unit_of_work import unit_of_work
from portal.extensions import db
from portal.stats.models import Hotspot, HotspotMember, StatsPosition
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import add_official_reply

POSITION_NAME = "hotspots"
WINDOW = timedelta(hours=24)
BASELINE_DAYS = 28
P_LIMIT = 0.01
MIN_CASES = 3
BASELINE_FLOOR = 0.1  # reports per day assumed when the 28 days had (almost) none
NOT_COUNTED = ("held", "rejected")  # suspected or confirmed spam, abuse, duplicates
LINKABLE = ("received", "accepted", "forwarded", "in_progress")
BATCH = 500
# The pause after a round that found changes: a round recounts the day's reports of each area's
# category that changed, so under a stream of reports a round every few seconds does the work
# of many rounds for the cost of one; dispatchers see a hotspot seconds later, not minutes.
HOTSPOT_BUSY_SECONDS = 5.0
REASON_MAX = 500


class HotspotError(ValueError):
    """A decision on a hotspot that cannot be taken; nothing was stored."""

    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class HotspotNotFound(HotspotError):
    status = 404


class HotspotInvalid(HotspotError):
    status = 422


def poisson_tail(k: int, mean: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0

    def probability(i):
        return math.exp(i * math.log(mean) - mean - math.lgamma(i + 1))

    if k <= mean + 1:
        return max(0.0, 1.0 - sum(probability(i) for i in range(k)))
    # Above the mean the terms fall faster than a geometric series of ratio mean / (k + 1):
    # summing the tail itself takes a few terms however large k is (a flood's day), and keeps
    # its precision where 1 minus the head would round to 0.
    tail, term, i = 0.0, probability(k), k
    while term > tail * 1e-17 and term > 0.0:
        tail += term
        i += 1
        term *= mean / i
    return min(1.0, tail)


def _counted(area_id, category_id):
    return (db.select(Submission.id).where(Submission.area_id == area_id,
                                           Submission.category_id == category_id,
                                           Submission.status.not_in(NOT_COUNTED)))


@dataclass(frozen=True)
class Measure:
    """One area's category counted at a moment, when its day's count is a hotspot, with what
    storing it changes: the day's hotspot (None: a new one) and the members it lacks."""

    area_id: int
    category_id: int
    count: int  # the day's counted reports, with the members stored before
    baseline: float  # reports per day over the 28 days before the day
    p_value: float
    since: datetime
    now: datetime
    hotspot_id: int | None
    new_members: tuple  # ids of the day's reports not yet among the hotspot's members


def measure(area_id: int, category_id: int, now=None):
    """Count one area's category at `now` (reads only); a Measure when its day is a hotspot
    that is still open (or new), else None."""
    now = now or utcnow()
    since = now - WINDOW
    in_window = _counted(area_id, category_id).where(Submission.created_at > since,
                                                     Submission.created_at <= now)
    # Counted, not loaded: a day's flood of reports about one problem is measured at every
    # round while it lasts, and only the reports a hotspot does not have yet are read as rows.
    count = _count(in_window)
    if count < MIN_CASES:
        return None
    baseline = _count(_counted(area_id, category_id).where(
        Submission.created_at > since - timedelta(days=BASELINE_DAYS),
        Submission.created_at <= since)) / BASELINE_DAYS
    p_value = poisson_tail(count, max(baseline, BASELINE_FLOOR))
    if p_value >= P_LIMIT:
        return None
    hotspot = db.session.execute(db.select(Hotspot.id, Hotspot.status).where(
        Hotspot.area_id == area_id, Hotspot.category_id == category_id,
        Hotspot.detected_at > since).order_by(Hotspot.id.desc()).limit(1)).first()
    if hotspot is not None and hotspot.status != "open":
        return None  # decided today: a dismissal holds for the day, an incident is open
    known = 0
    if hotspot is not None:
        members = db.select(HotspotMember.submission_id).where(
            HotspotMember.hotspot_id == hotspot.id)
        known = _count(members)
        in_window = in_window.where(Submission.id.not_in(members))
    new_members = tuple(db.session.execute(in_window.order_by(Submission.id)).scalars())
    return Measure(area_id, category_id, known + len(new_members), baseline, p_value, since,
                   now, hotspot.id if hotspot is not None else None, new_members)


def _count(select) -> int:
    return db.session.execute(
        db.select(db.func.count()).select_from(select.subquery())).scalar()


def record(found: Measure) -> Hotspot:
    """Store the hotspot a measure found, or grow the day's open one; returns it (unchanged
    when it was decided meanwhile)."""
    if found.hotspot_id is None:
        hotspot = Hotspot(area_id=found.area_id, category_id=found.category_id,
                          detected_at=found.now, window_start=found.since,
                          window_end=found.now, count=0, baseline=0, p_value=1)
        db.session.add(hotspot)
    else:
        hotspot = db.session.get(Hotspot, found.hotspot_id)
        if hotspot.status != "open":
            return hotspot
    hotspot.count = found.count
    hotspot.baseline, hotspot.p_value = round(found.baseline, 3), found.p_value
    hotspot.window_start = min(as_utc(hotspot.window_start), found.since)
    hotspot.window_end = found.now
    db.session.flush()  # a new hotspot gets its id
    if found.new_members:
        # One statement for all: a flood's rounds add many members, and building an ORM object
        # for each cost more than the rest of the round.
        db.session.execute(db.insert(HotspotMember), [
            {"hotspot_id": hotspot.id, "submission_id": submission_id}
            for submission_id in found.new_members])
        db.session.expire(hotspot, ["members"])
    return hotspot


def detect(now=None) -> int:
    """Evaluate every area's category touched by a change since the stored position.

    Only changes to submissions received within the window can alter what `measure` counts:
    the others are passed over, so a backlog of history (an import, a restore) costs a few
    queries instead of an evaluation per area and category of every batch.
    """
    now = now or utcnow()
    # Reading and counting are done without SQLite's write lock (a day's flood of reports
    # about one problem is when the counts are largest, and residents' submissions wait for
    # that lock); it is taken below only to store what they found.
    with read_only_transaction(db.session):
        start = position_of(StatsPosition, POSITION_NAME)
        head = db.session.execute(db.select(db.func.max(ChangeLog.id))).scalar() or 0
        changes = db.session.execute(
            db.select(ChangeLog.id, Submission.area_id, Submission.category_id)
            .join(Submission, Submission.id == ChangeLog.submission_id)
            .where(ChangeLog.id > start, ChangeLog.id <= head,
                   Submission.created_at > now - WINDOW)
            .order_by(ChangeLog.id).limit(BATCH)).all()
        pairs = sorted({(area_id, category_id) for _id, area_id, category_id in changes})
        found = [measure(area_id, category_id, now) for area_id, category_id in pairs]
    reached = head if len(changes) < BATCH else changes[-1][0]
    if reached <= start:
        return 0
    position = unmoved_position(StatsPosition, POSITION_NAME, start)
    if position is None:
        return 0
    for measured in found:
        if measured is not None:
            record(measured)
    position.last_id, position.updated_at = reached, utcnow()
    db.session.flush()
    return len(pairs)


def hotspot_task() -> int:
    """One worker round of the hotspot detector."""
    with unit_of_work():
        return detect()


def open_hotspots(limit: int = 20) -> list:
    """Open hotspots, newest first (dashboard, wall)."""
    return db.session.execute(db.select(Hotspot).filter_by(status="open")
                              .order_by(Hotspot.detected_at.desc()).limit(limit)).scalars().all()


def recent_decided(limit: int = 20) -> list:
    """Hotspots dismissed or handled as one incident, newest decision first."""
    return db.session.execute(db.select(Hotspot).where(Hotspot.status != "open")
                              .order_by(Hotspot.decided_at.desc()).limit(limit)).scalars().all()


def _open_hotspot(hotspot_id: int) -> Hotspot:
    hotspot = db.session.get(Hotspot, hotspot_id)
    if hotspot is None:
        raise HotspotNotFound(_("There is no such hotspot."))
    if hotspot.status != "open":
        raise HotspotError(_("This hotspot has already been decided."))
    return hotspot


def dismiss(hotspot_id: int, *, reason: str, actor: str) -> Hotspot:
    """Close a hotspot as not one problem, with the reason (audited)."""
    reason = clean_block(reason or "") if has_content(reason or "") else ""
    if not reason:
        raise HotspotInvalid(_("Say why this is not one problem."))
    if len(reason) > REASON_MAX:
        raise HotspotInvalid(_("The reason is too long (at most %(max)s characters).",
                               max=REASON_MAX))
    hotspot = _open_hotspot(hotspot_id)
    hotspot.status, hotspot.reason = "dismissed", reason
    hotspot.decided_by, hotspot.decided_at = actor, utcnow()
    db.session.flush()
    record_audit(actor, "hotspot.dismiss", target_type="hotspot", target_id=hotspot.id,
                 after={"reason": reason, "members": [m.submission_id for m in hotspot.members]})
    return hotspot


def _in_both(message) -> dict:
    """An official reply's text in Chinese and English (the resident reads their own)."""
    texts = {}
    for locale, key in (("zh", "text"), ("en", "text_en")):
        with force_locale(locale):
            texts[key] = str(message())
    return texts


def link_as_incident(hotspot_id: int, *, lead_id: int, actor: str) -> Hotspot:
    """Handle the cluster as one incident: the lead case stands for it, and every open member
    gets an official reply naming the lead's tracking code (the existing reply service, so the
    resident's tracking page and their followers' notifications show it). Audited."""
    hotspot = _open_hotspot(hotspot_id)
    members = [m.submission for m in hotspot.members]
    lead = next((s for s in members if s.id == lead_id), None)
    if lead is None:
        raise HotspotInvalid(_("Choose the case that stands for the incident among the members."))
    others = [s for s in members if s.id != lead.id and s.status in LINKABLE]
    add_official_reply(lead, actor=actor, **_in_both(lambda: _(
        "This case is handled as one incident together with %(count)s similar reports from "
        "the same area.", count=len(others))))
    for member in others:
        add_official_reply(member, actor=actor, **_in_both(lambda: _(
            "This report is handled as one incident together with similar reports from the "
            "same area; follow case %(code)s for its progress.", code=lead.display_code)))
    hotspot.status, hotspot.lead_id = "linked", lead.id
    hotspot.decided_by, hotspot.decided_at = actor, utcnow()
    db.session.flush()
    record_audit(actor, "hotspot.link", target_type="hotspot", target_id=hotspot.id,
                 after={"lead": lead.code, "linked": [s.code for s in others]})
    return hotspot


def hotspot_marks() -> dict:
    """{submission id: label} of the members of open hotspots, for the staff map."""
    rows = db.session.execute(
        db.select(HotspotMember.submission_id).join(Hotspot)
        .where(Hotspot.status == "open")).scalars().all()
    label = _("In a hotspot")
    return {submission_id: label for submission_id in rows}


def dashboard_panel():
    """The open hotspots as a section of the staff dashboard."""
    from portal.core.facts import Panel

    return Panel("stats/_dashboard_hotspots.html", {"hotspots": open_hotspots()})
