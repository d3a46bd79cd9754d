"""Template helpers: locale switch links, localized names, dates and numbers."""
from datetime import datetime
from functools import lru_cache

from flask import request, url_for
from flask_babel import format_datetime, format_decimal, get_timezone

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
    """A datetime (or its ISO text, as kept in JSON) in the reader's time zone and locale."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return _formatted_moment(moment, fmt, str(get_locale()), str(get_timezone()))


# Lists show the same submissions' dates page after page, and Babel's formatting costs more than
# the rest of a row: each (moment, format, locale, zone) is formatted once per process.
@lru_cache(maxsize=8192)
def _formatted_moment(moment, fmt: str, locale: str, zone: str) -> str:
    """Flask-Babel's format_datetime; locale and zone are the request's, named for the key."""
    return format_datetime(moment, fmt)


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
