"""Migrations: upgrade from empty, downgrade to base, upgrade again, and no drift from models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.config import ROOT_DIR
from portal.core.migrations import bind_migrations
from portal.extensions import db
from tests.helpers import postgres_url_or_skip, reset_postgres_schema


def _check_migrations(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    app = create_app({"TESTING": True})
    bind_migrations(app)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"submission", "contact", "photo", "status_event", "change_log", "area",
                "station", "category", "user"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        db.engine.dispose()


def test_migrations_on_sqlite(monkeypatch, tmp_path):
    _check_migrations(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'migrate.db'}")


@pytest.mark.postgres
def test_migrations_on_postgresql(monkeypatch, tmp_path):
    url = postgres_url_or_skip()
    reset_postgres_schema(url)
    try:
        _check_migrations(monkeypatch, tmp_path, url)
    finally:
        reset_postgres_schema(url)


def test_upgrading_keeps_every_row_that_refers_to_a_rebuilt_table(monkeypatch, tmp_path):
    """SQLite rebuilds a table to alter it; rows pointing at it (contacts, timelines, the
    change log) must survive every later migration, not be cascade-deleted with the old table."""
    from sqlalchemy import text

    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    app = create_app({"TESTING": True})
    bind_migrations(app)
    dependents = ("contact", "status_event", "change_log")
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO area (id, code, kind, name_zh, name_en, overlaps, sort_order, active)"
                " VALUES (1, 'riverside', 'grid', '滨江', 'Riverside', '', 1, 1)",
                "INSERT INTO category (id, code, name_zh, name_en, team, urgent, sort_order,"
                " active) VALUES (1, 'other', '其他', 'Other', 'operations_center', 0, 1, 1)",
                "INSERT INTO submission (id, code, kind, channel, language, status, category_id,"
                " area_id, title, body, place, published, support_count, screening_score,"
                " screening_reasons, created_at, updated_at) VALUES (1, 'CODE1', 'issue', 'web',"
                " 'zh', 'received', 1, 1, '路灯不亮', '路灯坏了一周。', '', 0, 0, 0, '[]',"
                " '2026-11-01', '2026-11-01')",
                "INSERT INTO contact (submission_id, name, phone, email, consent, created_at)"
                " VALUES (1, '李', '13812345678', '', 0, '2026-11-01')",
                "INSERT INTO status_event (submission_id, created_at, actor, from_status,"
                " to_status, kind, note, public_note, public_note_en, is_public) VALUES"
                " (1, '2026-11-01', 'resident', NULL, 'received', 'status', '', '', '', 1)",
                "INSERT INTO change_log (submission_id, change, status, created_at) VALUES"
                " (1, 'created', 'received', '2026-11-01')"):
                connection.execute(text(statement))
        upgrade()
        with db.engine.connect() as connection:
            counts = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in dependents}
            foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
        db.engine.dispose()
    assert counts == {"contact": 1, "status_event": 1, "change_log": 1}
    assert foreign_keys == 1  # switched back on for the application's connections


def test_flask_db_binds_the_migrations_when_one_of_its_commands_runs(app):
    """`flask db` is there without Flask-Migrate bound beforehand, and runs Alembic's commands."""
    assert "migrate" not in app.extensions
    listing = app.test_cli_runner().invoke(args=["db", "--help"])
    assert listing.exit_code == 0, listing.output
    assert "upgrade" in listing.output and "downgrade" in listing.output
    assert app.extensions["migrate"].directory.endswith("migrations")
    stamped = app.test_cli_runner().invoke(args=["db", "stamp", "head"])
    assert stamped.exit_code == 0, stamped.output
    with app.app_context():
        versions = db.session.execute(db.text("SELECT version_num FROM alembic_version")).all()
    newest = sorted(path.name for path in (ROOT_DIR / "migrations" / "versions").glob("0*.py"))
    assert [row[0] for row in versions] == [newest[-1].removesuffix(".py")]
