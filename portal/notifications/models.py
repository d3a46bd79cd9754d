"""Subscriber addresses (kept apart), subscriptions, and one notification row per (recipient,
event), sent with leases and retries like forwarding's deliveries."""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db

CHANNELS = ("email", "sms")
SUBSCRIPTION_KINDS = ("own", "follow", "alert")
SUBSCRIPTION_STATES = ("pending", "confirmed", "unsubscribed")
FREQUENCIES = ("realtime", "daily", "weekly")
# held: waits for the subscriber's next digest; digested: went out in one.
NOTIFICATION_STATES = ("pending", "held", "sent", "digested", "dead", "cancelled")


class Subscriber(db.Model):
    """One address (e-mail or mobile number): never indexed for search, never logged or shown
    unmasked, purged with the retention period."""

    id = db.Column(db.Integer, primary_key=True)
    channel = db.Column(db.String(10), nullable=False)
    address = db.Column(db.String(254), nullable=False)
    # HMAC of the normalised address: finds a subscriber by address without a plain-text index.
    address_key = db.Column(db.String(64), nullable=False, unique=True)
    language = db.Column(db.String(10), nullable=False, default="zh")
    token_nonce = db.Column(db.String(32), nullable=False)  # changed to revoke manage links
    refusals = db.Column(db.Integer, nullable=False, default=0)  # gateway refusals in a row
    disabled_at = db.Column(UTCDateTime, nullable=True)
    disabled_reason = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    subscriptions = db.relationship("Subscription", back_populates="subscriber",
                                    cascade="all, delete-orphan", passive_deletes=True)


class Subscription(db.Model):
    """What one subscriber hears about: their own case, a followed case, or (later) an alert."""

    id = db.Column(db.Integer, primary_key=True)
    subscriber_id = db.Column(db.Integer, db.ForeignKey("subscriber.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    kind = db.Column(db.String(10), nullable=False)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=True, index=True)
    # "own:12", "follow:12": a second request for the same address and filter is the same row.
    filter_key = db.Column(db.String(120), nullable=False)
    state = db.Column(db.String(14), nullable=False, default="pending")
    frequency = db.Column(db.String(10), nullable=False, default="realtime")
    language = db.Column(db.String(10), nullable=False, default="zh")
    token_nonce = db.Column(db.String(32), nullable=False)  # changed to revoke its links
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(UTCDateTime, nullable=True)
    unsubscribed_at = db.Column(UTCDateTime, nullable=True)

    subscriber = db.relationship(Subscriber, back_populates="subscriptions")
    submission = db.relationship("Submission")

    __table_args__ = (db.UniqueConstraint("subscriber_id", "filter_key",
                                          name="uq_subscription_filter"),)


class Notification(db.Model):
    """One message to one subscriber about one event; its key is the Message-ID and the SMS
    gateway's idempotency key, so a repeated send is recognisably the same message."""

    id = db.Column(db.Integer, primary_key=True)
    subscriber_id = db.Column(db.Integer, db.ForeignKey("subscriber.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    subscription_id = db.Column(db.Integer,
                                db.ForeignKey("subscription.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    change_id = db.Column(db.BigInteger, nullable=True, index=True)  # None: a confirmation
    kind = db.Column(db.String(20), nullable=False)  # accepted, rejected, ... confirm
    channel = db.Column(db.String(10), nullable=False)
    language = db.Column(db.String(10), nullable=False, default="zh")
    context = db.Column(db.JSON, nullable=False, default=dict)  # what the message says
    idempotency_key = db.Column(db.String(80), nullable=False, unique=True)
    state = db.Column(db.String(12), nullable=False, default="pending")
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    lease_owner = db.Column(db.String(80), nullable=True)
    lease_expires_at = db.Column(UTCDateTime, nullable=True)
    last_error = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = db.Column(UTCDateTime, nullable=True, index=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    subscriber = db.relationship(Subscriber)
    subscription = db.relationship(Subscription)

    __table_args__ = (db.Index("ix_notification_due", "state", "next_attempt_at"),)
