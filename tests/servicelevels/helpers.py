"""Plain helpers for the service-level tests: Shanghai time, a submission's timeline."""
from datetime import datetime
from zoneinfo import ZoneInfo

from portal.extensions import db
from portal.submissions.models import StatusEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    """A moment in Shanghai time (what the calendar rules are written in)."""
    return datetime(*args, tzinfo=SHANGHAI)


def events_of(submission, kind=None):
    query = db.select(StatusEvent).filter_by(submission_id=submission.id)
    if kind:
        query = query.filter_by(kind=kind)
    return db.session.execute(query.order_by(StatusEvent.id)).scalars().all()
