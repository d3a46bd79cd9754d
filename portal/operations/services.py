"""Backups of the database and the purge of personal data past its retention period.

This package sits above `submissions` and `forwarding`: it may clean both.
"""
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.notifications.services import purge_subscribers
from portal.submissions.retention import purge_personal_data


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


def backup_database(target: Path) -> str:
    """Copy the live database to `target`: SQLite's online backup, or pg_dump (custom format).

    Returns the method used. Never overwrites an existing file.
    """
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_backup(Path(url.database), target)
        return "sqlite-online-backup"
    if url.get_backend_name() == "postgresql":
        _pg_dump(url, target)
        return "pg_dump"
    raise BackupError(f"No backup method for the {url.get_backend_name()} database.")


def _sqlite_backup(source: Path, target: Path) -> None:
    # The online backup API copies a consistent snapshot while workers keep writing (WAL).
    src = sqlite3.connect(str(source), timeout=30)
    dst = sqlite3.connect(str(target))
    try:
        with dst:
            src.backup(dst, pages=1024)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        target.unlink(missing_ok=True)
        raise BackupError(f"The copy failed its integrity check: {check}")


def _pg_dump(url, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump was not found on PATH: install the PostgreSQL client "
                          "(Debian: apt-get install postgresql-client) matching the server's "
                          "major version, or back up the server with its own tools.")
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--file", str(target),
                             "--dbname", libpq_url], capture_output=True, text=True,
                            timeout=3600)
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[-1000:]}")


def purge_expired_personal_data(older_than_days: int, actor: str = "cli") -> int:
    """Delete contact details past retention, and the copies in sent incident payloads.

    Returns the number of submissions whose contact details were deleted.
    """
    ids = purge_personal_data(older_than_days=older_than_days, actor=actor)
    for start in range(0, len(ids), 500):
        deliveries = db.session.execute(db.select(Delivery).where(
            Delivery.submission_id.in_(ids[start:start + 500]),
            Delivery.state.in_(("sent", "dead")))).scalars()
        for delivery in deliveries:
            if delivery.payload.get("contact") is not None:
                delivery.payload = {**delivery.payload, "contact": None}
    # Subscriber addresses go too once nothing is left for them to hear.
    purge_subscribers(older_than_days=older_than_days)
    db.session.flush()
    return len(ids)
