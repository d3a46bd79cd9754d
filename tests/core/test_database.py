"""The embedded database: SQLite settings, and concurrent writers that never see "locked"."""
import threading

from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import create_submission
from tests.conftest import PG_URL


def test_database_is_the_configured_one(app_ctx):
    if PG_URL:
        assert db.engine.dialect.name == "postgresql"
        return
    assert db.engine.dialect.name == "sqlite"
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_writers_all_succeed(tmp_path, monkeypatch):
    """Threads writing at once (as gunicorn workers would) queue on BEGIN IMMEDIATE, none fails."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    if PG_URL:
        monkeypatch.setenv("PORTAL_DATABASE_URL", PG_URL)
        from tests.conftest import reset_postgres_schema
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
                                      idempotency_key=f"w{n}-{i}")
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
