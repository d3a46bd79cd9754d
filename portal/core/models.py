"""The core's own table: the rate limiter's counters, when the database stores them."""
from portal.extensions import db


class RateLimitCounter(db.Model):
    """One fixed-window counter of the database rate-limit storage."""

    __tablename__ = "rate_limit_counter"
    key = db.Column(db.String(255), primary_key=True)
    count = db.Column(db.Integer, nullable=False, default=0)
    expires_at = db.Column(db.Float, nullable=False, index=True)  # Unix time
