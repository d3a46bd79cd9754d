"""The latest submissions' texts, which the screening's duplicate check compares a new one with."""
from datetime import datetime, timedelta
from operator import itemgetter
from typing import NamedTuple

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


class _Recent(NamedTuple):
    """One process's copy, replaced whole (threads of one process may screen at once): rows
    (id, code, title, body, created_at), newest id first; the texts handed out, rebuilt only
    when a row arrives or leaves; the oldest row's time (no later than any kept row's)."""

    rows: list
    texts: list
    oldest: datetime | None


def reread_window() -> int:
    """How many ids below the newest seen may still appear (commit order is not id order)."""
    return 0 if db.engine.dialect.name == "sqlite" else RECENT_REREAD


def recent_texts() -> list:
    """(code, title, body) of the latest submissions, for the screening's duplicate check.

    A resident's title and body never change once stored, so each process keeps the rows it has
    read and asks the database only for newer ones. On SQLite ids become visible in order (one
    writer at a time); on PostgreSQL they can commit out of order, so a short window of ids
    below the newest seen is read again. The list returned is shared: read it, never change it.
    """
    recent = current_app.extensions.get("portal_recent_texts") or _Recent([], [], None)
    since = utcnow() - timedelta(days=RECENT_DAYS)
    reread = reread_window()
    rows, oldest = recent.rows, recent.oldest
    floor = (rows[0][0] if rows else 0) - reread
    known = {row[0] for row in rows[:reread]}  # every kept id above the floor is among these
    # On a connection of its own, read-only: this runs before the submission's transaction
    # begins, and must not start it (nor, on SQLite, take the write lock early).
    with read_only(), db.engine.connect() as connection:
        arrived = [(row.id, row.code, row.title, row.body, as_utc(row.created_at))
                   for row in connection.execute(NEWER_ROWS, {"floor": floor, "since": since})
                   if row.id not in known]
    texts = recent.texts
    if arrived:
        if not rows or arrived[-1][0] > rows[0][0]:  # newer than every kept row: put in front
            rows = (arrived + rows)[:RECENT_LIMIT]
            texts = ([row[1:4] for row in arrived] + texts)[:RECENT_LIMIT]
        else:
            rows = sorted(arrived + rows, key=itemgetter(0), reverse=True)[:RECENT_LIMIT]
            texts = [row[1:4] for row in rows]
        oldest = min([row[4] for row in arrived] + ([oldest] if oldest else []))
    elif oldest is None or oldest >= since:
        return texts
    if oldest < since:
        rows = [row for row in rows if row[4] >= since]
        texts = [row[1:4] for row in rows]
        oldest = min((row[4] for row in rows), default=None)
    recent = current_app.extensions["portal_recent_texts"] = _Recent(rows, texts, oldest)
    return texts
