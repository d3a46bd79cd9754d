"""Building blocks of the OpenAPI document: text rules as patterns, objects, error answers."""
import sys
import unicodedata

from portal.core.text import BLANK_LETTERS

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


def text_pattern(minimum: int = 0, single_line: bool = True) -> str:
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


def text_schema(minimum=0, maximum=None, single_line=True, nullable=False) -> dict:
    schema = {"type": ["string", "null"] if nullable else "string",
              "pattern": text_pattern(minimum, single_line)}
    if maximum:
        schema["maxLength"] = maximum
    return schema


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required=None, extra=False) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else list(required),
            "additionalProperties": extra}


def json_content(schema) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def error_schema(description):
    return {"description": description, **json_content(ref("Error"))}


ERRORS = {
    "400": error_schema("Malformed request: invalid JSON, invalid UTF-8, bad query parameters "
                  "(an unknown lang included)."),
    "414": error_schema("The URL is too long."),
    "401": error_schema("Missing or invalid credentials; for staff tokens the error code says "
                  "whether it expired (token_expired) or was revoked (token_revoked)."),
    "403": error_schema("The credentials do not allow this."),
    "404": error_schema("Not found."),
    "405": error_schema("Method not allowed."),
    "409": error_schema("The submission's current status does not allow this decision."),
    "503": error_schema("Not available: the portal is not configured for this, or the search index "
                  "is being prepared (retry after the seconds in Retry-After)."),
    "413": error_schema("The body is too large (64 KB at most)."),
    "415": error_schema("The body is not JSON."),
    "422": error_schema("Well-formed but invalid: unknown fields, wrong types, failed validation, "
                  "an Idempotency-Key reused for another body."),
    "429": error_schema("Too many requests: wait and retry (see Retry-After)."),
}


def responses(ok_status, ok, *errors):
    responses = {ok_status: ok}
    # Any request can be malformed, too long, sent with another method, or too frequent.
    for status in sorted({*errors, "400", "405", "414", "429"}):
        responses[status] = {"$ref": f"#/components/responses/E{status}"}
    return responses
