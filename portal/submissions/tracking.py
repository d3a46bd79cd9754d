"""Failed tracking-code lookups: counted per client address (hashed) and hour, for the dashboard.

A miss is counted on a connection of its own and committed at once: the request that failed
answers 404 (an exception, so its own transaction rolls back), and the count must survive it.
"""
import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite

from portal.core.ratelimit import address_hash
from portal.core.time import utcnow
from portal.extensions import db
from portal.submissions.models import TrackingMiss

KEEP = timedelta(days=30)  # older hours are deleted now and then
CLEANUP_ONE_IN = 100


def _hour(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def record_lookup_misses(address: str, count: int = 1, *, now=None) -> None:
    """Add `count` failed lookups by `address` (the client's IP, stored hashed) to this hour."""
    if count <= 0:
        return
    now = now or utcnow()
    table = TrackingMiss.__table__
    c = table.c
    engine = db.engine
    dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table).values(address_hash=address_hash(address),
                                             hour=_hour(now), count=count)
    statement = statement.on_conflict_do_update(
        index_elements=[c.address_hash, c.hour], set_={"count": c.count + count})
    with engine.begin() as connection:
        connection.execute(statement)
        if random.randrange(CLEANUP_ONE_IN) == 0:
            connection.execute(table.delete().where(c.hour < _hour(now) - KEEP))


def failed_lookup_report(*, hours: int = 24, limit: int = 10, now=None) -> dict:
    """Failed lookups of the last `hours`: totals, the busiest addresses, alarming hours.

    An address is alarming with more than PORTAL_TRACKING_MISS_ALERT misses in one hour; an
    hour is alarming with more than PORTAL_TRACKING_MISS_ALERT_TOTAL misses from all addresses
    (guessing spread over many addresses).
    """
    config = current_app.config
    per_address, per_hour = (config["PORTAL_TRACKING_MISS_ALERT"],
                             config["PORTAL_TRACKING_MISS_ALERT_TOTAL"])
    since = _hour(now or utcnow()) - timedelta(hours=hours - 1)
    recent = TrackingMiss.hour >= since
    total, addresses = db.session.execute(
        db.select(db.func.coalesce(db.func.sum(TrackingMiss.count), 0),
                  db.func.count(db.distinct(TrackingMiss.address_hash))).where(recent)).one()
    top = db.session.execute(
        db.select(TrackingMiss.address_hash, db.func.sum(TrackingMiss.count).label("n"),
                  db.func.max(TrackingMiss.count).label("peak"))
        .where(recent).group_by(TrackingMiss.address_hash)
        .order_by(db.func.sum(TrackingMiss.count).desc(), TrackingMiss.address_hash)
        .limit(limit)).all()
    hours_over = db.session.execute(
        db.select(TrackingMiss.hour, db.func.sum(TrackingMiss.count))
        .where(recent).group_by(TrackingMiss.hour)
        .having(db.func.sum(TrackingMiss.count) > per_hour)
        .order_by(TrackingMiss.hour.desc())).all()
    flagged = db.session.execute(
        db.select(db.func.count(db.distinct(case((TrackingMiss.count > per_address,
                                                  TrackingMiss.address_hash)))))
        .where(recent)).scalar_one()
    return {
        "total": int(total), "addresses": addresses, "flagged_addresses": flagged,
        "top": [{"address": row.address_hash[:10], "count": int(row.n), "peak": row.peak,
                 "alarming": row.peak > per_address} for row in top],
        "alarming_hours": [(hour, int(n)) for hour, n in hours_over],
        "per_address_alert": per_address, "per_hour_alert": per_hour,
    }
