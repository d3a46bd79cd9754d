"""The channel adapters of the JSON API and Open311: each maps its input to create_submission.

Views parse the request (JSON body, form, files, headers, the API key) and call one function
here; the rules of each channel (fields and types, language, title and location, photos, the
Idempotency-Key) live here, and its errors are domain exceptions that the blueprints' error
handlers answer in their own shapes.
"""
from portal.api.services import find_service
from portal.core.i18n import LOCALES, _
from portal.core.text import has_content
from portal.submissions.idempotency import api_key_scope, open311_key
from portal.submissions.models import KINDS
from portal.submissions.services import create_submission
from portal.submissions.validation import SubmissionInvalid

TEXT, NUMBER, BOOL, OBJECT = "text", "number", "boolean", "object"
SUBMISSION_FIELDS = {"kind": TEXT, "category": TEXT, "title": TEXT, "body": TEXT, "area": TEXT,
                     "place": TEXT, "lat": NUMBER, "lon": NUMBER, "station": TEXT,
                     "contact": OBJECT, "consent": BOOL, "notify": BOOL, "language": TEXT}
CONTACT_FIELDS = {"name": TEXT, "phone": TEXT, "email": TEXT}
# Service field names -> the API's field names, so errors point at what the client sent.
FIELD_NAMES = {"latitude": "lat", "name": "contact.name", "phone": "contact.phone",
               "email": "contact.email", "notify": "notify"}
TITLE_FROM_DESCRIPTION = 60
MAX_MEDIA = 10  # read at most this many uploads; the submission rule allows fewer
# Service field names -> the Open311 parameter a client sent.
PARAMETERS = {"category": "service_code", "area": "attribute[area]", "kind": "attribute[kind]",
              "title": "attribute[title]", "station": "attribute[station]",
              "body": "description", "place": "address_string", "latitude": "lat",
              "name": "first_name", "phone": "phone", "email": "email",
              "consent": "attribute[consent]", "notify": "attribute[notify]", "photos": "media"}


class FieldsInvalid(ValueError):
    """JSON fields that are unknown, missing, of the wrong type or invalid (field -> message)."""

    def __init__(self, fields: dict):
        super().__init__(", ".join(fields))
        self.fields = fields


class Open311Invalid(ValueError):
    """An Open311 request that cannot become a submission; one description per problem."""

    def __init__(self, *descriptions):
        super().__init__("; ".join(str(d) for d in descriptions))
        self.descriptions = descriptions


def check_fields(data: dict, spec: dict, required=()) -> None:
    """Unknown fields, missing required ones and wrong types raise FieldsInvalid naming each."""
    fields = {}
    for name, value in data.items():
        if name not in spec:
            fields[name] = _("Unknown field.")
        elif value is None:
            if name in required:
                fields[name] = _("This field is required.")
        elif not _has_type(value, spec[name]):
            fields[name] = {TEXT: _("Expected text."), NUMBER: _("Expected a number."),
                            BOOL: _("Expected true or false."),
                            OBJECT: _("Expected an object.")}[spec[name]]
    for name in required:
        if name not in data and name not in fields:
            fields[name] = _("This field is required.")
    if fields:
        raise FieldsInvalid(fields)


def _has_type(value, kind) -> bool:
    if kind == NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {TEXT: str, BOOL: bool, OBJECT: dict}[kind])


def submit_from_api(data: dict, *, client, idempotency_key: str, default_language: str):
    """Create a submission from a JSON API body (channel api), anonymous or by an API key.

    `data` is the parsed JSON object, `client` the request's API key (or None),
    `idempotency_key` the header as sent. Raises FieldsInvalid (in the API's field names),
    IdempotencyKeyInvalid or IdempotencyConflict.
    """
    check_fields(data, SUBMISSION_FIELDS, required=("kind", "category", "title", "body"))
    contact = data.get("contact") or {}
    check_fields({f"contact.{k}": v for k, v in contact.items()},
                 {f"contact.{k}": t for k, t in CONTACT_FIELDS.items()})
    language = data.get("language") or default_language
    if language not in LOCALES:
        raise FieldsInvalid({"language": _("Choose one of: %(choices)s.",
                                           choices=", ".join(LOCALES))})
    key = api_key_scope(idempotency_key, client, data)
    try:
        return create_submission(
            kind=data["kind"], category_code=data["category"], area_code=data.get("area") or "",
            title=data["title"], body=data["body"], channel="api", language=language,
            place=data.get("place") or "", latitude=data.get("lat"), longitude=data.get("lon"),
            station_slug=data.get("station") or None,
            contact={**contact, "consent": bool(data.get("consent")),
                     "notify": bool(data.get("notify"))}, idempotency_key=key,
            screening_context={"channel": "api", "api_key": client.id if client else None})
    except SubmissionInvalid as exc:
        raise FieldsInvalid({FIELD_NAMES.get(k, k): v for k, v in exc.errors.items()}) from None


def _title(form, description: str, category) -> str:
    title = " ".join((form.get("attribute[title]") or "").split())
    if title:
        return title
    first = " ".join(description.split())
    if len(first) > TITLE_FROM_DESCRIPTION:
        first = first[:TITLE_FROM_DESCRIPTION].rsplit(" ", 1)[0] + "…"
    return first if len(first) >= 2 else category.name_zh if category else first


def submit_from_open311(form: dict, photos: list, *, client, idempotency_key: str,
                        language: str):
    """Create a submission from an Open311 POST (channel open311) by an API key's client.

    `form` holds the form's values (first of each), `photos` the uploaded media's bytes.
    Raises Open311Invalid, IdempotencyKeyInvalid or IdempotencyConflict.
    """
    service_code = (form.get("service_code") or "").strip()
    category = find_service(service_code) if service_code else None
    problems = []
    if not service_code:
        problems.append(_("service_code is required."))
    elif category is None:
        problems.append(_("No service has the code %(code)s.", code=service_code))
    lat, lon = form.get("lat") or None, form.get("long") or None
    address = form.get("address_string") or form.get("address_id") or ""
    if not ((lat and lon) or has_content(address)):
        problems.append(_("A location is required: lat and long, or address_string."))
    if problems:
        raise Open311Invalid(*problems)
    key = open311_key(idempotency_key, client)
    description = form.get("description") or ""
    kind = form.get("attribute[kind]") or "issue"
    name = " ".join(f"{form.get('first_name') or ''} {form.get('last_name') or ''}".split())
    try:
        return create_submission(
            kind=kind if kind in KINDS else "", category_code=service_code,
            area_code=form.get("attribute[area]") or "",
            title=_title(form, description, category), body=description, channel="open311",
            language=language, place=address, latitude=lat, longitude=lon,
            station_slug=form.get("attribute[station]") or None,
            contact={"name": name, "phone": form.get("phone") or "",
                     "email": form.get("email") or "",
                     "consent": (form.get("attribute[consent]") or "").lower() == "true",
                     "notify": (form.get("attribute[notify]") or "").lower() == "true"},
            photos=list(photos)[:MAX_MEDIA], idempotency_key=key,
            screening_context={"channel": "open311", "api_key": client.id})
    except SubmissionInvalid as exc:
        raise Open311Invalid(*[f"{PARAMETERS.get(k, k)}: {v}"
                               for k, v in exc.errors.items()]) from None
