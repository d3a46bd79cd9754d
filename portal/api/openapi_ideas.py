"""The ideas section's part of the OpenAPI document: /ideas, /ideas/{id}, its supports, and
the `outcome` an idea's representation carries (served by portal/participation/api_views.py)."""
from portal.api.openapi_parts import DATETIME, json_content, obj, ref, responses
from portal.submissions.idempotency import KEY_MAX, KEY_PATTERN
from portal.submissions.models import STATUSES

OUTCOME_CODES = ["adopted", "partly_adopted", "for_reference", "not_adopted"]
# An idea's official answer (absent for issues, null until answered).
OUTCOME = {"type": ["object", "null"], "additionalProperties": False,
           "required": ["code", "label", "reason", "answered_at"], "properties": {
               "code": {"type": "string", "enum": OUTCOME_CODES},
               "label": {"type": "string"}, "reason": {"type": "string"},
               "answered_at": DATETIME}}
DATE_OR_NULL = {"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]}

_SUMMARY = {
    "id": {"type": "integer"}, "title": {"type": "string"},
    "status": {"type": "string", "enum": list(STATUSES)}, "status_label": {"type": "string"},
    "category": ref("Ref"), "area": ref("Ref"), "station": ref("Ref"),
    "published_at": {"type": ["string", "null"], "format": "date-time"},
    "supports": {"type": "integer", "minimum": 0},
    "comments": {"type": "integer", "minimum": 0,
                 "description": "Comments shown on the idea's page."},
    "outcome": OUTCOME,
    "url": {"type": "string", "format": "uri", "description": "The idea's public page."},
}
SCHEMAS = {
    "IdeaSummary": obj(_SUMMARY),
    "IdeaList": obj({"total": {"type": "integer", "minimum": 0}, "page": {"type": "integer"},
                     "per_page": {"type": "integer"},
                     "results": {"type": "array", "items": ref("IdeaSummary")}}),
    "Idea": obj({
        **_SUMMARY, "body": {"type": "string"}, "place": {"type": "string"},
        "threshold": obj({
            "supports_needed": {"type": "integer", "minimum": 1},
            "reached_on": DATE_OR_NULL,
            "answer_due": {**DATE_OR_NULL, "description": "Working days after reached_on."}}),
        "timeline": {"type": "array", "items": ref("TimelineEntry")}}),
    "SupportResult": obj({"id": {"type": "integer"}, "supports": {"type": "integer"},
                          "counted": {"type": "boolean"}}),
}
IDEA_ID = {"name": "idea_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}


def paths(lang, page, per_page) -> dict:
    """The ideas' paths, with the document's shared parameters."""
    text = {"type": "string"}
    return {
        "/ideas": {"get": {
            "operationId": "listIdeas", "summary": "Published ideas, sorted and filtered.",
            "description": "Unknown area, category or station codes match nothing.",
            "parameters": [
                {"name": "sort", "in": "query", "required": False,
                 "schema": {"type": "string",  # empty: the default (supported)
                            "enum": ["", "supported", "newest", "discussed", "answered"]}},
                {"name": "outcome", "in": "query", "required": False,
                 "schema": {"type": "string",
                            "enum": ["", *OUTCOME_CODES, "answered", "unanswered"]}},
                {"name": "area", "in": "query", "required": False, "schema": text},
                {"name": "category", "in": "query", "required": False, "schema": text},
                {"name": "station", "in": "query", "required": False, "schema": text},
                page, per_page, lang],
            "responses": responses("200", {"description": "A page of ideas.",
                                            **json_content(ref("IdeaList"))})}},
        "/ideas/{idea_id}": {"get": {
            "operationId": "getIdea",
            "summary": "One published idea: supports, threshold, comments, answer, timeline.",
            "parameters": [IDEA_ID, lang],
            "responses": responses("200", {"description": "The idea.",
                                            **json_content(ref("Idea"))}, "404")}},
        "/ideas/{idea_id}/supports": {"post": {
            "operationId": "supportIdea", "summary": "Support a published idea.",
            "description": "With an API key, each Idempotency-Key is one supporter (a retry "
                           "counts once; without a key every request is a new supporter). "
                           "Anonymous clients count once per address. Supports from one "
                           "address are capped per idea per day (429).",
            "security": [{}, {"apiKey": []}],
            "parameters": [IDEA_ID, lang, {
                "name": "Idempotency-Key", "in": "header", "required": False,
                "description": "Scoped to the client, as for POST /submissions.",
                "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX,
                           "pattern": KEY_PATTERN}}],
            "responses": {**responses("201", {"description": "Counted.",
                                              **json_content(ref("SupportResult"))},
                                      "401", "404"),
                          "200": {"description": "Already counted (Idempotent-Replayed).",
                                  **json_content(ref("SupportResult"))}}}},
    }

