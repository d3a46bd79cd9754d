"""The ideas in the JSON API: the list, one idea, and supports (with an Idempotency-Key).

Same error shape and language rules as the rest of /api/v1 (the API's request guard applies to
every /api/ path); described in the OpenAPI document (`portal/api/openapi_ideas.py`).
"""
import hashlib
import uuid

from flask import Blueprint, jsonify, request

from portal.api import representations as rep
from portal.api.auth import current_api_key, presented_api_key, rate_limit_key, rate_limit_value
from portal.api.services import MAX_PAGE_SIZE
from portal.api.views import ApiError
from portal.core.errors import error_response
from portal.core.i18n import _, current_locale, localized
from portal.core.inputs import counted_arg
from portal.core.ratelimit import address_hash, client_address, limit_per_api_key
from portal.core.urls import external_url
from portal.extensions import db
from portal.participation.models import OUTCOMES, Comment
from portal.participation.services import (
    SORTS,
    IdeaFilter,
    ParticipationError,
    find_idea,
    list_ideas,
    representation,
    support_idea,
    threshold_state,
)
from portal.submissions.idempotency import IdempotencyKeyInvalid, api_key_scope
from portal.submissions.labels import STATUS_LABELS
from portal.submissions.public_text import published_text
from portal.submissions.supports import SupportError

bp = Blueprint("participation_api", __name__, url_prefix="/api/v1/ideas")
OUTCOME_FILTERS = (*OUTCOMES, "answered", "unanswered")


@bp.errorhandler(ParticipationError)
def _participation_error(exc):
    code = "not_found" if exc.status == 404 else "invalid"
    return error_response(exc.status, exc.message, code)


@bp.errorhandler(SupportError)
def _support_error(exc):
    code = {404: "not_found", 429: "support_limited"}.get(exc.status, "invalid")
    return error_response(exc.status, exc.message, code)


@bp.errorhandler(IdempotencyKeyInvalid)
def _key_invalid(exc):
    return error_response(400, exc.message, "invalid_header", {"Idempotency-Key": exc.message})


def _query_error(fields):
    return ApiError(400, _("Some of the query parameters are not valid."), "invalid_query",
                    fields)




def _choice_arg(name, choices, default, fields):
    value = request.args.get(name) or default
    if value not in choices:
        fields[name] = _("Choose one of: %(choices)s.", choices=", ".join(c for c in choices if c))
        return default
    return value


def _ref(row, locale, key="code"):
    if row is None:
        return None
    return {"code": getattr(row, key), "name": localized(row, "name", locale)}


def _comment_count(idea) -> int:
    return db.session.execute(db.select(db.func.count(Comment.id)).where(
        Comment.submission_id == idea.id, Comment.status == "published")).scalar_one()


def idea_summary(idea, comments: int, locale: str) -> dict:
    """A published idea as the list shows it: public text only, never a name."""
    return {
        "id": idea.id, "title": published_text(idea)["title"], "status": idea.status,
        "status_label": rep.label(STATUS_LABELS[idea.status], locale),
        "category": _ref(idea.category, locale), "area": _ref(idea.area, locale),
        "station": _ref(idea.station, locale, "slug"),
        "published_at": rep.w3c(idea.published_at), "supports": idea.support_count,
        "comments": comments, **representation(idea, locale),
        "url": external_url("participation.idea", idea_id=idea.id),
    }


@bp.get("")
def ideas():
    """Published ideas, sorted and filtered, a page at a time."""
    fields = {}
    sort = _choice_arg("sort", SORTS, "supported", fields)
    outcome = _choice_arg("outcome", ("", *OUTCOME_FILTERS), "", fields)
    page = counted_arg("page", 1, 100000, fields)
    per_page = counted_arg("per_page", 20, MAX_PAGE_SIZE, fields)
    if fields:
        raise _query_error(fields)
    filters = IdeaFilter(sort=sort, outcome=outcome, area=request.args.get("area", ""),
                         category=request.args.get("category", ""),
                         station=request.args.get("station", ""))
    found = list_ideas(filters, page, per_page)
    locale = current_locale()
    return jsonify({"total": found.total, "page": page, "per_page": per_page,
                    "results": [idea_summary(idea, comments, locale)
                                for idea, _outcome, comments in found.items]})


def _idea_or_404(idea_id):
    idea = find_idea(idea_id)
    if idea is None:
        raise ApiError(404, _("There is no published idea with this number."), "not_found")
    return idea


@bp.get("/<int:idea_id>")
def idea(idea_id):
    """One published idea: text, supports and threshold, comment count, answer and outcome."""
    row = _idea_or_404(idea_id)
    locale = current_locale()
    state = threshold_state(row)
    text = published_text(row)
    return jsonify({
        **idea_summary(row, _comment_count(row), locale),
        "body": text["body"], "place": text["place"],
        "threshold": {"supports_needed": state.threshold,
                      "reached_on": state.reached_on.isoformat() if state.reached_on else None,
                      "answer_due": state.due_on.isoformat() if state.due_on else None},
        "timeline": rep.timeline(row, locale),
    })


def _supporter(raw_key) -> tuple:
    """(visitor, scoped idempotency key) for an API support.

    A client with an API key supports on behalf of its users: each Idempotency-Key is one
    supporter (a retry with it counts once); without a key every request is a new supporter.
    An anonymous client is one supporter per address.
    """
    client = current_api_key()
    scoped = api_key_scope(raw_key, client, {"support": request.view_args})
    if client is None:
        return f"api-anon:{address_hash(client_address())}", scoped
    name = scoped.stored if scoped else uuid.uuid4().hex
    return f"api:{client.id}:{hashlib.sha256(name.encode()).hexdigest()[:40]}", scoped


@bp.post("/<int:idea_id>/supports")
@limit_per_api_key(rate_limit_value, key_func=rate_limit_key)
def support(idea_id):
    """Support an idea: once per supporter; a retry with the same Idempotency-Key counts once."""
    if presented_api_key() and current_api_key() is None:
        raise ApiError(401, _("This API key is not valid or was revoked."), "invalid_api_key")
    row = _idea_or_404(idea_id)
    visitor, key = _supporter(request.headers.get("Idempotency-Key"))
    result = support_idea(row, visitor=visitor, address=client_address(), channel="api",
                          idempotency_key=key)
    body = {"id": row.id, "supports": row.support_count, "counted": result.counted}
    headers = {} if result.counted else {"Idempotent-Replayed": "true"}
    return jsonify(body), 201 if result.counted else 200, headers
