"""JSON API v1: submit, track, search, reference data, and the staff endpoints (bearer token).

Errors have one shape, `{"error": {"code", "message", "fields"}}`, in the requested language.
The API uses keys and tokens, never cookies, so it is exempt from CSRF (see create_app).
"""
import json

from flask import Blueprint, g, jsonify, request

from portal.api import representations as rep
from portal.api.auth import (
    current_api_key,
    has_nul,
    presented_api_key,
    rate_limit_key,
    rate_limit_value,
    staff_required,
)
from portal.api.intake import TEXT, FieldsInvalid, check_fields, submit_from_api
from portal.api.openapi import openapi_document
from portal.api.services import (
    DECISIONS,
    MAX_PAGE_SIZE,
    DecisionInvalid,
    apply_decision,
    reference_rows,
    staff_submissions,
)
from portal.core.errors import error_response
from portal.core.i18n import LOCALES, _, current_locale
from portal.core.inputs import counted_arg
from portal.core.ratelimit import limit_per_api_key
from portal.core.urls import external_url
from portal.moderation.services import ModerationConflict
from portal.search import services as search_service
from portal.stations.models import Area, Station
from portal.stations.services import category_tree
from portal.submissions.idempotency import IdempotencyConflict, IdempotencyKeyInvalid
from portal.submissions.locator import points_decide_areas
from portal.submissions.lookups import note_lookup_misses, tracking_lookup
from portal.submissions.models import KINDS, STATUSES
from portal.submissions.public_text import PUBLIC_COLUMNS
from portal.submissions.services import find_by_code

bp = Blueprint("api", __name__, url_prefix="/api/v1")
JSON_MAX_BYTES = 64 * 1024  # a submission is at most a few KB of text; photos go through Open311


class ApiError(Exception):
    """An error answered in the one JSON shape."""

    def __init__(self, status, message, code, fields=None):
        super().__init__(message)
        self.status, self.message, self.code, self.fields = status, message, code, fields or {}


@bp.app_errorhandler(ApiError)
def _api_error(exc):
    return error_response(exc.status, exc.message, exc.code, exc.fields)


@bp.errorhandler(FieldsInvalid)
def _fields_invalid(exc):
    return error_response(422, _("Some of what you sent is not valid."), "invalid", exc.fields)


@bp.errorhandler(IdempotencyKeyInvalid)
def _idempotency_key_invalid(exc):
    return error_response(400, exc.message, "invalid_header", {"Idempotency-Key": exc.message})


@bp.errorhandler(IdempotencyConflict)
def _idempotency_conflict(_exc):
    # Generic on purpose: nothing about the submission the key names.
    return error_response(422, _("This Idempotency-Key was already used for a different "
                                 "submission."), "idempotency_conflict")


@bp.errorhandler(search_service.SearchUnavailable)
def _search_unavailable(exc):
    body, status = error_response(503, str(search_service.UNAVAILABLE_MESSAGE),
                                  "search_unavailable")
    return body, status, {"Retry-After": str(exc.retry_after)}


@bp.before_app_request
def _guard_request():
    """Every /api/ request, whichever feature serves it: bounded body, no NUL, a known lang."""
    if not request.path.startswith("/api/"):
        return
    request.max_content_length = JSON_MAX_BYTES
    if has_nul([*request.args.values(), *(request.view_args or {}).values()]):
        raise ApiError(400, _("The request contains a NUL character."), "invalid_encoding")
    languages = request.args.getlist("lang")
    if languages and (len(languages) > 1 or languages[0] not in LOCALES):
        # The documented enum, enforced: a typo is an error, not a silent fallback.
        raise ApiError(400, _("Some of the query parameters are not valid."), "invalid_query",
                       {"lang": _("Choose one of: %(choices)s.", choices=", ".join(LOCALES))})


def _invalid(fields):
    return ApiError(422, _("Some of what you sent is not valid."), "invalid", fields)


def read_json_object() -> dict:
    """The request body as a JSON object, or an ApiError (415, 400, 413 via werkzeug)."""
    if request.mimetype != "application/json":
        raise ApiError(415, _("Send the body as JSON with “Content-Type: application/json”."),
                       "unsupported_media_type")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        # "\ud800" escapes decode to lone surrogates, which no database or UTF-8 page can hold.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeError:
        raise ApiError(400, _("The body is not valid UTF-8."), "invalid_encoding") from None
    except (ValueError, RecursionError):
        raise ApiError(400, _("The body is not valid JSON."), "invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError(400, _("The body must be a JSON object."), "invalid_json")
    if has_nul(_strings(data)):  # PostgreSQL text cannot hold NUL, even in a lookup
        raise ApiError(400, _("The request contains a NUL character."), "invalid_encoding")
    return data


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _page_args():
    fields = {}
    page = counted_arg("page", 1, 100000, fields)
    per_page = counted_arg("per_page", 20, MAX_PAGE_SIZE, fields)
    if fields:
        raise ApiError(400, _("Some of the query parameters are not valid."), "invalid_query",
                       fields)
    return page, per_page




def _choice_arg(name, choices, fields):
    value = request.args.get(name) or None
    if value is not None and value not in choices:
        fields[name] = _("Choose one of: %(choices)s.", choices=", ".join(choices))
    return value


@bp.post("/submissions")
@limit_per_api_key(rate_limit_value, key_func=rate_limit_key)
def create():
    """Create a submission (anonymous, or identified by an API key)."""
    if presented_api_key() and current_api_key() is None:
        raise ApiError(401, _("This API key is not valid or was revoked."), "invalid_api_key")
    creation = submit_from_api(read_json_object(), client=current_api_key(),
                               idempotency_key=request.headers.get("Idempotency-Key"),
                               default_language=current_locale())
    submission = creation.submission
    body = {"code": submission.code, "display_code": submission.display_code,
            "status": submission.status,
            "tracking_url": external_url("submissions.track", code=submission.code)}
    headers = {"Location": external_url(".tracking", code=submission.code)}
    if not creation.created:
        headers["Idempotent-Replayed"] = "true"
    return jsonify(body), 201, headers


@bp.get("/submissions/<code>")
@tracking_lookup
def tracking(code):
    """A submission's status and public timeline, for the holder of its tracking code."""
    submission = find_by_code(code)
    if submission is None:
        note_lookup_misses()
        raise ApiError(404, _("No submission has this tracking code. Check it and try again."),
                       "not_found")
    return jsonify(rep.tracking(submission, current_locale()))


@bp.get("/search")
def search():
    """Published submissions matching words and filters, with highlighted snippets."""
    fields = {}
    kind = _choice_arg("kind", KINDS, fields)
    status = _choice_arg("status", STATUSES, fields)
    q = request.args.get("q", "")
    if len(q) > 200:
        fields["q"] = _("Please keep this under %(n)d characters (now %(count)d).", n=200,
                        count=len(q))
    if fields:
        raise ApiError(400, _("Some of the query parameters are not valid."), "invalid_query",
                       fields)
    page, per_page = _page_args()
    filters = {"kind": kind, "status": status, "category": request.args.get("category"),
               "area": request.args.get("area"), "station": request.args.get("station")}
    found = search_service.search_listing(q, filters=filters, page=page, per_page=per_page)
    total, items = found.total, [(hit.submission, hit.snippet) for hit in found.hits]
    locale = current_locale()
    return jsonify({"total": total, "page": page, "per_page": per_page,
                    "results": [rep.search_result(s, snippet, locale) for s, snippet in items]})


@bp.get("/categories")
def categories():
    """Categories: top-level dimensions and the sub-categories a submission is filed under."""
    locale = current_locale()
    rows = [row for top, children in category_tree() for row in (top, *children)]
    return jsonify({"categories": [rep.category(c, locale) for c in rows]})


@bp.get("/areas")
def areas():
    """Areas: the riverside grid and the subdistricts."""
    locale = current_locale()
    return jsonify({"areas": [rep.area(a, locale) for a in reference_rows(Area)]})


@bp.get("/stations")
def stations():
    """Service stations and the suggestion station."""
    locale = current_locale()
    return jsonify({"stations": [rep.station(s, locale) for s in reference_rows(Station)]})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document describing this API."""
    codes = {"category": [c.code for _top, children in category_tree() for c in children],
             "area": [a.code for a in reference_rows(Area)],
             "station": [s.slug for s in reference_rows(Station)]}
    return jsonify(openapi_document(external_url(".openapi").rsplit("/", 1)[0], codes,
                                    area_from_point=points_decide_areas()))


@bp.get("/staff/submissions")
@staff_required("moderator", "dispatcher", "viewer")
def staff_list():
    """Submissions for staff, filtered by status, oldest first."""
    fields = {}
    status = _choice_arg("status", STATUSES, fields)
    if fields:
        raise ApiError(400, _("Some of the query parameters are not valid."), "invalid_query",
                       fields)
    page, per_page = _page_args()
    pagination = staff_submissions(status=status, page=page, per_page=per_page)
    locale = current_locale()
    return jsonify({"total": pagination.total or 0, "page": page, "per_page": per_page,
                    "results": [rep.staff_item(s, locale) for s in pagination.items]})


DECISION_FIELDS = {"action": TEXT, "reason": TEXT, "duplicate_of": TEXT, "note": TEXT,
                   **{column: TEXT for column in PUBLIC_COLUMNS}}


@bp.post("/staff/submissions/<code>/decision")
@staff_required("moderator")
def decision(code):
    """A moderator's decision: accept, reject (with a reason), hold, publish, unpublish."""
    submission = find_by_code(code)
    if submission is None:
        raise ApiError(404, _("No submission has this tracking code. Check it and try again."),
                       "not_found")
    data = read_json_object()
    check_fields(data, DECISION_FIELDS, required=("action",))
    if data["action"] not in DECISIONS:
        raise _invalid({"action": _("Choose one of: %(choices)s.", choices=", ".join(DECISIONS))})
    try:
        apply_decision(submission, action=data["action"], user=g.api_user,
                       reason=data.get("reason") or "", note=(data.get("note") or "")[:2000],
                       duplicate_of=data.get("duplicate_of") or "",
                       public={column: data.get(column) or "" for column in PUBLIC_COLUMNS})
    except DecisionInvalid as exc:
        raise _invalid({k: str(v) for k, v in exc.fields.items()}) from None
    except ModerationConflict as exc:
        raise ApiError(409, str(exc), "conflict") from None
    except ValueError as exc:  # set_publication: no public text after cleaning
        raise _invalid({"public_body": str(exc)}) from None
    return jsonify(rep.staff_item(submission, current_locale()))
