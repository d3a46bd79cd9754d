"""Hotspots (clusters of reports well above their baseline) and the detector's position."""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db

HOTSPOT_STATUSES = ("open", "dismissed", "linked")


class StatsPosition(db.Model):
    """How far the hotspot task has read the change log."""

    name = db.Column(db.String(40), primary_key=True)
    last_id = db.Column(db.BigInteger, nullable=False, default=0)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class FigureMonth(db.Model):
    """The figures' cells of the cases received in one month (local time), kept by the worker."""

    month = db.Column(db.String(7), primary_key=True)  # YYYY-MM
    # [[area id, category id, counters..., [[working days to resolve, cases], ...]], ...]
    cells = db.Column(db.JSON, nullable=False, default=list)
    built_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class Hotspot(db.Model):
    """One area's category with a day's count well above its own 28-day baseline."""

    id = db.Column(db.Integer, primary_key=True)
    area_id = db.Column(db.Integer, db.ForeignKey("area.id"), nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("category.id"), nullable=False)
    status = db.Column(db.String(12), nullable=False, default="open", index=True)
    count = db.Column(db.Integer, nullable=False)  # reports in the window
    baseline = db.Column(db.Float, nullable=False)  # mean reports per day before the window
    p_value = db.Column(db.Float, nullable=False)
    window_start = db.Column(UTCDateTime, nullable=False)
    window_end = db.Column(UTCDateTime, nullable=False)
    detected_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    decided_by = db.Column(db.String(80), nullable=False, default="")
    decided_at = db.Column(UTCDateTime, nullable=True)
    reason = db.Column(db.Text, nullable=False, default="")  # why it was dismissed
    # The member that stands for the cluster once it is handled as one incident.
    lead_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="SET NULL"),
                        nullable=True)

    area = db.relationship("Area")
    category = db.relationship("Category")
    lead = db.relationship("Submission")
    members = db.relationship("HotspotMember", back_populates="hotspot",
                              order_by="HotspotMember.submission_id",
                              cascade="all, delete-orphan")


class HotspotMember(db.Model):
    """A report that belongs to a hotspot."""

    hotspot_id = db.Column(db.Integer, db.ForeignKey("hotspot.id", ondelete="CASCADE"),
                           primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              primary_key=True, index=True)

    hotspot = db.relationship(Hotspot, back_populates="members")
    submission = db.relationship("Submission")
