"""Absolute URLs handed out (API links, Location, QR codes): from PORTAL_BASE_URL when set."""
from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint`: PORTAL_BASE_URL plus the path when it is set, so a
    forged Host or X-Forwarded-Proto header cannot change it; otherwise the request's own."""
    base = current_app.config.get("PORTAL_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
