"""Files the portal keeps (database, photos, search index, secret): readable by its user only.

Directories are created 0700 and files 0600 whatever the umask, so another account on the
host cannot read residents' contact details, photos or the index.
"""
import os
from pathlib import Path

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def private_dir(path) -> Path:
    """Create `path` (and missing parents) as 0700; an existing directory is left as it is."""
    path = Path(path)
    missing = []
    for parent in [path, *path.parents]:
        if parent.exists():
            break
        missing.append(parent)
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, PRIVATE_DIR)  # mkdir's mode is masked by the umask; chmod is not
    return path


def write_private_file(path, data: bytes) -> None:
    """Write a new file readable by the portal's user only (never replacing one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), PRIVATE_FILE)
        fh.write(data)


def prepare_storage(config: dict) -> None:
    """Create the data, upload and index directories and an empty SQLite file, privately.

    SQLite gives its -wal and -shm files the database file's own permissions.
    """
    for key in ("PORTAL_DATA_DIR", "PORTAL_UPLOAD_DIR", "PORTAL_INDEX_DIR"):
        if config.get(key):
            private_dir(config[key])
    url = config.get("SQLALCHEMY_DATABASE_URI", "")
    if url.startswith("sqlite:///") and ":memory:" not in url:
        database = Path(url[len("sqlite:///"):])
        if not database.exists():
            private_dir(database.parent)
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
