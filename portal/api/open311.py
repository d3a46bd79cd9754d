"""Open311 GeoReport v2 under /open311/v2: discovery, services, requests, tokens.

Every resource in XML and JSON (`.xml` / `.json`); errors as the specification writes them.
A request has two ids: its tracking code, returned to the client that posted it (it sees the
request as the tracking page shows it), and, once published, a public numeric id under which
everyone sees the moderated text. Only published requests are listed.
"""
from datetime import datetime
from functools import wraps
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, request
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException

from portal.api import representations as rep
from portal.api.auth import current_api_key, has_nul, rate_limit_key, rate_limit_value
from portal.api.open311_format import render, render_errors
from portal.api.services import find_service, find_service_request, open311_requests, reference_rows
from portal.core.errors import register_error_renderer
from portal.core.inputs import DATE_MAX, DATE_MIN, aware_in_range
from portal.core.ratelimit import limit_per_api_key
from portal.core.text import has_content
from portal.core.urls import external_url
from portal.extensions import db
from portal.i18n import _, current_locale, parse_locale
from portal.stations.models import Area, Station
from portal.stations.services import category_tree
from portal.submissions.models import KINDS
from portal.submissions.services import (
    IdempotencyConflict, SubmissionInvalid, create_submission)

bp = Blueprint("open311", __name__, url_prefix="/open311")
FMT = "<any(json, xml):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00+08:00"  # when this endpoint's behaviour last changed
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 1000, 1000  # "90 days or first 1000 requests"
TITLE_FROM_DESCRIPTION = 60
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Service field names -> the Open311 parameter a client sent.
PARAMETERS = {"category": "service_code", "area": "attribute[area]", "kind": "attribute[kind]",
              "title": "attribute[title]", "station": "attribute[station]",
              "body": "description", "place": "address_string", "latitude": "lat",
              "name": "first_name", "phone": "phone", "email": "email",
              "consent": "attribute[consent]", "photos": "media"}


class Open311Error(Exception):
    def __init__(self, status, *descriptions, headers=None):
        super().__init__(status)
        self.status, self.descriptions, self.headers = status, descriptions, headers or {}


def _fmt() -> str:
    return "json" if request.path.endswith(".json") else "xml"


def open311_view(view):
    """Resolve `locale` (names and messages) and answer errors in the requested format."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        locale = parse_locale(request.args.get("locale")) or current_locale()
        g.open311_locale = locale
        with force_locale(locale):
            try:
                return view(*args, **kwargs)
            except Open311Error as exc:
                db.session.rollback()
                response = render_errors(kwargs.get("fmt") or _fmt(), exc.status,
                                         [str(d) for d in exc.descriptions])
                response.headers.update(exc.headers)
                return response
    return wrapper


@bp.before_request
def _refuse_nul():
    values = [*request.args.values(), *(request.view_args or {}).values()]
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        values += list(request.form.values())
    if has_nul(values):  # PostgreSQL text cannot hold NUL, even in a lookup
        with force_locale(parse_locale(request.args.get("locale")) or current_locale()):
            return render_errors(_fmt(), 400, [_("The request contains a NUL character.")])
    return None


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
        value = value.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
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


@bp.get(f"/v2/requests.{FMT}")
@open311_view
def list_requests(fmt):
    """Service requests: by id (tracking codes or public ids), or published ones by filters."""
    locale, extensions = g.open311_locale, _extensions()
    ids = _split("service_request_id")
    if ids:  # the specification: this overrides every other argument
        found = [find_service_request(i) for i in ids]
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
@open311_view
def get_request(request_id, fmt):
    """One service request, as a list of one (as the specification shows it)."""
    submission, by_code = find_service_request(request_id)
    if submission is None:
        raise Open311Error(404, _("No service request has the id %(id)s.", id=request_id))
    return render(fmt, "service_requests", [rep.open311_request(
        submission, by_code=by_code, locale=g.open311_locale, extensions=_extensions())])


@bp.get(f"/v2/tokens/<token>.{FMT}")
@open311_view
def token(token, fmt):
    """A token's service request id (requests are created in real time: the token is the
    tracking code, and so is the id)."""
    submission, by_code = find_service_request(token)
    if submission is None or not by_code:
        raise Open311Error(404, _("No service request has the token %(token)s.", token=token))
    return render(fmt, "service_requests",
                  [{"service_request_id": submission.code, "token": submission.code}])


def _title(form, description: str, category) -> str:
    title = " ".join((form.get("attribute[title]") or "").split())
    if title:
        return title
    first = " ".join(description.split())
    if len(first) > TITLE_FROM_DESCRIPTION:
        first = first[:TITLE_FROM_DESCRIPTION].rsplit(" ", 1)[0] + "…"
    return first if len(first) >= 2 else category.name_zh if category else first


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
    form = request.form
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
        raise Open311Error(400, *problems)
    description = form.get("description") or ""
    kind = form.get("attribute[kind]") or "issue"
    name = " ".join(f"{form.get('first_name') or ''} {form.get('last_name') or ''}".split())
    photos = [f.read() for f in request.files.getlist("media") if f.filename][:10]
    key = (request.headers.get("Idempotency-Key") or "").strip()[:80]
    try:
        creation = create_submission(
            kind=kind if kind in KINDS else "", category_code=service_code,
            area_code=form.get("attribute[area]") or "",
            title=_title(form, description, category), body=description, channel="open311",
            language=g.open311_locale, place=address, latitude=lat, longitude=lon,
            station_slug=form.get("attribute[station]") or None,
            contact={"name": name, "phone": form.get("phone") or "",
                     "email": form.get("email") or "",
                     "consent": (form.get("attribute[consent]") or "").lower() == "true"},
            photos=photos, idempotency_key=f"open311:{client.id}:{key}" if key else None,
            screening_context={"channel": "open311", "api_key": client.id})
    except SubmissionInvalid as exc:
        raise Open311Error(400, *[f"{PARAMETERS.get(k, k)}: {v}"
                                  for k, v in exc.errors.items()]) from None
    except IdempotencyConflict:
        raise Open311Error(400, _("This Idempotency-Key was already used for a different "
                                  "submission.")) from None
    db.session.commit()
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
