"""Template helpers: locale switch links, localized names, dates and numbers."""
from datetime import UTC, datetime
from functools import lru_cache

from babel.dates import (
    format_date,
    format_time,
    get_datetime_format,
    get_time_format,
    tokenize_pattern,
)
from flask import request, url_for
from flask_babel import format_datetime as flask_format_datetime
from flask_babel import format_decimal, get_timezone

from portal.core.i18n import (
    HTML_LANG,
    LOCALE_LABELS,
    LOCALES,
    current_locale,
    get_locale,
    install_template_gettext,
    localized,
)
from portal.core.text import to_traditional
from portal.core.urls import url_for_each

NAMED_FORMATS = ("short", "medium", "long", "full")


def url_for_locale(locale: str) -> str:
    """The current page's URL with `lang` set to another locale."""
    args = dict(request.view_args or {})
    args.update(request.args.to_dict())
    args["lang"] = locale
    endpoint = request.endpoint or "submissions.home"
    try:
        return url_for(endpoint, **args)
    except Exception:  # noqa: BLE001  (whatever stops the URL being rebuilt: link home)
        # e.g. an error page for a URL that matched no route must not fail a second time
        return url_for("submissions.home", lang=locale)


def template_globals() -> dict:
    """Context processor: what every template may use."""
    locale = current_locale()
    return {"current_locale": locale, "html_lang": HTML_LANG[locale], "LOCALES": LOCALES,
            "LOCALE_LABELS": LOCALE_LABELS, "url_for_locale": url_for_locale}


def format_moment(value, fmt: str = "medium") -> str:
    """A datetime (or its ISO text, as kept in JSON) in the reader's time zone and locale:
    Flask-Babel's format_datetime, the same text."""
    return moment_formatter(fmt)(value) if value else ""


def moment_formatter(fmt: str = "medium"):
    """`format_moment` for one format, with the reader's locale and time zone looked up once:
    for a list formatting a date per row."""
    locale, zone = str(get_locale()), get_timezone()
    joined = _joined_pattern(fmt, locale)
    seconds = _shows_seconds(fmt, locale) if joined is not None else False

    def formatted(value) -> str:
        if not value:
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if joined is None:
            return _formatted_moment(moment, fmt, locale, str(zone))
        local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
        shown = local.time().replace(microsecond=0, tzinfo=None)
        if not seconds:
            shown = shown.replace(second=0)
        # Babel's own order: the time replaces {0}, then the date {1}.
        return joined.replace("{0}", _formatted_time(shown, fmt, locale)).replace(
            "{1}", _formatted_date(local.date(), fmt, locale))
    return formatted


# A list shows dates of many different submissions (a search page twenty new ones each time),
# and Babel's formatting costs more than the rest of a row. A named format is Babel's date text
# and time text put into the locale's pattern, so each is kept apart: a few hundred dates and
# at most 86,400 times of day, where whole moments would rarely repeat.
ZONE_FIELDS = frozenset("zZvVOxX")
SECOND_FIELDS = frozenset("sSA")


def _time_fields(fmt: str, locale: str) -> frozenset:
    return frozenset(value[0] for kind, value in tokenize_pattern(
        get_time_format(fmt, locale=locale).pattern) if kind == "field")


@lru_cache(maxsize=64)
def _joined_pattern(fmt: str, locale: str) -> str | None:
    """The locale's pattern joining date ({1}) and time ({0}) for a named format, or None
    when the time shows a zone (its name can change with the date) or the format is a
    pattern of its own."""
    if fmt not in NAMED_FORMATS or _time_fields(fmt, locale) & ZONE_FIELDS:
        return None
    return get_datetime_format(fmt, locale=locale).replace("'", "")


@lru_cache(maxsize=64)
def _shows_seconds(fmt: str, locale: str) -> bool:
    return bool(_time_fields(fmt, locale) & SECOND_FIELDS)


@lru_cache(maxsize=4096)
def _formatted_date(day, fmt: str, locale: str) -> str:
    return format_date(day, fmt, locale=locale)


@lru_cache(maxsize=8192)
def _formatted_time(moment_of_day, fmt: str, locale: str) -> str:
    return format_time(moment_of_day, fmt, locale=locale)


@lru_cache(maxsize=2048)
def _formatted_moment(moment, fmt: str, locale: str, zone: str) -> str:
    """Flask-Babel's format_datetime; locale and zone are the request's, named for the key."""
    return flask_format_datetime(moment, fmt)


def format_number(value) -> str:
    """A count or figure in the reader's locale (Flask-Babel's format_decimal)."""
    return _formatted_number(value, str(get_locale()))


# A search page shows up to 90 counts; Babel parses the locale's pattern on every call.
@lru_cache(maxsize=8192)
def _formatted_number(value, locale: str) -> str:
    """Flask-Babel's format_decimal; the locale is the request's, named for the key."""
    return format_decimal(value)


def register_template_helpers(app) -> None:
    """Filters and globals for every template."""
    install_template_gettext(app)  # after Flask-Babel's own, which it replaces
    app.context_processor(template_globals)
    app.add_template_filter(lambda obj, field: localized(obj, field), "localized")
    app.add_template_filter(format_moment, "datetime")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(to_traditional, "traditional")
    app.add_template_global(url_for_each)


def compile_templates(app) -> list:
    """Compile every template now; returns their names.

    The web server calls this before it forks its workers (gunicorn.conf.py): each worker then
    shares the compiled code instead of compiling a template the first time a request uses it
    (tens of milliseconds for a page and its macros, on that request).
    """
    env = app.jinja_env
    names = env.list_templates(filter_func=lambda name: not name.startswith("."))
    for name in names:
        env.get_template(name)
    return names
