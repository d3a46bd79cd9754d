"""The latest submissions' texts, which the screening's duplicate check compares a new one with."""
from datetime import timedelta

from flask import current_app

from portal.core.database import read_only
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.submissions.models import Submission

RECENT_DAYS, RECENT_LIMIT, RECENT_REREAD = 7, 300, 32


def recent_texts() -> list:
    """(code, title, body) of the latest submissions, for the screening's duplicate check.

    A resident's title and body never change once stored, so each process keeps the rows it has
    read and asks the database only for newer ones. On SQLite ids become visible in order (one
    writer at a time); on PostgreSQL they can commit out of order, so a short window of ids
    below the newest seen is read again.
    """
    cache = current_app.extensions.setdefault("portal_recent_texts", {})
    since = utcnow() - timedelta(days=RECENT_DAYS)
    reread = 0 if db.engine.dialect.name == "sqlite" else RECENT_REREAD
    floor = max(cache, default=0) - reread
    # On a connection of its own, read-only: this runs before the submission's transaction
    # begins, and must not start it (nor, on SQLite, take the write lock early).
    with read_only(), db.engine.connect() as connection:
        rows = connection.execute(
            db.select(Submission.id, Submission.code, Submission.title, Submission.body,
                      Submission.created_at)
            .where(Submission.id > floor, Submission.created_at >= since)
            .order_by(Submission.id.desc()).limit(RECENT_LIMIT)).all()
    for row in rows:
        cache[row.id] = (row.code, row.title, row.body, as_utc(row.created_at))
    for old_id in sorted(cache, reverse=True)[RECENT_LIMIT:]:
        del cache[old_id]
    return [entry[:3] for _id, entry in sorted(cache.items(), reverse=True) if entry[3] >= since]
