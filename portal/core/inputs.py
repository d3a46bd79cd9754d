"""Bounds on what a request can carry: route converters, strict numbers, dates, JSON bodies.

A value a database column cannot hold (an integer past 64 bits, a NUL in text, a year the
time-zone arithmetic overflows on) is refused where it enters, with a 4xx, never passed on to
fail as a 5xx deep inside a query.
"""
import builtins
import math
import re
from datetime import UTC, date, datetime

from flask import current_app, request
from werkzeug.exceptions import BadRequest, RequestURITooLarge, UnsupportedMediaType
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from portal.core.i18n import _

# The ids and counts are INTEGER columns: 32-bit signed on PostgreSQL, which refuses a query that
# binds a larger number to them (SQLite would hold 64 bits, but one bound serves both).
DB_INT_MIN, DB_INT_MAX = -(2 ** 31), 2 ** 31 - 1
MAX_PAGE = 100000
# The longest URL accepted: gunicorn's own request-line limit, so tests answer as production.
MAX_URL_LENGTH = 4094
SEGMENT_MAX = 256  # a path part: tracking codes, tokens and photo names are far shorter
# Dates searched and filtered on: far from both ends of what datetime (and an offset) can hold.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(9000, 12, 31)
CONTROL = re.compile("[\x00-\x1f\x7f]")
# ASCII only: sign, digits, one dot, exponent. float() also takes "3_1", "٣", "inf" and "nan".
NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?"
NUMBER = re.compile(f"^{NUMBER_PATTERN}$")
INTEGER = re.compile(r"^[+-]?[0-9]{1,19}$")


class BadParameter(BadRequest):
    """A query or form value out of bounds; `description` is shown (translated) to the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.portal_message = message


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` for ids: ASCII digits only, within a signed 32-bit column, else 404."""

    regex = r"[0-9]+"  # Werkzeug's \d+ also matches "٣" and other Unicode digits

    def __init__(self, url_map, fixed_digits=0, min=DB_INT_MIN, max=DB_INT_MAX, signed=False):
        low, high = (DB_INT_MIN if min is None else min), (DB_INT_MAX if max is None else max)
        super().__init__(url_map, fixed_digits=fixed_digits, min=builtins.max(low, DB_INT_MIN),
                         max=builtins.min(high, DB_INT_MAX), signed=signed)

    def to_python(self, value):
        if len(value) > 20:  # far longer than any id: no need to convert it
            raise ValidationError()
        return super().to_python(value)


class TextSegmentConverter(UnicodeConverter):
    """The default `<name>` converter: bounded length, no control characters (NUL, CR LF)."""

    def __init__(self, url_map, minlength=1, maxlength=SEGMENT_MAX, length=None):
        super().__init__(url_map, minlength=minlength, maxlength=maxlength, length=length)

    def to_python(self, value):
        if CONTROL.search(value):
            raise ValidationError()
        return value


def register_converters(app) -> None:
    """Replace Werkzeug's converters app-wide (before any blueprint adds its rules)."""
    converters = app.url_map.converters
    converters["int"] = DatabaseIntConverter
    converters["default"] = converters["string"] = TextSegmentConverter
    # `<path:…>` stays Werkzeug's: static files and Open311's catch-all, which answers anything
    # else under /open311/ (NUL included) in the specification's error format; neither reaches
    # the database, and the whole URL is bounded (MAX_URL_LENGTH).


def strict_number(value):
    """A finite float from a JSON number or an ASCII decimal string; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not NUMBER.match(value):
            return None
    elif not isinstance(value, (int, float)):
        return None
    try:
        result = float(value)
    except (OverflowError, ValueError):
        return None
    return result if math.isfinite(result) else None


def strict_int(value, *, minimum=DB_INT_MIN, maximum=DB_INT_MAX):
    """An int from a JSON integer or ASCII digits within [minimum, maximum]; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not INTEGER.match(value.strip()):
            return None
        value = int(value)
    if not isinstance(value, int) or not minimum <= value <= maximum:
        return None
    return value


def database_id(value) -> int:
    """A form's id field (WTForms `coerce`): ASCII digits an id column can hold, else ValueError."""
    result = strict_int(value, minimum=1) if isinstance(value, (str, int)) else None
    if result is None:
        raise ValueError("not an id")
    return result


def page_arg(name="page"):
    """A page's number from the query string: 1 unless it is a number, 400 past MAX_PAGE."""
    raw = (request.args.get(name) or "").strip()
    if not re.fullmatch(r"[+-]?[0-9]+", raw):
        return 1  # pages forgive a mangled link: the first page
    if int(raw) > MAX_PAGE:
        raise BadParameter(_("The page number must be a whole number from 1 to %(n)d.",
                             n=MAX_PAGE))
    return max(1, int(raw))


def counted_arg(name: str, default: int, maximum: int, fields: dict) -> int:
    """A count from the query string (an API's page or page size): ASCII digits from 1 to
    `maximum`; otherwise the default, with the reason put in `fields` under the name."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        fields[name] = _("Give a whole number from 1 to %(n)d.", n=maximum)
        return default
    return int(raw)


def in_date_range(value) -> bool:
    """True for a date or datetime whose day (in any time zone) lies within DATE_MIN..MAX."""
    day = value.date() if isinstance(value, datetime) else value
    return DATE_MIN <= day <= DATE_MAX


def date_range_message():
    return _("Give a date between %(start)s and %(end)s.", start=DATE_MIN.isoformat(),
             end=DATE_MAX.isoformat())


def aware_in_range(value: datetime) -> bool:
    """A time-zone-aware datetime within the date range that can be moved to UTC."""
    if not in_date_range(value):
        return False
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _strings(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _holds_nul() -> bool:
    """Whether a query value, form value or JSON string of this request holds a NUL."""
    values = [v for values in request.args.listvalues() for v in values]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if request.is_json:
            values += _strings(request.get_json(silent=True))
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [v for values in request.form.listvalues() for v in values]
    return any("\x00" in value for value in values)


def check_request_shape():
    """before_request: refuse over-long URLs (414), JSON posted to an HTML form (415), and a NUL
    in any value (400: PostgreSQL text cannot hold one, not even in a lookup)."""
    if len(request.full_path) > MAX_URL_LENGTH:
        raise RequestURITooLarge()
    # The API and Open311 refuse NUL in their own error shapes.
    if not request.path.startswith(("/api/", "/open311/")) and _holds_nul():
        raise BadParameter(_("What you sent contains a character that cannot be stored (NUL). "
                             "Please remove it and try again."))
    if request.is_json and request.method not in ("GET", "HEAD", "OPTIONS"):
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if not (request.path.startswith(("/api/", "/open311/"))
                or getattr(view, "portal_reads_json", False)):
            # Forms read JSON as their data: numbers and objects where text belongs.
            raise UnsupportedMediaType()


def reads_json(view):
    """Mark a view outside /api/ that reads a JSON body (a kiosk's fetch)."""
    view.portal_reads_json = True
    return view
