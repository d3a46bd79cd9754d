"""What moderation keeps beside a submission: the moderator's masking exceptions."""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class Redaction(db.Model):
    """Values a moderator chose to leave unmasked in the public version (e.g. a public hotline)."""

    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"),
                              primary_key=True)
    keep = db.Column(db.JSON, nullable=False, default=list)
    updated_by = db.Column(db.String(80), nullable=False, default="")
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow,
                           onupdate=utcnow)
