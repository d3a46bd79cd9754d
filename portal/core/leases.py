"""Queue tables a worker leases rows from (deliveries, notifications): which rows are due."""
from functools import cache

from sqlalchemy import bindparam

from portal.core.database import read_only_transaction
from portal.core.time import utcnow
from portal.extensions import db


def due(model, now) -> tuple:
    """The conditions of a row of `model` that is pending, due, and not leased (or its lease
    expired)."""
    return (model.state == "pending", model.next_attempt_at <= now,
            db.or_(model.lease_expires_at.is_(None), model.lease_expires_at <= now))


def any_due(model, now=None) -> bool:
    """Whether any row of `model` is due, read in a transaction of its own that never takes
    SQLite's write lock (an idle worker polls several times a second)."""
    with read_only_transaction(db.session):
        return db.session.execute(_any_due_query(model),
                                  {"now": now or utcnow()}).first() is not None


@cache
def _any_due_query(model):
    # Built once: building a statement and its cache key costs more than running this one.
    return db.select(model.id).where(*due(model, bindparam("now"))).limit(1)
