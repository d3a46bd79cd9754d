"""Engine set-up: SQLite pragmas and write transactions that take the lock up front."""
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event

from portal.core.unit_of_work import request_writes

_READ_ONLY = ContextVar("portal_read_only", default=False)


@contextmanager
def read_only():
    """Transactions begun inside only read: on SQLite they start deferred and never hold the
    write lock (workers' reads would otherwise make residents' submissions wait)."""
    token = _READ_ONLY.set(True)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


@contextmanager
def read_only_transaction(session):
    """Reads in a transaction of their own, begun with the block and ended with it: a writing
    request or worker round can read what it needs first and take SQLite's write lock only
    later, for its writes. A transaction the session already has (a signed-in user loaded) is
    ended first, so the block's reads never run under a lock it took. Use it before anything
    is written in the session (both ends are a rollback)."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("read_only_transaction would discard unsaved changes")
    session.rollback()
    with read_only():
        try:
            yield
        finally:
            session.rollback()


def may_write() -> bool:
    """Whether a transaction begun now may write: not inside `read_only()`, and in a request
    only when the request writes. On SQLite such a transaction holds the write lock from its
    first statement to its end."""
    if _READ_ONLY.get():
        return False
    if has_request_context():
        return request_writes()
    return True


def _begin_statement() -> str:
    """BEGIN IMMEDIATE for a transaction that may write, else a deferred BEGIN.

    Under TESTING, test code outside requests that only inspects rows between requests must not
    hold the write lock, and tests write from one connection at a time, so a deferred BEGIN is
    enough there.
    """
    if not may_write():
        return "BEGIN"
    if not has_request_context() and has_app_context() and current_app.testing:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_engine(engine, busy_timeout_ms: int = 15000) -> None:
    """On SQLite: WAL, foreign keys, busy timeout, and BEGIN IMMEDIATE for write transactions.

    A deferred transaction that upgrades to a write lock fails at once with "database is locked"
    when another writer holds it (SQLite cannot wait without risking deadlock), so anything that may
    write starts with BEGIN IMMEDIATE and waits its turn under the busy timeout. Read-only
    transactions start deferred and, under WAL, never queue behind writers.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # An autocommit connection (one statement, outside any transaction) gets no BEGIN:
        # one would hold its statements in a transaction the pool then rolls back.
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql(_begin_statement())
