"""The write ceiling: a minimal Flask-SQLAlchemy app that inserts and commits one ORM row per
POST, served with the portal's own gunicorn settings (bench only).

The database is `BENCH_WRITE_DATABASE_URL` (PostgreSQL in the PostgreSQL rows) or a SQLite file
in `PORTAL_DATA_DIR`, with the pragmas the portal sets (WAL, synchronous NORMAL, a busy timeout).
"""
import os
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Note(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(db.String(200))
    body: Mapped[str] = mapped_column(db.Text)
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))


def create_app():
    app = Flask(__name__)
    folder = Path(os.environ.get("PORTAL_DATA_DIR", "."))
    folder.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
        "BENCH_WRITE_DATABASE_URL") or f"sqlite:///{folder / 'write.db'}"
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            @event.listens_for(db.engine, "connect")
            def _wal(connection, _record):
                connection.execute("PRAGMA busy_timeout = 15000")
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
        db.create_all()
        db.session.execute(db.delete(Note))
        db.session.commit()
        db.engine.dispose()  # gunicorn forks after this: no connection is shared

    @app.post("/write")
    def write():
        data = request.get_json(silent=True) or {}
        note = Note(title=str(data.get("title", ""))[:200], body=str(data.get("body", "")))
        db.session.add(note)
        db.session.commit()
        return {"id": note.id}, 201

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


app = create_app()
