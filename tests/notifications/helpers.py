"""Plain helpers for the notifications tests: the worker's rounds, staff moving a case."""
import time

from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.sender import notifications_task
from portal.submissions.services import change_status

BASE = "https://portal.example.cn"


def drain(max_seconds=15.0):
    """Run notification rounds until nothing is handled and nothing is due."""
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        handled = notifications_task()
        db.session.expire_all()
        due = db.session.execute(db.select(db.func.count()).select_from(Notification).where(
            Notification.state == "pending", Notification.next_attempt_at <= utcnow())).scalar()
        if handled == 0 and due == 0:
            return
        if handled == 0:
            time.sleep(0.05)
    raise AssertionError("notifications did not drain in time")


def move(submission, *statuses, **kwargs):
    """Take a submission through statuses as staff would, committing each."""
    for status in statuses:
        change_status(submission, status, actor="user:moderator", **kwargs)
        db.session.commit()
