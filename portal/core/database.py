"""Engine set-up: SQLite pragmas and write transactions that take the lock up front."""
import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event

from portal.core.unit_of_work import request_writes

_READ_ONLY = ContextVar("portal_read_only", default=False)
# Writers queue on BEGIN IMMEDIATE. SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ms
# and so on between tries: a writer that finds the lock taken for 3 ms sleeps until about 8 ms
# while others take their turns, and under a stream of submissions the lock's idle gaps add up
# to much of a request's time. There the lock is tried again after 0.1 ms, doubling to 1 ms.
FIRST_RETRY_SECONDS, LONGEST_RETRY_SECONDS = 0.0001, 0.001


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
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        statement = _begin_statement()
        if statement == "BEGIN IMMEDIATE":
            _begin_immediate(connection, busy_timeout_ms)
        else:
            connection.exec_driver_sql(statement)


def _begin_immediate(connection, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE, tried again at short intervals while another writer holds the lock, up to
    the busy timeout (then SQLite's "database is locked", as without the retries)."""
    dbapi_connection = connection.connection.dbapi_connection
    dbapi_connection.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + busy_timeout_ms / 1000
        pause = FIRST_RETRY_SECONDS
        while True:
            # Tried on the driver's connection: under a stream of submissions most writers
            # find the lock taken a few times, and each refusal would otherwise cost
            # SQLAlchemy's statement and error handling. The last try goes through SQLAlchemy,
            # which reports its error as any statement's.
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() + pause > deadline:
                    break
            time.sleep(pause)
            pause = min(LONGEST_RETRY_SECONDS, 2 * pause)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
