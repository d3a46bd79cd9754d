"""The latest submissions' texts, which the screening's duplicate check compares a new one with."""
from datetime import timedelta

from flask import current_app

from portal.core.database import read_only
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.submissions.models import Submission

RECENT_DAYS, RECENT_LIMIT, RECENT_REREAD = 7, 300, 32

# Built once: the statement is the same for every submission, only its two values change.
NEWER_ROWS = (
    db.select(Submission.id, Submission.code, Submission.title, Submission.body,
              Submission.created_at)
    .where(Submission.id > db.bindparam("floor"), Submission.created_at >= db.bindparam("since"))
    .order_by(Submission.id.desc()).limit(RECENT_LIMIT))


class _Recent:
    """One process's copy: rows (id, code, title, body, created_at), newest id first, and the
    list of texts handed out, rebuilt only when a row arrives or leaves."""

    def __init__(self):
        self.rows, self.ids, self.texts, self.oldest = [], set(), [], None


def recent_texts() -> list:
    """(code, title, body) of the latest submissions, for the screening's duplicate check.

    A resident's title and body never change once stored, so each process keeps the rows it has
    read and asks the database only for newer ones. On SQLite ids become visible in order (one
    writer at a time); on PostgreSQL they can commit out of order, so a short window of ids
    below the newest seen is read again. The list returned is shared: read it, never change it.
    """
    recent = current_app.extensions.get("portal_recent_texts")
    if recent is None:
        recent = current_app.extensions["portal_recent_texts"] = _Recent()
    since = utcnow() - timedelta(days=RECENT_DAYS)
    reread = 0 if db.engine.dialect.name == "sqlite" else RECENT_REREAD
    floor = (recent.rows[0][0] if recent.rows else 0) - reread
    # On a connection of its own, read-only: this runs before the submission's transaction
    # begins, and must not start it (nor, on SQLite, take the write lock early).
    with read_only(), db.engine.connect() as connection:
        arrived = [(row.id, row.code, row.title, row.body, as_utc(row.created_at))
                   for row in connection.execute(NEWER_ROWS, {"floor": floor, "since": since})
                   if row.id not in recent.ids]
    rows = recent.rows
    if arrived:
        rows = sorted(arrived + rows, key=lambda row: row[0], reverse=True)[:RECENT_LIMIT]
    if arrived or (recent.oldest is not None and recent.oldest < since):
        rows = [row for row in rows if row[4] >= since]
        recent.rows, recent.ids = rows, {row[0] for row in rows}
        recent.texts = [row[1:4] for row in rows]
        recent.oldest = min((row[4] for row in rows), default=None)
    return recent.texts
