"""Security headers on every response, and no-store for pages that show personal data."""
from functools import wraps

from flask import current_app, make_response, request

# Served only over HTTPS: browsers refuse plain HTTP to this host for a year (subdomains are
# left alone; they may be other services).
HSTS = "max-age=31536000"
DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CSP_EXTENSION = "portal.csp"


def _policy(extra: dict) -> str:
    return "; ".join(" ".join([name, *sources, *extra.get(name, [])])
                     for name, sources in DIRECTIVES.items())


CONTENT_SECURITY_POLICY = _policy({})


def allow_csp_sources(app, directive: str, sources) -> None:
    """Let a feature add exact sources to one directive (the map's tile server to img-src)."""
    if directive not in DIRECTIVES:
        raise ValueError(f"unknown CSP directive {directive!r}")
    extra = app.extensions.setdefault(CSP_EXTENSION, {"sources": {}, "policy": ""})
    extra["sources"].setdefault(directive, []).extend(sources)
    extra["policy"] = _policy(extra["sources"])


def apply_security_headers(response):
    """after_request hook: CSP without inline script, no sniffing, no framing."""
    headers = response.headers
    extra = current_app.extensions.get(CSP_EXTENSION)
    headers.setdefault("Content-Security-Policy",
                       extra["policy"] if extra else CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("PORTAL_HTTPS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    # Pages vary with the language cookie and Accept-Language.
    headers.add("Vary", "Cookie")
    headers.add("Vary", "Accept-Language")
    if request.path.startswith("/staff"):
        headers["Cache-Control"] = "no-store"  # every staff page may show personal data
    return response


def no_store(view):
    """Decorate a view whose page holds personal data: no cache may keep it."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response
    return wrapper
