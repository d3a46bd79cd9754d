"""The dashboard's figures, its server-drawn chart, the CSV export and the audit listing."""
import csv
import io
import statistics
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import AuditEntry
from portal.accounts.services import record_audit
from portal.core.database import read_only_transaction
from portal.core.time import as_utc, local_zone, utcnow
from portal.extensions import db
from portal.moderation.services import filtered_query
from portal.stations.models import Area, Category, Station
from portal.submissions.models import StatusEvent, Submission

CHART_DAYS = 90


def counts_by(column, model=None) -> list:
    """[(value, count)] for one column, largest first; foreign keys become their rows."""
    rows = db.session.execute(db.select(column, func.count(Submission.id))
                              .group_by(column).order_by(func.count(Submission.id).desc()))
    if model is None:
        return [(value, count) for value, count in rows]
    return [(db.session.get(model, value) if value is not None else None, count)
            for value, count in rows]


def dashboard_counts() -> dict:
    """Submission counts by status, kind, channel, category, area and station."""
    return {
        "status": counts_by(Submission.status),
        "kind": counts_by(Submission.kind),
        "channel": counts_by(Submission.channel),
        "category": counts_by(Submission.category_id, Category),
        "area": counts_by(Submission.area_id, Area),
        "station": counts_by(Submission.station_id, Station),
    }


def per_day(days: int = CHART_DAYS, today=None) -> list:
    """[(date, count)] for each of the last `days` days (local time), oldest first."""
    zone = local_zone()
    today = today or utcnow().astimezone(zone).date()
    start = today - timedelta(days=days - 1)
    since = datetime(start.year, start.month, start.day, tzinfo=zone) - timedelta(days=1)
    counts = {}
    for (created,) in db.session.execute(
            db.select(Submission.created_at).where(Submission.created_at >= since)):
        day = as_utc(created).astimezone(zone).date()
        counts[day] = counts.get(day, 0) + 1
    return [(start + timedelta(days=i), counts.get(start + timedelta(days=i), 0))
            for i in range(days)]


def chart(series, width: int = 720, height: int = 200) -> dict:
    """Bar geometry for an SVG chart of (date, count) pairs, drawn by the template."""
    top = max((count for _day, count in series), default=0) or 1
    left, bottom = 30, 20
    slot = (width - left) / max(1, len(series))
    bars = []
    for index, (day, count) in enumerate(series):
        bar_height = (height - bottom - 10) * count / top
        bars.append({"x": round(left + index * slot, 1),
                     "y": round(height - bottom - bar_height, 1),
                     "width": round(max(1.0, slot - 1), 1), "height": round(bar_height, 1),
                     "day": day, "count": count,
                     "label": day.isoformat() if index % 15 == 0 else ""})
    return {"width": width, "height": height, "top": top, "bars": bars, "left": left,
            "baseline": height - bottom}


def median_hours(to_status: str):
    """Median hours from submission to the first time it reached `to_status`, or None."""
    first = (db.select(StatusEvent.submission_id, func.min(StatusEvent.created_at).label("at"))
             .where(StatusEvent.to_status == to_status)
             .group_by(StatusEvent.submission_id).subquery())
    rows = db.session.execute(db.select(Submission.created_at, first.c.at)
                              .join(first, first.c.submission_id == Submission.id)).all()
    durations = [(as_utc(at) - as_utc(created)).total_seconds() / 3600 for created, at in rows]
    return round(statistics.median(durations), 1) if durations else None


CSV_COLUMNS = ["code", "created_at", "status", "kind", "channel", "language", "category",
               "area", "station", "title", "body", "place", "screening_score",
               "screening_reasons", "published", "support_count"]
CONTACT_COLUMNS = ["contact_name", "contact_phone", "contact_email", "contact_consent"]


def contact_allowed(user, submission) -> bool:
    """Administrators and moderators see contacts; dispatchers only with the resident's consent."""
    if user.role in ("administrator", "moderator"):
        return True
    return user.role == "dispatcher" and submission.contact is not None \
        and submission.contact.consent


def export_csv(spec, *, user) -> str:
    """The filtered submissions as CSV (UTF-8 with BOM), audited; contacts only where allowed."""
    with_contact = user.role in ("administrator", "moderator", "dispatcher")
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS + (CONTACT_COLUMNS if with_contact else []))
    count = 0
    # Read without SQLite's write lock (the audit entry below takes it): an export of every
    # case takes seconds, and residents' submissions would wait for it all that time.
    with read_only_transaction(db.session):
        for submission in db.session.execute(filtered_query(spec).options(
                joinedload(Submission.category), joinedload(Submission.area),
                joinedload(Submission.station), selectinload(Submission.contact))).scalars():
            writer.writerow(_export_row(submission, user, with_contact))
            count += 1
    record_audit(user.username, "submissions.export", target_type="export",
                 after={"rows": count, "contact": with_contact,
                        "filters": {k: v for k, v in vars(spec).items() if v and k != "extra"}})
    return out.getvalue()


def _export_row(submission, user, with_contact) -> list:
    """One case's CSV row."""
    row = [submission.code, as_utc(submission.created_at).isoformat(), submission.status,
           submission.kind, submission.channel, submission.language,
           submission.category.code, submission.area.code,
           submission.station.slug if submission.station else "",
           _safe_cell(submission.title), _safe_cell(submission.body),
           _safe_cell(submission.place), submission.screening_score,
           " ".join(submission.screening_reasons or []), int(submission.published),
           submission.support_count]
    if with_contact:
        contact = submission.contact if contact_allowed(user, submission) else None
        row += ([_safe_cell(contact.name), _safe_cell(contact.phone),
                 _safe_cell(contact.email), int(contact.consent)] if contact
                else ["", "", "", ""])
    return row


def _safe_cell(value) -> str:
    """Neutralise spreadsheet formulas in resident text (CSV injection)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def audit_page(page: int, action: str = "", actor: str = "", per_page: int = 50):
    """A page of the audit log, newest first."""
    query = db.select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.like(f"{action}%"))
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
