"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json.

Kept as data next to the views it describes; tests/api/test_openapi.py proves they agree (every
route documented, real responses valid against these schemas) and fuzzes the API from it.
"""
from copy import deepcopy

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from portal.api.openapi_ideas import OUTCOME
from portal.api.openapi_ideas import SCHEMAS as IDEA_SCHEMAS
from portal.api.openapi_ideas import paths as idea_paths
from portal.api.openapi_parts import (
    DATETIME,
    ERRORS,
    NULLABLE_STRING,
    json_content,
    obj,
    ref,
    responses,
    text_schema,
)
from portal.api.services import DECISIONS, MAX_PAGE_SIZE
from portal.core.i18n import LOCALES
from portal.core.inputs import NUMBER_PATTERN
from portal.moderation.services import REJECT_REASONS
from portal.submissions.idempotency import KEY_MAX, KEY_PATTERN
from portal.submissions.models import KINDS, STATUSES
from portal.submissions.public_text import FIELD_NAMES, PUBLIC_COLUMNS

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
    "Error": obj({"error": obj({
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}})}),
    "Names": obj({locale: {"type": "string"} for locale in LOCALES}),
    "Ref": {"type": ["object", "null"], "properties": {"code": {"type": "string"},
                                                       "name": {"type": "string"}},
            "required": ["code", "name"], "additionalProperties": False},
    "Category": obj({
        "code": {"type": "string"}, "parent": NULLABLE_STRING,
        "selectable": {"type": "boolean", "description": "Sub-categories only are filed under."},
        "name": {"type": "string"}, "names": ref("Names"), "team": {"type": "string"},
        "urgent": {"type": "boolean"}}),
    "Area": obj({"code": {"type": "string"}, "kind": {"type": "string",
                                                        "enum": ["subdistrict", "grid"]},
                  "name": {"type": "string"}, "names": ref("Names"),
                  "overlaps": {"type": "array", "items": {"type": "string"}}}),
    "Station": obj({"code": {"type": "string"},
                     "kind": {"type": "string", "enum": ["service", "suggestion"]},
                     "name": {"type": "string"}, "names": ref("Names"),
                     "address": {"type": "string"}, "hours": {"type": "string"},
                     "area": NULLABLE_STRING, "sample": {"type": "boolean"}}),
    "SubmissionCreate": obj({
        "kind": {"type": "string", "enum": list(KINDS)},
        "category": {"type": "string", "description": "A sub-category code (GET /categories)."},
        "title": text_schema(2, 120),
        "body": text_schema(5, 5000, single_line=False),
        "area": {"type": "string", "description": "An area code (GET /areas). May be left "
                 "out when lat/lon are given and area boundaries are loaded: the point "
                 "decides it."},
        "place": text_schema(0, 200, nullable=True),
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90,
                "description": "WGS-84 latitude (a phone's GPS). A point outside Yangpu "
                               "is refused (422, field lat)."},
        "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180,
                "description": "WGS-84 longitude."},
        "station": {"type": ["string", "null"], "description": "A station code."},
        "contact": {"type": ["object", "null"], "additionalProperties": False, "properties": {
            "name": text_schema(0, 100, nullable=True),
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
                     {"required": ["name"], "properties": {"name": text_schema(1)}},
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
    "SubmissionCreated": obj({"code": {"type": "string"}, "display_code": {"type": "string"},
                               "status": {"type": "string", "enum": list(STATUSES)},
                               "tracking_url": {"type": "string", "format": "uri"}}),
    "TimelineEntry": obj({"at": DATETIME, "kind": {"type": "string",
                                                     "enum": ["status", "reply", "note"]},
                           "status": {"type": ["string", "null"]},
                           "status_label": NULLABLE_STRING, "note": {"type": "string"}}),
    "Tracking": obj({
        "code": {"type": "string"}, "display_code": {"type": "string"},
        "kind": {"type": "string", "enum": list(KINDS)}, "kind_label": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)}, "status_label": {"type": "string"},
        "category": ref("Ref"), "area": ref("Ref"), "station": ref("Ref"),
        **{name: {"type": "string", "description": "As the resident wrote it, personal data "
                                                   "masked."} for name in FIELD_NAMES},
        "published": {"type": "boolean"}, "created_at": DATETIME, "updated_at": DATETIME,
        "tracking_url": {"type": "string", "format": "uri"},
        "timeline": {"type": "array", "items": ref("TimelineEntry")}}),
    "SearchResult": obj({
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(KINDS)},
        "status": {"type": "string", "enum": list(STATUSES)}, "status_label": {"type": "string"},
        "title": {"type": "string"}, "snippet": {"type": "string"},
        "snippet_html": {"type": "string", "description": "Escaped HTML; matches in <mark>."},
        "category": ref("Ref"), "area": ref("Ref"), "station": ref("Ref"),
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": "string", "format": "uri"}}),
    "SearchResults": obj({"total": {"type": "integer", "minimum": 0},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                           "results": {"type": "array", "items": ref("SearchResult")}}),
    "StaffSubmission": obj({
        "code": {"type": "string"}, "kind": {"type": "string", "enum": list(KINDS)},
        "status": {"type": "string", "enum": list(STATUSES)}, "channel": {"type": "string"},
        "language": {"type": "string"}, "category": {"type": "string"},
        "area": {"type": "string"}, "station": NULLABLE_STRING,
        **{name: {"type": "string"} for name in FIELD_NAMES},
        "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]},
        "published": {"type": "boolean"},
        **{column: NULLABLE_STRING for column in PUBLIC_COLUMNS},
        "screening": obj({"score": {"type": "number"},
                           "reasons": {"type": "array", "items": {"type": "string"}}}),
        "created_at": DATETIME, "updated_at": DATETIME}),
    "StaffList": obj({"total": {"type": "integer", "minimum": 0}, "page": {"type": "integer"},
                       "per_page": {"type": "integer"},
                       "results": {"type": "array", "items": ref("StaffSubmission")}}),
    "PlatformEvent": obj({
        "event_id": {"type": "string", "minLength": 1, "maxLength": 100},
        "reference": {"type": "string", "description": "The submission's tracking code."},
        "status": {"type": "string", "enum": ["in_progress", "resolved", "closed", "returned"]},
        "note": {"type": "string", "description": "Internal note (staff only)."},
        "reason": {"type": "string", "maxLength": 500,
                   "description": "With status returned: why the case is not the team's "
                                  "(staff only; the note is taken when absent). The case is "
                                  "routed to another team, or, past PORTAL_MAX_RETURNS "
                                  "returns, waits for an administrator's arbitration."},
        "reply": {"oneOf": [{"type": "string"}, obj({"zh": {"type": "string"},
                                                      "en": {"type": "string"}}, required=[])],
                  "description": "The official reply shown to the resident."},
        "occurred_at": DATETIME,
    }, required=["event_id", "reference", "status", "occurred_at"]),
    "PlatformEventResult": obj({"outcome": {"type": "string"}, "reference": {"type": "string"},
                                 "status": {"type": "string"}}),
    "Decision": obj({
        "action": {"type": "string", "enum": list(DECISIONS)},
        "reason": {"type": ["string", "null"], "enum": list(REJECT_REASONS) + [None],
                   "description": "Required with action reject."},
        "duplicate_of": {"type": ["string", "null"],
                         "description": "Tracking code of the submission this one repeats "
                                        "(required with reason duplicate)."},
        "note": {**text_schema(0, nullable=True), "description": "Internal note (staff only)."},
        "public_title": {**text_schema(0, nullable=True),
                         "description": "The public title (publish); personal data is masked. "
                                        "Omit title and text to publish the automatically "
                                        "masked version."},
        "public_body": {**text_schema(0, single_line=False, nullable=True),
                        "description": "The public text (publish); personal data is masked."},
        "public_place": {**text_schema(0, single_line=True, nullable=True),
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
for _schema in ("Tracking", "SearchResult"):
    SCHEMAS[_schema]["properties"]["outcome"] = OUTCOME  # optional: not in "required"
SCHEMAS.update(IDEA_SCHEMAS)


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
        "requestBody": {"required": True, **json_content(ref("SubmissionCreate"))},
        "responses": responses("201", {"description": "Created (or replayed: see the "
                                                       "Idempotent-Replayed header).",
                                        **json_content(ref("SubmissionCreated"))},
                                "400", "401", "413", "415", "422")}},
    "/submissions/{code}": {"get": {
        "operationId": "trackSubmission", "summary": "Status and public timeline.",
        "parameters": [CODE, LANG],
        "responses": responses("200", {"description": "The submission.",
                                        **json_content(ref("Tracking"))}, "404")}},
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
        "responses": responses("200", {"description": "A page of results (without q or "
                                                       "filters: every published submission, "
                                                       "newest first).",
                                        **json_content(ref("SearchResults"))}, "400", "503")}},
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
        "responses": responses("200", {
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
        "responses": responses("200", {
            "description": "Categories in display order.",
            **json_content(obj({"categories": {"type": "array", "items": ref("Category")}}))})}},
    "/areas": {"get": {
        "operationId": "listAreas", "summary": "Areas (the riverside grid and subdistricts).",
        "parameters": [LANG],
        "responses": responses("200", {"description": "Areas in display order.", **json_content(
            obj({"areas": {"type": "array", "items": ref("Area")}}))})}},
    "/stations": {"get": {
        "operationId": "listStations", "summary": "Service stations and the suggestion station.",
        "parameters": [LANG],
        "responses": responses("200", {"description": "Stations in display order.", **json_content(
            obj({"stations": {"type": "array", "items": ref("Station")}}))})}},
    "/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document.",
        "responses": responses("200", {"description": "OpenAPI 3.1.", **json_content(
            {"type": "object"})})}},
    "/staff/submissions": {"get": {
        "operationId": "staffListSubmissions", "summary": "Submissions for staff (any role).",
        "security": [{"bearerAuth": []}],
        "parameters": [{"name": "status", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": list(STATUSES)}},
                       PAGE, PER_PAGE, LANG],
        "responses": responses("200", {"description": "A page of submissions.",
                                        **json_content(ref("StaffList"))}, "400", "401", "403")}},
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
        "requestBody": {"required": True, **json_content(ref("PlatformEvent"))},
        "responses": responses("200", {"description": "Applied, or already applied.",
                                        **json_content(ref("PlatformEventResult"))},
                                "400", "401", "404", "409", "422", "503")}},
    "/staff/submissions/{code}/decision": {"post": {
        "operationId": "staffDecision", "summary": "A moderator's decision.",
        "security": [{"bearerAuth": []}],
        "parameters": [CODE, LANG],
        "requestBody": {"required": True, **json_content(ref("Decision"))},
        "responses": responses("200", {"description": "The submission after the decision.",
                                        **json_content(ref("StaffSubmission"))},
                                "400", "401", "403", "404", "409", "413", "415", "422")}},
    **idea_paths(LANG, PAGE, PER_PAGE),
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
