"""Credentials for machines: staff bearer tokens and API keys for client systems.

Only a SHA-256 hash of each secret is stored: the secrets are 256-bit random values, so a fast
hash is enough (there is nothing to brute-force), and a leaked table reveals no usable secret.
"""
from portal.extensions import db
from portal.submissions.models import utcnow


class ApiToken(db.Model):
    """A bearer token acting as one staff user on the staff endpoints of the JSON API."""

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)  # shown to staff to tell tokens apart
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime(timezone=True), nullable=True)
    revoked_at = db.Column(db.DateTime(timezone=True), nullable=True)

    user = db.relationship("User")


class ApiKey(db.Model):
    """An API key identifying a client system (a partner app, an Open311 client)."""

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    key_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)
    created_by = db.Column(db.String(80), nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime(timezone=True), nullable=True)
    revoked_at = db.Column(db.DateTime(timezone=True), nullable=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None
