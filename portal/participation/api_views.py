"""The ideas section for other systems: an idea as JSON, and supports with an idempotency key.

Under /api/v1/ideas, so errors take the API's JSON shape (portal.core.errors). A support must
carry an `Idempotency-Key` header: it is scoped by the one key policy (to the API key, or for
anonymous clients to the idea), a retry with the same key counts once, and each distinct key is
one supporter, capped per address like the web form's.
"""
import hashlib

from flask import Blueprint, jsonify, request

from portal.api.auth import current_api_key
from portal.api.representations import timeline, w3c
from portal.core.errors import error_response
from portal.core.ratelimit import client_address, limit_per_ip
from portal.i18n import LOCALES, current_locale
from portal.participation.comments import public_comments
from portal.participation.services import (
    ParticipationError, idea_or_404, representation, support_idea, threshold_state)
from portal.submissions.idempotency import IdempotencyKeyInvalid, api_key_scope
from portal.submissions.supports import SupportError

bp = Blueprint("participation_api", __name__, url_prefix="/api/v1/ideas")


def _locale() -> str:
    lang = request.args.get("lang")
    return lang if lang in LOCALES else current_locale()


def _comment(row) -> dict:
    hidden = row.status == "hidden"
    return {"id": row.id, "parent_id": row.parent_id, "official": row.official,
            "name": None if row.official else (row.display_name or None),
            "text": None if hidden else row.body,
            "hidden_reason": row.hidden_reason if hidden else None,
            "created_at": w3c(row.created_at)}


@bp.get("/<int:idea_id>")
def idea(idea_id):
    """A published idea: supports, threshold and due day, outcome, timeline and comments."""
    locale = _locale()
    row = idea_or_404(idea_id)
    state = threshold_state(row)
    comments = []
    for comment, replies in public_comments(row):
        comments += [_comment(comment), *(_comment(reply) for reply in replies)]
    return jsonify({
        "id": row.id, "title": row.public_title, "body": row.public_body,
        "status": row.status, "category": row.category.code, "area": row.area.code,
        "station": row.station.slug if row.station else None,
        "published_at": w3c(row.published_at), "support_count": row.support_count,
        "threshold": {"supports": state.threshold,
                      "reached_on": state.reached_on.isoformat() if state.reached_on else None,
                      "answer_due_on": state.due_on.isoformat() if state.due_on else None},
        **representation(row, locale), "timeline": timeline(row, locale), "comments": comments})


@bp.post("/<int:idea_id>/supports")
@limit_per_ip(lambda: "30 per minute")
def support(idea_id):
    """One support; `Idempotency-Key` required (201 counted, 200 already counted)."""
    raw = request.headers.get("Idempotency-Key")
    if not raw:
        raise IdempotencyKeyInvalid()
    row = idea_or_404(idea_id)
    key = api_key_scope(raw, current_api_key(), {"idea": row.id})
    # One supporter per scoped key (hashed: the visitor column is shorter than a stored key).
    visitor = "api:" + hashlib.sha256(key.stored.encode()).hexdigest()[:40]
    result = support_idea(row, visitor=visitor, address=client_address(),
                          channel="api", idempotency_key=key)
    return jsonify({"counted": result.counted, "support_count": row.support_count}), (
        201 if result.counted else 200)


@bp.errorhandler(ParticipationError)
@bp.errorhandler(SupportError)
def _refused(exc):
    """A refused request, in the API's error shape and the client's language."""
    return error_response(exc.status, exc.message,
                          code="not_found" if exc.status == 404 else "refused")


@bp.errorhandler(IdempotencyKeyInvalid)
def _key_invalid(exc):
    """A missing or malformed Idempotency-Key header."""
    return error_response(400, exc.message, code="invalid_header",
                          fields={"Idempotency-Key": exc.message})
