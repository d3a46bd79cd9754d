"""Deliveries (one per acceptance), the relay's position, the local incident queue, events back."""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db

DELIVERY_STATES = ("pending", "sent", "dead", "cancelled")
INCIDENT_STATES = ("open", "in_progress", "resolved", "closed", "returned")
ACTIVE_INCIDENT_STATES = ("open", "in_progress", "resolved")


class RelayPosition(db.Model):
    """How far a change-log consumer has read (the last ChangeLog id it applied)."""

    name = db.Column(db.String(40), primary_key=True)
    last_id = db.Column(db.BigInteger, nullable=False, default=0)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow,
                           onupdate=utcnow)


class Delivery(db.Model):
    """One acceptance on its way to the platform: sent at least once, received once per key."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    # The ChangeLog row (status -> accepted) this delivery was made from: consumed once.
    change_id = db.Column(db.BigInteger, nullable=False, unique=True)
    idempotency_key = db.Column(db.String(64), nullable=False, unique=True)
    payload = db.Column(db.JSON, nullable=False)
    priority = db.Column(db.Boolean, nullable=False, default=False)
    state = db.Column(db.String(12), nullable=False, default="pending")
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Retrying stops (the row goes `dead`) after this; reset when an administrator retries.
    expires_at = db.Column(UTCDateTime, nullable=False)
    lease_owner = db.Column(db.String(80), nullable=True)
    lease_expires_at = db.Column(UTCDateTime, nullable=True)
    last_error = db.Column(db.Text, nullable=False, default="")
    sink = db.Column(db.String(12), nullable=True)  # the sink that took it
    remote_reference = db.Column(db.String(120), nullable=True)  # the platform's incident id
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = db.Column(UTCDateTime, nullable=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow,
                           onupdate=utcnow)

    submission = db.relationship("Submission")

    __table_args__ = (db.Index("ix_delivery_due", "state", "next_attempt_at"),)


class Incident(db.Model):
    """A case in the portal's own incident queue (the `local` sink), worked by dispatchers."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    idempotency_key = db.Column(db.String(64), nullable=False, unique=True)
    team = db.Column(db.String(40), nullable=False)
    area_id = db.Column(db.Integer, db.ForeignKey("area.id"), nullable=True)  # routed area
    priority = db.Column(db.Boolean, nullable=False, default=False)
    state = db.Column(db.String(12), nullable=False, default="open", index=True)
    claimed_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=True)
    claimed_at = db.Column(UTCDateTime, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow,
                           onupdate=utcnow)

    submission = db.relationship("Submission")
    area = db.relationship("Area")
    claimed_by = db.relationship("User")


class PlatformEvent(db.Model):
    """A status event received from the platform, kept so a repeated event_id changes nothing."""

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.String(100), nullable=False, unique=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False)
    occurred_at = db.Column(UTCDateTime, nullable=False)
    fingerprint = db.Column(db.String(64), nullable=False)  # sha256 of the body
    outcome = db.Column(db.String(20), nullable=False)  # applied | unchanged | superseded
    received_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    submission = db.relationship("Submission")
