"""A submission, its contact (kept apart), photos, public timeline and the change log (outbox)."""

from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db
from portal.submissions.codes import grouped_code

KINDS = ("issue", "idea")
CHANNELS = ("web", "kiosk", "api", "open311")
STATUSES = ("received", "held", "accepted", "forwarded", "in_progress", "resolved", "closed",
            "rejected")
OPEN_STATUSES = ("received", "held", "accepted", "forwarded", "in_progress")


class Submission(db.Model):
    """An issue or idea raised by a resident, from any channel."""

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(16), nullable=False, unique=True)  # tracking code, no dash
    kind = db.Column(db.String(10), nullable=False)
    channel = db.Column(db.String(10), nullable=False, default="web")
    language = db.Column(db.String(10), nullable=False, default="zh")
    status = db.Column(db.String(20), nullable=False, default="received")
    category_id = db.Column(db.Integer, db.ForeignKey("category.id"), nullable=False)
    area_id = db.Column(db.Integer, db.ForeignKey("area.id"), nullable=False)
    station_id = db.Column(db.Integer, db.ForeignKey("station.id"), nullable=True)
    title = db.Column(db.String(200), nullable=False)  # as the resident wrote it
    body = db.Column(db.Text, nullable=False)
    place = db.Column(db.String(300), nullable=False, default="")
    latitude = db.Column(db.Float, nullable=True)
    longitude = db.Column(db.Float, nullable=True)
    # The area the point lies in by the loaded boundaries (None: no point, or none loaded).
    located_area_id = db.Column(db.Integer, db.ForeignKey("area.id"), nullable=True)
    # The public version: set by a moderator (redacted) before publishing; never the original.
    # One column per field of portal.submissions.public_text.PUBLIC_FIELDS.
    public_title = db.Column(db.String(200), nullable=True)
    public_body = db.Column(db.Text, nullable=True)
    public_place = db.Column(db.String(300), nullable=True)
    published = db.Column(db.Boolean, nullable=False, default=False, index=True)
    published_at = db.Column(UTCDateTime, nullable=True)
    support_count = db.Column(db.Integer, nullable=False, default=0)
    screening_score = db.Column(db.Float, nullable=False, default=0.0)
    screening_reasons = db.Column(db.JSON, nullable=False, default=list)
    idempotency_key = db.Column(db.String(100), nullable=True, unique=True)
    fingerprint = db.Column(db.String(64), nullable=True)  # of the request that used the key
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow,
                           onupdate=utcnow)

    category = db.relationship("Category")
    area = db.relationship("Area", foreign_keys=[area_id])
    located_area = db.relationship("Area", foreign_keys=[located_area_id])
    station = db.relationship("Station")
    contact = db.relationship("Contact", uselist=False, back_populates="submission",
                              cascade="all, delete-orphan")
    photos = db.relationship("Photo", back_populates="submission", order_by="Photo.id",
                             cascade="all, delete-orphan")
    events = db.relationship("StatusEvent", back_populates="submission",
                             order_by="StatusEvent.id", cascade="all, delete-orphan")

    # The public list and the home page read the newest published first: without this index
    # every page view would sort all published rows.
    __table_args__ = (db.Index("ix_submission_published_order", "published", "published_at", "id"),
                      # Serves lookups by status, and counts by status and area (the wall
                      # screen) from the index alone.
                      db.Index("ix_submission_status_area", "status", "area_id"))

    @property
    def display_code(self) -> str:
        """The tracking code grouped for reading aloud, e.g. K7M2Q-X9PR4."""
        return grouped_code(self.code)


class Contact(db.Model):
    """A resident's contact details: own table so it can be purged and never leaks publicly."""

    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              primary_key=True)
    name = db.Column(db.String(100), nullable=False, default="")
    phone = db.Column(db.String(40), nullable=False, default="")
    email = db.Column(db.String(254), nullable=False, default="")
    consent = db.Column(db.Boolean, nullable=False, default=False)
    # "Tell me when this changes": read by the notifications feature, which submissions never
    # imports.
    notify = db.Column(db.Boolean, nullable=False, default=False)
    # "Show my name": the name is shown on the public pages only when the resident ticked it.
    show_name = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    submission = db.relationship(Submission, back_populates="contact")


class Photo(db.Model):
    """A re-encoded photo (metadata stripped) stored under a generated name outside static/."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    filename = db.Column(db.String(80), nullable=False, unique=True)
    thumbnail = db.Column(db.String(80), nullable=False, unique=True)
    content_type = db.Column(db.String(40), nullable=False)
    width = db.Column(db.Integer, nullable=False)
    height = db.Column(db.Integer, nullable=False)
    size = db.Column(db.Integer, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    submission = db.relationship(Submission, back_populates="photos")


class StatusEvent(db.Model):
    """One entry of a submission's timeline: who, when, from, to, a note; public or staff-only."""

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    actor = db.Column(db.String(80), nullable=False)  # resident | system | platform | user:NAME
    from_status = db.Column(db.String(20), nullable=True)
    to_status = db.Column(db.String(20), nullable=True)
    kind = db.Column(db.String(10), nullable=False, default="status")  # status | reply | note
    note = db.Column(db.Text, nullable=False, default="")  # internal, staff only
    public_note = db.Column(db.Text, nullable=False, default="")  # shown to the resident
    public_note_en = db.Column(db.Text, nullable=False, default="")  # its English version
    is_public = db.Column(db.Boolean, nullable=False, default=True)

    submission = db.relationship(Submission, back_populates="events")


class ChangeLog(db.Model):
    """The outbox: one row per change that derived views (search, forwarding) react to.

    Written in the same transaction as the change. Consumers keep their own position (the last id
    they applied). On PostgreSQL ids can commit out of order, so a consumer re-reads a short
    window behind its position rather than trusting that every lower id is already visible.
    """

    id = db.Column(db.BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    change = db.Column(db.String(30), nullable=False)  # created | status | published | edited ...
    status = db.Column(db.String(20), nullable=True)  # the status after the change
    # A change a page without the tracking code may show: of a published submission, or its
    # publication ending. Public pages are keyed by the newest of these only.
    public = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    # Lets a change be recorded for a submission not yet flushed (its id comes with the flush).
    submission = db.relationship(Submission)


# The condition that picks public changes, written as an equality: on PostgreSQL only
# `public = true` (not `public IS true`) matches the partial index below.
PUBLIC_CHANGE = ChangeLog.public == db.true()
# The public changes by id. Every process reads the newest of them a few times a second (the
# public pages' version); a partial index answers that in one step whatever the planner's
# statistics say (PostgreSQL may pass an index on (public, id) over for a backward scan of
# every change, filtered, when its statistics are missing or out of date).
db.Index("ix_change_log_public", ChangeLog.id, postgresql_where=PUBLIC_CHANGE,
         sqlite_where=PUBLIC_CHANGE)


class Support(db.Model):
    """One "this is my problem too" voice: who (a visitor key, never a raw address), from where.

    A visitor is a browser session or one visit at a kiosk; the address is an HMAC of the
    client's IP with the secret key, so bursts can be grouped without storing the address.
    """

    id = db.Column(db.Integer, primary_key=True)
    # Indexed by the unique constraints below, which start with it.
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              nullable=False)
    channel = db.Column(db.String(10), nullable=False, default="web")
    visitor_key = db.Column(db.String(80), nullable=False)
    address_hash = db.Column(db.String(32), nullable=False)
    device = db.Column(db.String(40), nullable=True)  # kiosk:<id>
    idempotency_key = db.Column(db.String(100), nullable=True)  # as the submission's
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        db.UniqueConstraint("submission_id", "visitor_key", name="uq_support_visitor"),
        db.UniqueConstraint("submission_id", "idempotency_key", name="uq_support_idempotency"),
        db.Index("ix_support_address_time", "address_hash", "created_at"),
        db.Index("ix_support_device_time", "device", "created_at"),
        db.Index("ix_support_created_at", "created_at"),
    )


class TrackingMiss(db.Model):
    """Failed tracking-code lookups of one client address (hashed) in one hour (UTC)."""

    id = db.Column(db.Integer, primary_key=True)
    address_hash = db.Column(db.String(32), nullable=False)
    hour = db.Column(UTCDateTime, nullable=False, index=True)
    count = db.Column(db.Integer, nullable=False, default=0)

    __table_args__ = (db.UniqueConstraint("address_hash", "hour", name="uq_tracking_miss_hour"),)
