"""Migrations: upgrade from empty, downgrade to base, upgrade again, and no drift from models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.extensions import db
from tests.conftest import postgres_url_or_skip, reset_postgres_schema


def _check_migrations(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    app = create_app({"TESTING": True})
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
