"""Open311 GeoReport v2 under /open311/v2: discovery, services, requests, tokens.

Every resource in XML and JSON (`.xml` / `.json`); errors as the specification writes them.
A request has two ids: its tracking code, returned to the client that posted it (it sees the
request as the tracking page shows it), and, once published, a public numeric id under which
everyone sees the moderated text. Only published requests are listed.
"""
from datetime import datetime
from functools import wraps

from flask import Blueprint, current_app, g, request
from flask_babel import force_locale
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from portal.api import representations as rep
from portal.api.auth import current_api_key, has_nul, rate_limit_key, rate_limit_value
from portal.api.intake import Open311Invalid, submit_from_open311
from portal.api.open311_format import render, render_errors
from portal.api.services import find_service, find_service_request, open311_requests, reference_rows
from portal.core.errors import register_error_renderer
from portal.core.i18n import _, current_locale, parse_locale
from portal.core.inputs import DATE_MAX, DATE_MIN, aware_in_range
from portal.core.ratelimit import limit_per_api_key, rate_limited_message
from portal.core.time import local_zone
from portal.core.urls import external_url
from portal.stations.models import Area, Station
from portal.stations.services import category_tree
from portal.submissions.idempotency import IdempotencyConflict, IdempotencyKeyInvalid
from portal.submissions.lookups import note_lookup_misses, tracking_lookup

bp = Blueprint("open311", __name__, url_prefix="/open311")
FMT = "<any(json, xml):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00+08:00"  # when this endpoint's behaviour last changed
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 1000, 1000  # "90 days or first 1000 requests"
TITLE_FROM_DESCRIPTION = 60
MAX_IDS = 10  # tracking codes in one query: each shows a resident's own text
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Open311Error(Exception):
    """An error answered in the specification's error list, with its HTTP status."""

    def __init__(self, status, *descriptions, headers=None):
        super().__init__(status)
        self.status, self.descriptions, self.headers = status, descriptions, headers or {}


def _fmt() -> str:
    return "json" if request.path.endswith(".json") else "xml"


def _locale() -> str:
    if "open311_locale" not in g:
        g.open311_locale = parse_locale(request.args.get("locale")) or current_locale()
    return g.open311_locale


def open311_view(view):
    """Resolve `locale` (names and messages); errors propagate to the handlers below, so the
    request's unit of work rolls back."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        with force_locale(_locale()):
            return view(*args, **kwargs)
    return wrapper


def _errors(status, descriptions):
    """The error list in the requested format and locale."""
    with force_locale(_locale()):
        return render_errors(_fmt(), status, [str(d) for d in descriptions])


@bp.errorhandler(Open311Error)
def _open311_error(exc):
    response = _errors(exc.status, exc.descriptions)
    response.headers.update(exc.headers)
    return response


@bp.errorhandler(Open311Invalid)
def _open311_invalid(exc):
    return _errors(400, exc.descriptions)


@bp.errorhandler(IdempotencyKeyInvalid)
def _idempotency_key_invalid(exc):
    with force_locale(_locale()):
        return _errors(400, [f"Idempotency-Key: {exc.message}"])


@bp.errorhandler(IdempotencyConflict)
def _idempotency_conflict(_exc):
    # Generic on purpose: nothing about the request the key names.
    with force_locale(_locale()):
        return _errors(409, [_("This Idempotency-Key was already used for a different "
                               "submission.")])


@bp.before_request
def _refuse_nul():
    values = [*request.args.values(), *(request.view_args or {}).values()]
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        values += list(request.form.values())
    if has_nul(values):  # PostgreSQL text cannot hold NUL, even in a lookup
        with force_locale(parse_locale(request.args.get("locale")) or current_locale()):
            return render_errors(_fmt(), 400, [_("The request contains a NUL character.")])
    return None


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(_exc):
    """429 as Open311's error list, with Retry-After."""
    with force_locale(parse_locale(request.args.get("locale")) or current_locale()):
        message, wait = rate_limited_message()
        response = render_errors(_fmt(), 429, [str(message)])
    response.headers["Retry-After"] = str(wait)
    return response


@bp.record_once
def _register_error_format(state):
    """Errors under /open311/ in the specification's format, also where no route matched."""
    register_error_renderer(state.app, "/open311/", _http_error)


@bp.errorhandler(HTTPException)
def _http_error(exc):
    description = {413: _("The request is too large."),
                   405: _("This method is not allowed here.")}.get(
        exc.code, _("The request could not be understood."))
    response = render_errors(_fmt(), exc.code or 400, [str(description)])
    for name, value in exc.get_headers():  # Allow on 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _extensions() -> bool:
    return request.args.get("extensions", "").lower() in ("true", "1")


@bp.get(f"/discovery.{FMT}")
@bp.get(f"/v2/discovery.{FMT}")
@open311_view
def discovery(fmt):
    """Service discovery: where the v2 endpoint is and in which formats."""
    data = {
        "changeset": CHANGESET,
        "contact": _("Yangpu Riverside Residents' Portal, through the operations center."),
        "key_service": _("API keys are issued by the portal's administrators."),
        "endpoints": [{"specification": SPECIFICATION,
                       "url": external_url(".services", fmt=fmt).rsplit("/", 1)[0],
                       "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }
    return render(fmt, "discovery", data)


@bp.get(f"/v2/services.{FMT}")
@open311_view
def services(fmt):
    """Every sub-category as a service, grouped by its top-level dimension."""
    rows = [child for _top, children in category_tree() for child in children]
    return render(fmt, "services", [rep.open311_service(c, g.open311_locale) for c in rows])


@bp.get(f"/v2/services/<service_code>.{FMT}")
@open311_view
def service_definition(service_code, fmt):
    """A service's definition: the attributes (area, kind, title, station, consent)."""
    category = find_service(service_code)
    if category is None:
        raise Open311Error(404, _("No service has the code %(code)s.", code=service_code))
    data = rep.open311_definition(category, reference_rows(Area), reference_rows(Station),
                                  g.open311_locale)
    return render(fmt, "service_definition", data)


def _parse_date(name):
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a W3C date and time, e.g. "
                                  "2026-11-05T08:15:30+08:00.", name=name)) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    if not aware_in_range(value):  # 0001-01-01 or an offset past 9999 cannot become UTC
        raise Open311Error(400, _("%(name)s must be a date and time between %(start)s and "
                                  "%(end)s.", name=name, start=DATE_MIN.isoformat(),
                                  end=DATE_MAX.isoformat()))
    return value


def _int_param(name, default, maximum):
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(400, _("%(name)s must be a whole number from 1 to %(n)d.",
                                  name=name, n=maximum))
    return int(raw)


def _split(name):
    return [v.strip() for v in request.args.get(name, "").split(",") if v.strip()][:100]


def _request_ids() -> list:
    """The ids asked for in one query (`service_request_id=a,b,c`), all of them."""
    return [v.strip() for v in request.args.get("service_request_id", "").split(",")
            if v.strip()]


@bp.get(f"/v2/requests.{FMT}")
@tracking_lookup(exempt_when=lambda: not _request_ids(),
                 cost=lambda: max(1, min(len(_request_ids()), MAX_IDS + 1)))
@open311_view
def list_requests(fmt):
    """Service requests: by id (tracking codes or public ids), or published ones by filters."""
    locale, extensions = g.open311_locale, _extensions()
    ids = _request_ids()
    if len(ids) > MAX_IDS:
        raise Open311Error(400, _("Ask for at most %(n)d service_request_id values at once.",
                                  n=MAX_IDS))
    if ids:  # the specification: this overrides every other argument
        found = [find_service_request(i) for i in ids]
        note_lookup_misses(sum(1 for s, _by_code in found if s is None))
        items = [rep.open311_request(s, by_code=by_code, locale=locale, extensions=extensions)
                 for s, by_code in found if s is not None]
        return render(fmt, "service_requests", items)
    statuses = _split("status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _("status must be open, closed or both (comma-separated)."))
    start, end = _parse_date("start_date"), _parse_date("end_date")
    page = _int_param("page", 1, 100000)
    page_size = _int_param("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    pagination = open311_requests(service_codes=_split("service_code"), statuses=statuses,
                                  start=start, end=end, page=page, page_size=page_size)
    items = [rep.open311_request(s, by_code=False, locale=locale, extensions=extensions)
             for s in pagination.items]
    return render(fmt, "service_requests", items)


@bp.get(f"/v2/requests/<request_id>.{FMT}")
@tracking_lookup
@open311_view
def get_request(request_id, fmt):
    """One service request, as a list of one (as the specification shows it)."""
    submission, by_code = find_service_request(request_id)
    if submission is None:
        raise Open311Error(404, _("No service request has the id %(id)s.", id=request_id))
    return render(fmt, "service_requests", [rep.open311_request(
        submission, by_code=by_code, locale=g.open311_locale, extensions=_extensions())])


@bp.get(f"/v2/tokens/<token>.{FMT}")
@tracking_lookup
@open311_view
def token(token, fmt):
    """A token's service request id (requests are created in real time: the token is the
    tracking code, and so is the id)."""
    submission, by_code = find_service_request(token)
    if submission is None or not by_code:
        raise Open311Error(404, _("No service request has the token %(token)s.", token=token))
    return render(fmt, "service_requests",
                  [{"service_request_id": submission.code, "token": submission.code}])


@bp.post(f"/v2/requests.{FMT}")
@limit_per_api_key(rate_limit_value, key_func=rate_limit_key)
@open311_view
def create_request(fmt):
    """Create a service request (an API key is required): a submission like any other."""
    if request.mimetype not in FORM_TYPES:
        raise Open311Error(400, _("Send the request form-encoded "
                                  "(application/x-www-form-urlencoded or multipart/form-data)."))
    client = current_api_key()
    if client is None:
        raise Open311Error(403, _("A valid api_key is required to create a service request."))
    creation = submit_from_open311(
        request.form.to_dict(), [f.read() for f in request.files.getlist("media") if f.filename],
        client=client, idempotency_key=request.headers.get("Idempotency-Key"),
        language=g.open311_locale)
    submission = creation.submission
    notice = _("Your tracking code is %(code)s.", code=submission.display_code)
    return render(fmt, "service_requests", [{"service_request_id": submission.code,
                                             "service_notice": notice, "account_id": None}], 201)


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@open311_view
def not_found(rest):
    """Anything else under /open311/: 404 (or 405) in the specification's error format."""
    adapter = current_app.url_map.bind("")
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _args = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        allow = ", ".join(sorted({*allowed, *(["HEAD"] if "GET" in allowed else []), "OPTIONS"}))
        raise Open311Error(405, _("This method is not allowed here."), headers={"Allow": allow})
    raise Open311Error(404, _("There is no such Open311 resource."))
