"""Readiness: the database answers, and each feature's own check (registered at start-up)."""
from flask import current_app
from sqlalchemy import text

from portal.extensions import db


def register_readiness_check(app, name: str, check) -> None:
    """Add a check: `check()` returns a dict with at least `ready` (bool) and its figures."""
    app.extensions.setdefault("portal_readiness_checks", {})[name] = check


def database_answers() -> None:
    """Ask the database the simplest question (raises when it cannot answer)."""
    db.session.execute(text("SELECT 1"))


def readiness() -> tuple:
    """(ready, report) for /readyz: the database first, then every registered check."""
    report = {}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = {"ready": True}
    except Exception as exc:  # noqa: BLE001  (any failure means: not ready)
        db.session.rollback()
        report["database"] = {"ready": False, "error": type(exc).__name__}
        return False, report
    for name, check in current_app.extensions.get("portal_readiness_checks", {}).items():
        try:
            report[name] = check()
        except Exception as exc:  # noqa: BLE001
            db.session.rollback()
            report[name] = {"ready": False, "error": type(exc).__name__}
    return all(part.get("ready", False) for part in report.values()), report
