"""The wall screen's data: live counts, overdue and escalated cases, the day, hotspots.

Read from the stored rows (the deadline and hotspot tasks compute them); the answer is kept
for WALL_SECONDS per language and process, so any number of screens cost one computation in
that time however often cases change (the screens poll every PORTAL_WALL_POLL_SECONDS).
Tracking codes, areas and categories only: no text a resident wrote, no contact.
"""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime, format_decimal

from portal.core.i18n import _, current_locale, localized
from portal.core.time import as_utc, local_zone, utcnow
from portal.extensions import db, page_cache
from portal.servicelevels.models import Deadline, FollowUp
from portal.stations.models import Area
from portal.stats.cells import CONTENT
from portal.stats.hotspots import open_hotspots
from portal.submissions.labels import STATUS_LABELS
from portal.submissions.models import OPEN_STATUSES, Submission

WALL_SECONDS = 10
CASES_SHOWN = 12
POLL_SECONDS = 15.0


def wall_poll_seconds(value) -> float:
    """PORTAL_WALL_POLL_SECONDS: seconds between a wall screen's polls (1 to 600)."""
    try:
        seconds = float(value) if value not in (None, "") else POLL_SECONDS
    except ValueError:
        seconds = POLL_SECONDS
    return min(600.0, max(1.0, seconds)) if seconds == seconds else POLL_SECONDS


def _case(submission, moment) -> dict:
    return {"code": submission.display_code, "area": localized(submission.area, "name"),
            "category": localized(submission.category, "name"),
            "due": format_datetime(moment, "short") if moment else ""}


def _late(condition) -> dict:
    rows = db.session.execute(
        db.select(Submission, Deadline.resolve_due)
        .join(Deadline, Deadline.submission_id == Submission.id)
        .where(Deadline.open.is_(True), condition)
        .order_by(Deadline.resolve_due).limit(CASES_SHOWN)).all()
    count = db.session.execute(db.select(db.func.count()).select_from(Deadline).where(
        Deadline.open.is_(True), condition)).scalar()
    return {"count": count, "cases": [_case(s, due) for s, due in rows]}


def _today(now) -> dict:
    local = now.astimezone(local_zone())
    start = datetime(local.year, local.month, local.day, tzinfo=local_zone())

    def count(statement):
        return db.session.execute(statement).scalar() or 0

    answered = (db.select(db.func.count()).select_from(FollowUp)
                .where(FollowUp.outcome == "answered", FollowUp.created_at >= start))
    return {
        "received": count(db.select(db.func.count()).select_from(Submission).where(
            Submission.created_at >= start)),
        "acknowledged": count(db.select(db.func.count()).select_from(Deadline).where(
            Deadline.acknowledged_at >= start)),
        "resolved": count(db.select(db.func.count()).select_from(Deadline).where(
            Deadline.resolved_at >= start)),
        "follow_ups": count(answered),
        "satisfied": count(answered.where(FollowUp.satisfaction.in_(CONTENT))),
    }


def build_wall(now=None) -> dict:
    """Everything the wall shows, ready for JSON (names in the current language)."""
    now = now or utcnow()
    counts = {}
    for area_id, status, n in db.session.execute(
            db.select(Submission.area_id, Submission.status, db.func.count())
            .where(Submission.status.in_(OPEN_STATUSES))
            .group_by(Submission.area_id, Submission.status)):
        counts.setdefault(area_id, {})[status] = n
    areas = db.session.execute(db.select(Area).order_by(Area.sort_order, Area.id)).scalars()
    rows = [{"code": area.code, "name": localized(area, "name"),
             "counts": [counts.get(area.id, {}).get(s, 0) for s in OPEN_STATUSES],
             "total": sum(counts.get(area.id, {}).values())}
            for area in areas if area.active or area.id in counts]
    hotspots = [{"id": h.id, "area": localized(h.area, "name"),
                 "category": localized(h.category, "name"), "count": h.count,
                 "baseline": h.baseline,
                 "text": _("%(count)s reports in 24 hours; usually %(baseline)s a day.",
                           count=format_decimal(h.count), baseline=format_decimal(h.baseline)),
                 "detected": format_datetime(as_utc(h.detected_at), "short")}
                for h in open_hotspots()]
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "updated": format_datetime(now, "medium"),
        "statuses": [{"code": s, "label": str(STATUS_LABELS[s])} for s in OPEN_STATUSES],
        "areas": rows,
        "open_total": sum(r["total"] for r in rows),
        "overdue": _late(Deadline.resolve_due <= now),
        "escalated": _late(Deadline.escalation_level > 0),
        "due_soon": _late(db.and_(Deadline.resolve_due > now,
                                  Deadline.resolve_due <= now + timedelta(days=1))),
        "today": _today(now),
        "hotspots": hotspots,
    }


def wall_data() -> dict:
    """The wall's data, shared by every screen for WALL_SECONDS."""
    if not current_app.config.get("PORTAL_PAGE_CACHE", True):
        return build_wall()
    key = f"stats:wall:{current_locale()}"
    data = page_cache.get(key)
    if data is None:
        data = build_wall()
        page_cache.set(key, data, timeout=WALL_SECONDS)
    return data
