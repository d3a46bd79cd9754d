"""Health endpoint."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from portal.extensions import db

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/healthz")
def healthz():
    """The process is alive and can reach its database."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
