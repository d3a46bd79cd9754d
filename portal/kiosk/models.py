"""Kiosk devices and their one-time enrolment links."""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db

PAPER_WIDTHS = (80, 58, 0)  # receipt printer roll width in mm; 0: no printer


class Kiosk(db.Model):
    """A shared touch screen at a station, known by the signed credential stored on it."""

    id = db.Column(db.Integer, primary_key=True)
    station_id = db.Column(db.Integer, db.ForeignKey("station.id"), nullable=False, index=True)
    label = db.Column(db.String(80), nullable=False, default="")
    language = db.Column(db.String(10), nullable=False, default="zh")  # the station's default
    paper_width = db.Column(db.Integer, nullable=False, default=80)
    # SHA-256 of the secret inside the device's cookie; NULL until the link is redeemed.
    credential_hash = db.Column(db.String(64), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    created_by = db.Column(db.String(80), nullable=False, default="")
    enrolled_at = db.Column(UTCDateTime, nullable=True)
    revoked_at = db.Column(UTCDateTime, nullable=True)
    revoked_by = db.Column(db.String(80), nullable=False, default="")
    last_seen_at = db.Column(UTCDateTime, nullable=True)

    station = db.relationship("Station")

    @property
    def state(self) -> str:
        """pending (link not yet used), active or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.credential_hash else "pending"


class KioskEnrolment(db.Model):
    """A one-time enrolment link; only the SHA-256 of its token is stored."""

    id = db.Column(db.Integer, primary_key=True)
    kiosk_id = db.Column(db.Integer, db.ForeignKey("kiosk.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    used_at = db.Column(UTCDateTime, nullable=True)

    kiosk = db.relationship(Kiosk, backref=db.backref("enrolments", cascade="all, delete-orphan"))
