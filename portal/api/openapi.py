"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json.

Kept as data next to the views it describes; tests/api/test_openapi.py proves they agree (every
route documented, real responses valid against these schemas) and fuzzes the API from it.
"""
import sys
import unicodedata
from copy import deepcopy

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from portal.api.services import DECISIONS, MAX_PAGE_SIZE
from portal.core.i18n import LOCALES
from portal.core.inputs import NUMBER_PATTERN
from portal.core.text import BLANK_LETTERS
from portal.moderation.services import REJECT_REASONS
from portal.submissions.idempotency import KEY_MAX, KEY_PATTERN
from portal.submissions.models import KINDS, STATUSES
from portal.submissions.public_text import FIELD_NAMES, PUBLIC_COLUMNS

NULLABLE_STRING = {"type": ["string", "null"]}
DATETIME = {"type": "string", "format": "date-time"}


def _class(chars) -> str:
    """Characters as a regular-expression class body: runs of code points as escaped ranges."""
    def escape(code):
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)
    codes, parts = sorted(ord(c) for c in chars), []
    start = previous = codes[0]
    for code in codes[1:] + [None]:
        if code is not None and code == previous + 1:
            previous = code
            continue
        parts.append(escape(start) if start == previous else f"{escape(start)}-{escape(previous)}")
        if code is not None:
            start = previous = code
    return "".join(parts)


# The text rules of portal/submissions/validation.py as patterns, so that what the schema
# allows the API accepts and the reverse: no control characters or bidirectional overrides
# anywhere (single-line fields may hold those a line's white space folds away), and a minimum
# counted in characters that show (format characters and blank letters do not).
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_CONTROLS = {chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                               *range(0x7F, 0xA0)]}
_FOLDED = {c for c in _CONTROLS if c.isspace()}  # str.split() takes these as white space
_INVISIBLE = {chr(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) == "Cf"} | set(BLANK_LETTERS)


def _text_pattern(minimum: int = 0, single_line: bool = True) -> str:
    refused = _class((_CONTROLS - _FOLDED if single_line else _CONTROLS) | _BIDI)
    invisible = _class(_INVISIBLE - _BIDI)
    inner = f"[^{refused}]"
    # A multi-line text is only stripped at both ends, where white-space controls vanish too.
    # Written so that each part stops at the next character that shows: no costly backtracking.
    head, tail = ("", "") if single_line else ("\\s*", f"(?:{inner}*[^\\s{refused}])?\\s*")
    if not minimum:
        return f"^{head}{inner}*$" if single_line else f"^{head}{tail}$"
    shown = f"[^\\s{_class(_CONTROLS | _INVISIBLE)}]"
    gap = f"(?:[^\\S{refused}]|[{invisible}])"
    start = f"{head}(?:[{invisible}]{gap}*)?" if head else f"{gap}*"
    rest = f"{inner}*" if single_line else tail
    return f"^{start}{shown}(?:{gap}*{shown}){{{minimum - 1}}}{rest}$"


def _text(minimum=0, maximum=None, single_line=True, nullable=False) -> dict:
    schema = {"type": ["string", "null"] if nullable else "string",
              "pattern": _text_pattern(minimum, single_line)}
    if maximum:
        schema["maxLength"] = maximum
    return schema


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
    "400": _error("Malformed request: invalid JSON, invalid UTF-8, bad query parameters "
                  "(an unknown lang included)."),
    "414": _error("The URL is too long."),
    "401": _error("Missing or invalid credentials; for staff tokens the error code says "
                  "whether it expired (token_expired) or was revoked (token_revoked)."),
    "403": _error("The credentials do not allow this."),
    "404": _error("Not found."),
    "405": _error("Method not allowed."),
    "409": _error("The submission's current status does not allow this decision."),
    "503": _error("Not available: the portal is not configured for this, or the search index "
                  "is being prepared (retry after the seconds in Retry-After)."),
    "413": _error("The body is too large (64 KB at most)."),
    "415": _error("The body is not JSON."),
    "422": _error("Well-formed but invalid: unknown fields, wrong types, failed validation, "
                  "an Idempotency-Key reused for another body."),
    "429": _error("Too many requests: wait and retry (see Retry-After)."),
}


def _responses(ok_status, ok, *errors):
    responses = {ok_status: ok}
    # Any request can be malformed, too long, sent with another method, or too frequent.
    for status in sorted({*errors, "400", "405", "414", "429"}):
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
        "title": _text(2, 120),
        "body": _text(5, 5000, single_line=False),
        "area": {"type": "string", "description": "An area code (GET /areas). May be left "
                 "out when lat/lon are given and area boundaries are loaded: the point "
                 "decides it."},
        "place": _text(0, 200, nullable=True),
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90,
                "description": "WGS-84 latitude (a phone's GPS). A point outside Yangpu "
                               "is refused (422, field lat)."},
        "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180,
                "description": "WGS-84 longitude."},
        "station": {"type": ["string", "null"], "description": "A station code."},
        "contact": {"type": ["object", "null"], "additionalProperties": False, "properties": {
            "name": _text(0, 100, nullable=True),
            "phone": {"type": ["string", "null"],
                      "pattern": "^\\s*(?:\\+?[0-9][0-9\\-]{4,19})?\\s*$"},
            "email": {"anyOf": [{"type": "null"}, {"const": ""}, {
                "type": "string", "format": "email",
                # Addresses in special-use domains (.test, .local...) cannot receive mail:
                # refused, as the e-mail validator refuses them.
                "pattern": "^(?!.*\\.(?:" + "|".join(SPECIAL_USE_DOMAIN_NAMES) + ")\\.?$)"}]}}},
        "consent": {"type": ["boolean", "null"],
                    "description": "The contact details may be passed to the department."},
        "notify": {"type": ["boolean", "null"],
                   "description": "Tell the resident when the case changes (needs contact.email "
                                  "or a mainland mobile number in contact.phone)."},
        "language": {"type": ["string", "null"], "enum": list(LOCALES) + [None]},
    }, required=["kind", "category", "title", "body"]) | {
        # Coordinates come in pairs: both numbers, or neither.
        "allOf": [{"if": {"required": [a], "properties": {a: {"type": "number"}}},
                   "then": {"required": [b], "properties": {b: {"type": "number"}}}}
                  for a, b in (("lat", "lon"), ("lon", "lat"))] + [
            # Consent to pass contact details on needs details to pass on.
            {"if": {"required": ["consent"], "properties": {"consent": {"const": True}}},
             "then": {"required": ["contact"], "properties": {"contact": {
                 "type": "object", "anyOf": [
                     {"required": ["name"], "properties": {"name": _text(1)}},
                     {"required": ["phone"],
                      "properties": {"phone": {"type": "string", "pattern": "[0-9]"}}},
                     {"required": ["email"],
                      "properties": {"email": {"type": "string", "minLength": 1}}}]}}}},
            # Being told of changes needs an address or a mainland mobile to tell.
            {"if": {"required": ["notify"], "properties": {"notify": {"const": True}}},
             "then": {"required": ["contact"], "properties": {"contact": {
                 "type": "object", "anyOf": [
                     {"required": ["email"],
                      "properties": {"email": {"type": "string", "minLength": 1}}},
                     {"required": ["phone"], "properties": {"phone": {
                         "type": "string",
                         "pattern": "^\\s*(?:\\+?8-*6-*)?1-*[3-9](?:-*[0-9]){9}-*\\s*$"}}}]}}}}]},
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
        **{name: {"type": "string", "description": "As the resident wrote it, personal data "
                                                   "masked."} for name in FIELD_NAMES},
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
        "area": {"type": "string"}, "station": NULLABLE_STRING,
        **{name: {"type": "string"} for name in FIELD_NAMES},
        "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]},
        "published": {"type": "boolean"},
        **{column: NULLABLE_STRING for column in PUBLIC_COLUMNS},
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
        "note": {**_text(0, nullable=True), "description": "Internal note (staff only)."},
        "public_title": {**_text(0, nullable=True),
                         "description": "The public title (publish); personal data is masked. "
                                        "Omit title and text to publish the automatically "
                                        "masked version."},
        "public_body": {**_text(0, single_line=False, nullable=True),
                        "description": "The public text (publish); personal data is masked."},
        "public_place": {**_text(0, single_line=True, nullable=True),
                         "description": "The public place (publish, optional); personal data "
                                        "is masked. Omitted: the resident's place, masked."},
    }, required=["action"]) | {
        # A rejection names its reason; a duplicate names the submission it repeats.
        "allOf": [{"if": {"properties": {"action": {"const": "reject"}}},
                   "then": {"required": ["reason"],
                            "properties": {"reason": {"enum": list(REJECT_REASONS)}}}},
                  {"if": {"required": ["reason"], "properties": {"reason": {"const": "duplicate"}}},
                   "then": {"required": ["duplicate_of"],
                            "properties": {"duplicate_of": {"type": "string", "minLength": 1}}}}]},
}
# An idea's official answer (added by the ideas section; absent for issues, null until answered).
OUTCOME = {"type": ["object", "null"], "additionalProperties": False,
           "required": ["code", "label", "reason", "answered_at"], "properties": {
               "code": {"type": "string",
                        "enum": ["adopted", "partly_adopted", "for_reference", "not_adopted"]},
               "label": {"type": "string"}, "reason": {"type": "string"},
               "answered_at": DATETIME}}
for _schema in ("Tracking", "SearchResult"):
    SCHEMAS[_schema]["properties"]["outcome"] = OUTCOME  # optional: not in "required"


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
        "responses": _responses("200", {"description": "A page of results (without q or "
                                                       "filters: every published submission, "
                                                       "newest first).",
                                        **_json(_ref("SearchResults"))}, "400", "503")}},
    "/submissions.geojson": {"get": {
        "operationId": "mapSubmissions",
        "summary": "Published submissions with a point, as GeoJSON (WGS-84).",
        "description": "Published only; the moderated title only, no personal data, points "
                       "rounded to about 10 m; newest first, at most `limit`. See docs/map.md.",
        "parameters": [
            {"name": "kind", "in": "query", "required": False,  # empty: any
             "schema": {"type": "string", "enum": [*KINDS, ""]}},
            {"name": "category", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "area", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "status", "in": "query", "required": False,  # empty: any
             "schema": {"type": "string", "enum": [*STATUSES, ""]}},
            {"name": "bbox", "in": "query", "required": False, "schema": {
                "type": "string",
                "pattern": f"^\\s*{NUMBER_PATTERN}(?:\\s*,\\s*{NUMBER_PATTERN}){{3}}\\s*$"},
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
                       "body with PORTAL_PLATFORM_SECRET>. Idempotent by event_id. Applies "
                       "only to cases forwarded to the platform and still with it, and only "
                       "as the lifecycle allows: otherwise 409 (not_forwarded, "
                       "transition_not_allowed), recorded in the audit log. Control "
                       "characters or an occurred_at out of range: 400.",
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
                           "description": "A staff token (flask portal create-token USERNAME "
                                          "[--days N]; 90 days by default)."},
        },
    },
}


def openapi_document(server_url: str = "/api/v1", codes=None, *, area_from_point=False) -> dict:
    """The document, with this deployment's server URL and, when given, the reference codes
    accepted today (`codes`: {"category": [...], "area": [...], "station": [...]}) as enums.
    Without loaded boundaries (`area_from_point` false) a submission must name its area."""
    document = deepcopy(DOCUMENT)
    document["servers"] = [{"url": server_url}]
    create = document["components"]["schemas"]["SubmissionCreate"]
    if not area_from_point:
        create["required"] = [*create["required"], "area"]
    properties = create["properties"]
    for field, values in (codes or {}).items():
        properties[field]["enum"] = list(values) + ([None] if field == "station" else [])
    return document
