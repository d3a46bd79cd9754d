"""Health and readiness endpoints."""
from flask import Blueprint, jsonify

from portal.core.health import database_answers, readiness

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/healthz")
def healthz():
    """The process is alive and can reach its database."""
    database_answers()
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready to serve: database reachable, search index present; figures on lag and backlog."""
    ready, report = readiness()
    response = jsonify(status="ready" if ready else "not ready", checks=report)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503
