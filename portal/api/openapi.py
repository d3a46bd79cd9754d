"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json.

Kept as data next to the views it describes; tests/api/test_openapi.py proves they agree (every
route documented, real responses valid against these schemas) and fuzzes the API from it.
"""
from copy import deepcopy

from portal.api.services import DECISIONS, MAX_PAGE_SIZE
from portal.moderation.services import REJECT_REASONS
from portal.i18n import LOCALES
from portal.submissions.idempotency import KEY_MAX, KEY_PATTERN
from portal.submissions.models import KINDS, STATUSES

NULLABLE_STRING = {"type": ["string", "null"]}
DATETIME = {"type": "string", "format": "date-time"}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required=None, extra=False) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else list(required),
            "additionalProperties": extra}


def _json(schema) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description):
    return {"description": description, **_json(_ref("Error"))}


ERRORS = {
    "400": _error("Malformed request: invalid JSON, invalid UTF-8, bad query parameters."),
    "401": _error("Missing or invalid credentials."),
    "403": _error("The credentials do not allow this."),
    "404": _error("Not found."),
    "405": _error("Method not allowed."),
    "409": _error("The submission's current status does not allow this decision."),
    "503": _error("Not available: the portal is not configured for this."),
    "413": _error("The body is too large (64 KB at most)."),
    "415": _error("The body is not JSON."),
    "422": _error("Well-formed but invalid: unknown fields, wrong types, failed validation, "
                  "an Idempotency-Key reused for another body."),
    "429": _error("Too many requests: wait and retry (see Retry-After)."),
}


def _responses(ok_status, ok, *errors):
    responses = {ok_status: ok}
    for status in errors + ("429",):
        responses[status] = {"$ref": f"#/components/responses/E{status}"}
    return responses


LANG = {"name": "lang", "in": "query", "required": False,
        "description": "Language of names, labels and messages (else Accept-Language).",
        "schema": {"type": "string", "enum": list(LOCALES)}}
PAGE = {"name": "page", "in": "query", "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100000}}
PER_PAGE = {"name": "per_page", "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}}
CODE = {"name": "code", "in": "path", "required": True,
        "description": "The tracking code (case, dashes and spaces are ignored).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 40}}

SCHEMAS = {
    "Error": _obj({"error": _obj({
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}})}),
    "Names": _obj({locale: {"type": "string"} for locale in LOCALES}),
    "Ref": {"type": ["object", "null"], "properties": {"code": {"type": "string"},
                                                       "name": {"type": "string"}},
            "required": ["code", "name"], "additionalProperties": False},
    "Category": _obj({
        "code": {"type": "string"}, "parent": NULLABLE_STRING,
        "selectable": {"type": "boolean", "description": "Sub-categories only are filed under."},
        "name": {"type": "string"}, "names": _ref("Names"), "team": {"type": "string"},
        "urgent": {"type": "boolean"}}),
    "Area": _obj({"code": {"type": "string"}, "kind": {"type": "string",
                                                        "enum": ["subdistrict", "grid"]},
                  "name": {"type": "string"}, "names": _ref("Names"),
                  "overlaps": {"type": "array", "items": {"type": "string"}}}),
    "Station": _obj({"code": {"type": "string"},
                     "kind": {"type": "string", "enum": ["service", "suggestion"]},
                     "name": {"type": "string"}, "names": _ref("Names"),
                     "address": {"type": "string"}, "hours": {"type": "string"},
                     "area": NULLABLE_STRING, "sample": {"type": "boolean"}}),
    "SubmissionCreate": _obj({
        "kind": {"type": "string", "enum": list(KINDS)},
        "category": {"type": "string", "description": "A sub-category code (GET /categories)."},
        "title": {"type": "string", "minLength": 2, "maxLength": 120},
        "body": {"type": "string", "minLength": 5, "maxLength": 5000},
        "area": {"type": "string", "description": "An area code (GET /areas). May be left "
                 "out when lat/lon are given and area boundaries are loaded: the point "
                 "decides it."},
        "place": {"type": ["string", "null"], "maxLength": 200},
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90,
                "description": "WGS-84 latitude (a phone's GPS). A point outside Yangpu "
                               "is refused (422, field lat)."},
        "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180,
                "description": "WGS-84 longitude."},
        "station": {"type": ["string", "null"], "description": "A station code."},
        "contact": {"type": ["object", "null"], "additionalProperties": False, "properties": {
            "name": NULLABLE_STRING, "phone": NULLABLE_STRING, "email": NULLABLE_STRING}},
        "consent": {"type": ["boolean", "null"],
                    "description": "The contact details may be passed to the department."},
        "language": {"type": ["string", "null"], "enum": list(LOCALES) + [None]},
    }, required=["kind", "category", "title", "body"]),
    "SubmissionCreated": _obj({"code": {"type": "string"}, "display_code": {"type": "string"},
                               "status": {"type": "string", "enum": list(STATUSES)},
                               "tracking_url": {"type": "string", "format": "uri"}}),
    "TimelineEntry": _obj({"at": DATETIME, "kind": {"type": "string",
                                                     "enum": ["status", "reply", "note"]},
                           "status": {"type": ["string", "null"]},
                           "status_label": NULLABLE_STRING, "note": {"type": "string"}}),
    "Tracking": _obj({
        "code": {"type": "string"}, "display_code": {"type": "string"},
        "kind": {"type": "string", "enum": list(KINDS)}, "kind_label": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)}, "status_label": {"type": "string"},
        "category": _ref("Ref"), "area": _ref("Ref"), "station": _ref("Ref"),
        "title": {"type": "string"}, "body": {"type": "string"},
        "published": {"type": "boolean"}, "created_at": DATETIME, "updated_at": DATETIME,
        "tracking_url": {"type": "string", "format": "uri"},
        "timeline": {"type": "array", "items": _ref("TimelineEntry")}}),
    "SearchResult": _obj({
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(KINDS)},
        "status": {"type": "string", "enum": list(STATUSES)}, "status_label": {"type": "string"},
        "title": {"type": "string"}, "snippet": {"type": "string"},
        "snippet_html": {"type": "string", "description": "Escaped HTML; matches in <mark>."},
        "category": _ref("Ref"), "area": _ref("Ref"), "station": _ref("Ref"),
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": "string", "format": "uri"}}),
    "SearchResults": _obj({"total": {"type": "integer", "minimum": 0},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                           "results": {"type": "array", "items": _ref("SearchResult")}}),
    "StaffSubmission": _obj({
        "code": {"type": "string"}, "kind": {"type": "string", "enum": list(KINDS)},
        "status": {"type": "string", "enum": list(STATUSES)}, "channel": {"type": "string"},
        "language": {"type": "string"}, "category": {"type": "string"},
        "area": {"type": "string"}, "station": NULLABLE_STRING, "title": {"type": "string"},
        "body": {"type": "string"}, "place": {"type": "string"},
        "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]},
        "published": {"type": "boolean"}, "public_title": NULLABLE_STRING,
        "public_body": NULLABLE_STRING,
        "screening": _obj({"score": {"type": "number"},
                           "reasons": {"type": "array", "items": {"type": "string"}}}),
        "created_at": DATETIME, "updated_at": DATETIME}),
    "StaffList": _obj({"total": {"type": "integer", "minimum": 0}, "page": {"type": "integer"},
                       "per_page": {"type": "integer"},
                       "results": {"type": "array", "items": _ref("StaffSubmission")}}),
    "PlatformEvent": _obj({
        "event_id": {"type": "string", "minLength": 1, "maxLength": 100},
        "reference": {"type": "string", "description": "The submission's tracking code."},
        "status": {"type": "string", "enum": ["in_progress", "resolved", "closed", "returned"]},
        "note": {"type": "string", "description": "Internal note (staff only)."},
        "reply": {"oneOf": [{"type": "string"}, _obj({"zh": {"type": "string"},
                                                      "en": {"type": "string"}}, required=[])],
                  "description": "The official reply shown to the resident."},
        "occurred_at": DATETIME,
    }, required=["event_id", "reference", "status", "occurred_at"]),
    "PlatformEventResult": _obj({"outcome": {"type": "string"}, "reference": {"type": "string"},
                                 "status": {"type": "string"}}),
    "Decision": _obj({
        "action": {"type": "string", "enum": list(DECISIONS)},
        "reason": {"type": ["string", "null"], "enum": list(REJECT_REASONS) + [None],
                   "description": "Required with action reject."},
        "duplicate_of": {"type": ["string", "null"],
                         "description": "Tracking code of the submission this one repeats "
                                        "(required with reason duplicate)."},
        "note": {"type": ["string", "null"], "description": "Internal note (staff only)."},
        "public_title": {"type": ["string", "null"],
                         "description": "The public title (publish); personal data is masked. "
                                        "Omit title and text to publish the automatically "
                                        "masked version."},
        "public_body": {"type": ["string", "null"],
                        "description": "The public text (publish); personal data is masked."},
    }, required=["action"]),
}


PATHS = {
    "/submissions": {"post": {
        "operationId": "createSubmission", "summary": "Submit an issue or an idea.",
        "description": "Anonymous clients are allowed (with tighter rate limits); an API key "
                       "identifies a client system. The same Idempotency-Key with the same body "
                       "returns the same submission; with another body, 422.",
        "security": [{}, {"apiKey": []}],
        "parameters": [LANG, {
            "name": "Idempotency-Key", "in": "header", "required": False,
            "description": "A retry with the same key returns the first submission. Keys are "
                           "scoped to the client (the API key; without one, to the key and "
                           "the body together), so no other client's key can match. Refused "
                           "(400, never truncated) unless 1 to 64 letters, digits, '-', '_' "
                           "or '.'.",
            "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX,
                       "pattern": KEY_PATTERN}}],
        "requestBody": {"required": True, **_json(_ref("SubmissionCreate"))},
        "responses": _responses("201", {"description": "Created (or replayed: see the "
                                                       "Idempotent-Replayed header).",
                                        **_json(_ref("SubmissionCreated"))},
                                "400", "401", "413", "415", "422")}},
    "/submissions/{code}": {"get": {
        "operationId": "trackSubmission", "summary": "Status and public timeline.",
        "parameters": [CODE, LANG],
        "responses": _responses("200", {"description": "The submission.",
                                        **_json(_ref("Tracking"))}, "404")}},
    "/search": {"get": {
        "operationId": "search", "summary": "Search published submissions.",
        "parameters": [
            {"name": "q", "in": "query", "required": False,
             "schema": {"type": "string", "maxLength": 200}},
            {"name": "kind", "in": "query", "required": False,
             "schema": {"type": "string", "enum": list(KINDS)}},
            {"name": "category", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "area", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "station", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "status", "in": "query", "required": False,
             "schema": {"type": "string", "enum": list(STATUSES)}},
            PAGE, PER_PAGE, LANG],
        "responses": _responses("200", {"description": "A page of results.",
                                        **_json(_ref("SearchResults"))}, "400")}},
    "/submissions.geojson": {"get": {
        "operationId": "mapSubmissions",
        "summary": "Published submissions with a point, as GeoJSON (WGS-84).",
        "description": "Published only; the moderated title only, no personal data, points "
                       "rounded to about 10 m; newest first, at most `limit`. See docs/map.md.",
        "parameters": [
            {"name": "kind", "in": "query", "required": False,
             "schema": {"type": "string", "enum": list(KINDS)}},
            {"name": "category", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "area", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "status", "in": "query", "required": False,
             "schema": {"type": "string", "enum": list(STATUSES)}},
            {"name": "bbox", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "west,south,east,north in WGS-84 degrees."},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2000, "default": 500}},
            LANG],
        "responses": _responses("200", {
            "description": "A GeoJSON FeatureCollection (RFC 7946).",
            "content": {"application/geo+json": {"schema": {
                "type": "object", "required": ["type", "features", "truncated", "limit"],
                "properties": {"type": {"const": "FeatureCollection"},
                               "features": {"type": "array", "items": {"type": "object"}},
                               "truncated": {"type": "boolean"},
                               "limit": {"type": "integer"}}}}}}, "400")}},
    "/categories": {"get": {
        "operationId": "listCategories", "summary": "Categories, with names in every language.",
        "parameters": [LANG],
        "responses": _responses("200", {"description": "Categories in display order.", **_json(
            _obj({"categories": {"type": "array", "items": _ref("Category")}}))})}},
    "/areas": {"get": {
        "operationId": "listAreas", "summary": "Areas (the riverside grid and subdistricts).",
        "parameters": [LANG],
        "responses": _responses("200", {"description": "Areas in display order.", **_json(
            _obj({"areas": {"type": "array", "items": _ref("Area")}}))})}},
    "/stations": {"get": {
        "operationId": "listStations", "summary": "Service stations and the suggestion station.",
        "parameters": [LANG],
        "responses": _responses("200", {"description": "Stations in display order.", **_json(
            _obj({"stations": {"type": "array", "items": _ref("Station")}}))})}},
    "/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document.",
        "responses": _responses("200", {"description": "OpenAPI 3.1.", **_json(
            {"type": "object"})})}},
    "/staff/submissions": {"get": {
        "operationId": "staffListSubmissions", "summary": "Submissions for staff (any role).",
        "security": [{"bearerAuth": []}],
        "parameters": [{"name": "status", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": list(STATUSES)}},
                       PAGE, PER_PAGE, LANG],
        "responses": _responses("200", {"description": "A page of submissions.",
                                        **_json(_ref("StaffList"))}, "400", "401", "403")}},
    "/platform/events": {"post": {
        "operationId": "platformEvent",
        "summary": "Progress reported by the operations platform (signed; see docs/forwarding.md).",
        "description": "Headers X-Portal-Timestamp (Unix seconds, within 300 s) and "
                       "X-Portal-Signature: sha256=<hex HMAC-SHA256 of timestamp + '.' + raw "
                       "body with PORTAL_PLATFORM_SECRET>. Idempotent by event_id.",
        "parameters": [
            {"name": "X-Portal-Timestamp", "in": "header", "required": True,
             "schema": {"type": "string"}},
            {"name": "X-Portal-Signature", "in": "header", "required": True,
             "schema": {"type": "string"}}],
        "requestBody": {"required": True, **_json(_ref("PlatformEvent"))},
        "responses": _responses("200", {"description": "Applied, or already applied.",
                                        **_json(_ref("PlatformEventResult"))},
                                "400", "401", "404", "409", "422", "503")}},
    "/staff/submissions/{code}/decision": {"post": {
        "operationId": "staffDecision", "summary": "A moderator's decision.",
        "security": [{"bearerAuth": []}],
        "parameters": [CODE, LANG],
        "requestBody": {"required": True, **_json(_ref("Decision"))},
        "responses": _responses("200", {"description": "The submission after the decision.",
                                        **_json(_ref("StaffSubmission"))},
                                "400", "401", "403", "404", "409", "413", "415", "422")}},
}

DOCUMENT = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
    "info": {
        "title": "Yangpu Riverside Residents' Portal API", "version": "1.0.0",
        "description": "Submit issues and ideas, follow them with their tracking code, search "
                       "published ones, and (staff) decide on them. Errors always have the "
                       "shape {\"error\": {\"code\", \"message\", \"fields\"}}, with the "
                       "message in the requested language (?lang= or Accept-Language). "
                       "Open311 GeoReport v2 is served separately under /open311/v2.",
    },
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": {f"E{status}": response for status, response in ERRORS.items()},
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                       "description": "Issued by an administrator (flask portal create-api-key "
                                      "NAME, or /staff/api-keys)."},
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "A staff token (flask portal create-token USERNAME)."},
        },
    },
}


def openapi_document(server_url: str = "/api/v1", codes=None) -> dict:
    """The document, with this deployment's server URL and, when given, the reference codes
    accepted today (`codes`: {"category": [...], "area": [...], "station": [...]}) as enums."""
    document = deepcopy(DOCUMENT)
    document["servers"] = [{"url": server_url}]
    properties = document["components"]["schemas"]["SubmissionCreate"]["properties"]
    for field, values in (codes or {}).items():
        properties[field]["enum"] = list(values) + ([None] if field == "station" else [])
    return document
