"""Health and readiness endpoints."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from portal.core.health import readiness
from portal.extensions import db

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/healthz")
def healthz():
    """The process is alive and can reach its database."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready to serve: database reachable, search index present; figures on lag and backlog."""
    ready, report = readiness()
    response = jsonify(status="ready" if ready else "not ready", checks=report)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503
