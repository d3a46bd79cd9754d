"""Forwarding for administrators and dashboards: counts, dead rows, retry, accepting by code."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func

from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.forwarding.models import DELIVERY_STATES, Delivery
from portal.forwarding.relay import fill_payload
from portal.submissions.models import ChangeLog
from portal.submissions.services import change_status


def readiness() -> dict:
    """/readyz: the outbox backlog and dead letters (reported; they do not stop this host
    from serving residents, so the check is always ready)."""
    counts = delivery_counts()
    return {"ready": True, "backlog": counts["backlog"], "dead": counts["dead"],
            "failing": counts["failing"],
            "oldest_pending_seconds": counts["oldest_pending_seconds"]}


def delivery_counts() -> dict:
    """Deliveries by state, plus `failing` (pending after a failed attempt), `backlog` (pending
    and due now) and `oldest_pending_seconds`, for the dashboard and /readyz."""
    counts = dict.fromkeys(DELIVERY_STATES, 0)
    for state, count in db.session.execute(
            db.select(Delivery.state, func.count()).group_by(Delivery.state)):
        counts[state] = count
    now = utcnow()
    counts["failing"] = db.session.execute(db.select(func.count()).where(
        Delivery.state == "pending", Delivery.last_error != "")).scalar()
    counts["backlog"] = db.session.execute(db.select(func.count()).where(
        Delivery.state == "pending", Delivery.next_attempt_at <= now)).scalar()
    oldest = db.session.execute(db.select(func.min(Delivery.created_at)).where(
        Delivery.state == "pending")).scalar()
    counts["oldest_pending_seconds"] = int((now - as_utc(oldest)).total_seconds()) if oldest else 0
    return counts


def troubled_deliveries(limit: int = 200) -> dict:
    """Dead deliveries and pending ones that have failed at least once, newest first."""
    def rows(*conditions):
        return db.session.execute(db.select(Delivery).where(*conditions)
                                  .order_by(Delivery.updated_at.desc(), Delivery.id.desc())
                                  .limit(limit)).scalars().all()
    return {"dead": rows(Delivery.state == "dead"),
            "failing": rows(Delivery.state == "pending", Delivery.last_error != "")}


def find_delivery(delivery_id: int):
    """A delivery by id, or None."""
    return db.session.get(Delivery, delivery_id)


def retry_delivery(delivery) -> None:
    """Send a dead delivery again now: same key, payload rebuilt, a fresh maximum age."""
    if delivery.state != "dead":
        raise ValueError("only a dead delivery can be retried")
    # Rebuilt from the submission as it is now (an administrator may have fixed what the
    # platform refused); the key stays, and a dead row was never taken by the platform.
    change = db.session.get(ChangeLog, delivery.change_id)
    fill_payload(delivery, delivery.submission,
                 change.created_at if change is not None else delivery.created_at)
    now = utcnow()
    delivery.state = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.lease_owner = delivery.lease_expires_at = None
    delivery.expires_at = now + timedelta(
        hours=current_app.config.get("PORTAL_RELAY_MAX_AGE_HOURS", 72))
    delivery.last_error = f"retried by an administrator; before: {delivery.last_error}"[:2000]
    db.session.flush()


def accept_submission(submission, *, actor: str, note: str = "") -> None:
    """Accept a submission (it is then forwarded by the relay)."""
    change_status(submission, "accepted", actor=actor, note=note)
