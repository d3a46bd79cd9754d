"""API keys for client systems (staff bearer tokens belong to accounts: `ApiToken`).

Only a SHA-256 hash of each secret is stored: the secrets are 256-bit random values, so a fast
hash is enough (there is nothing to brute-force), and a leaked table reveals no usable secret.
"""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class ApiKey(db.Model):
    """An API key identifying a client system (a partner app, an Open311 client)."""

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    key_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)
    created_by = db.Column(db.String(80), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(UTCDateTime, nullable=True)
    revoked_at = db.Column(UTCDateTime, nullable=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None
