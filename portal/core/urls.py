"""URLs: absolute ones handed out (API links, Location, QR codes), from PORTAL_BASE_URL when set;
and a list's links to the same kind of page, built from one route."""
import re

from flask import current_app, url_for
from werkzeug.routing import BuildError


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint`: PORTAL_BASE_URL plus the path when it is set, so a
    forged Host or X-Forwarded-Proto header cannot change it; otherwise the request's own."""
    base = current_app.config.get("PORTAL_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


# Stand for the varying value in the one URL built (a route taking text, or only numbers).
_TEXT_PLACEHOLDER, _NUMBER_PLACEHOLDER = "Zq0Xv7Wk3J", 7392014658
_VERBATIM = re.compile(r"[A-Za-z0-9_-]+")  # text a URL's path and query carry as it is


def url_for_each(endpoint: str, name: str, **values):
    """A function giving `url_for(endpoint, **values, name=value)` for any value, which builds
    the route once: a list links each of its rows to the same kind of page (a search page
    twenty results, each with two links), and building a route costs more than the rest of a
    link. Values a URL would quote or a route would refuse go through `url_for` each time."""
    def built(value) -> str:
        return url_for(endpoint, **values, **{name: value})

    for placeholder, verbatim in ((_TEXT_PLACEHOLDER, _verbatim_text),
                                  (_NUMBER_PLACEHOLDER, _verbatim_number)):
        try:
            before, found, after = built(placeholder).partition(str(placeholder))
        except (BuildError, ValueError):
            continue
        if found and str(placeholder) not in after:
            return lambda value: f"{before}{value}{after}" if verbatim(value) else built(value)
    return built


def _verbatim_text(value) -> bool:
    return (type(value) is int and value >= 0) or (
        type(value) is str and _VERBATIM.fullmatch(value) is not None)


def _verbatim_number(value) -> bool:
    return type(value) is int and value >= 0
