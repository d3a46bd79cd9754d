"""The embedded database: SQLite settings, and concurrent writers that never see "locked"."""
import threading

from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.idempotency import web_key
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import create_submission
from tests.helpers import PG_URL


def test_database_is_the_configured_one(app_ctx):
    if PG_URL:
        assert db.engine.dialect.name == "postgresql"
        return
    assert db.engine.dialect.name == "sqlite"
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_an_autocommit_connection_runs_outside_any_transaction(app_ctx):
    """No BEGIN on an autocommit connection: what it writes stays without a commit (a BEGIN
    would have held it in a transaction the pool rolls back), and its reads see the newest."""
    from portal.stations.models import Area

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not PG_URL:
            assert not connection.connection.dbapi_connection.in_transaction
        connection.execute(db.update(Area).where(Area.code == "daqiao")
                           .values(name_en="Daqiao (autocommit)"))
    with db.engine.connect() as connection:
        assert connection.execute(db.select(Area.name_en).where(Area.code == "daqiao")).scalar() \
            == "Daqiao (autocommit)"


def test_concurrent_writers_all_succeed(tmp_path, monkeypatch):
    """Threads writing at once (as gunicorn workers would) queue on BEGIN IMMEDIATE, none fails."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    if PG_URL:
        monkeypatch.setenv("PORTAL_DATABASE_URL", PG_URL)
        from tests.helpers import reset_postgres_schema
        reset_postgres_schema(PG_URL)
    app = create_app()  # not TESTING: the production transaction rules apply
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.commit()
    errors, writers, per_writer = [], 6, 15

    def write(n):
        with app.app_context():
            for i in range(per_writer):
                try:
                    create_submission(kind="idea", category_code="greenery", area_code="yinhang",
                                      title=f"Plant trees {n}-{i}", body="More shade, please.",
                                      idempotency_key=web_key(f"w{n}-{i}", "writer"))
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001  (collected and asserted below)
                    db.session.rollback()
                    errors.append(repr(exc))
            db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with app.app_context():
        assert errors == []
        assert db.session.query(Submission).count() == writers * per_writer
        assert db.session.query(ChangeLog).count() == writers * per_writer
        db.session.remove()
        db.engine.dispose()


def test_a_read_only_worker_read_does_not_wait_for_a_writer(tmp_path, monkeypatch):
    """A worker's reads inside read_only() go on while a resident's submission holds the lock."""
    if PG_URL:
        return  # PostgreSQL readers never wait for writers; the rule is SQLite's
    import sqlite3
    import time

    from portal.core.database import _begin_statement, read_only

    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    app = create_app()  # not TESTING: the production transaction rules apply
    with app.app_context():
        db.create_all()
        db.session.commit()
    writer = sqlite3.connect(tmp_path / "portal.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a submission being stored
    try:
        with app.app_context():
            started = time.monotonic()
            with read_only():
                assert db.session.execute(db.select(db.func.count(ChangeLog.id))).scalar() == 0
                db.session.rollback()
            assert time.monotonic() - started < 1.0  # the busy timeout is 15 s
            assert _begin_statement() == "BEGIN IMMEDIATE"  # outside read_only(): may write
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_read_only_transaction_never_discards_unsaved_changes(app_ctx, make_submission):
    """It ends the session's transaction at both ends (so its reads never run under a write
    lock taken before it): with changes not yet written it refuses to start."""
    import pytest

    from portal.core.database import read_only_transaction

    submission = make_submission()
    submission.title = "路灯不亮，改过的标题"
    with pytest.raises(RuntimeError):
        with read_only_transaction(db.session):
            pass
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).title == "路灯不亮，改过的标题"


def _sqlite_engine(path, busy_timeout_ms):
    from sqlalchemy import create_engine

    from portal.core.database import configure_engine

    engine = create_engine(f"sqlite:///{path}")
    configure_engine(engine, busy_timeout_ms=busy_timeout_ms)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS note (text TEXT)")
    return engine


def test_a_writer_waits_for_the_lock_and_starts_once_it_is_free(tmp_path):
    """Another writer holds SQLite's write lock: a write transaction waits its turn (tried again
    at short intervals), then writes; the connection keeps its busy timeout."""
    if PG_URL:
        return  # the queue on BEGIN IMMEDIATE is SQLite's
    import sqlite3
    import time

    engine = _sqlite_engine(tmp_path / "queue.db", busy_timeout_ms=15000)
    holder = sqlite3.connect(tmp_path / "queue.db", isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO note VALUES ('first')")
    release = threading.Timer(0.3, holder.execute, args=("COMMIT",))
    release.start()
    started = time.monotonic()
    with engine.begin() as connection:
        waited = time.monotonic() - started
        connection.exec_driver_sql("INSERT INTO note VALUES ('second')")
    release.join()
    assert waited >= 0.25  # it waited for the holder; it did not fail
    with engine.connect() as connection:
        assert [row[0] for row in connection.exec_driver_sql("SELECT text FROM note")] == [
            "first", "second"]
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    holder.close()
    engine.dispose()


def test_a_writer_gives_up_after_the_busy_timeout(tmp_path):
    """A lock held longer than the busy timeout: "database is locked", as SQLite reports it,
    and the connection's busy timeout is as configured afterwards."""
    if PG_URL:
        return
    import sqlite3
    import time

    import pytest
    from sqlalchemy.exc import OperationalError

    engine = _sqlite_engine(tmp_path / "locked.db", busy_timeout_ms=200)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            with engine.begin() as connection:
                connection.exec_driver_sql("INSERT INTO note VALUES ('never')")
        assert 0.15 <= time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM note").scalar() == 0
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200
    engine.dispose()
