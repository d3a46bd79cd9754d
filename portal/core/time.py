"""Time: the portal stores and compares aware UTC datetimes; pages show them in PORTAL_TIMEZONE."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The portal's time zone (PORTAL_TIMEZONE): local days, months and the times pages show."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def as_utc(moment):
    """An aware UTC datetime; a naive one is taken to be UTC already (what the database holds)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp column that always gives back aware UTC datetimes.

    SQLite keeps no offset and returns naive values; PostgreSQL returns aware ones in the
    connection's zone. Both are stored in UTC and read back the same way here, so no caller
    needs to repair a naive value.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return as_utc(value)

    def process_result_value(self, value, dialect):
        return as_utc(value)
