"""Who is calling: API keys for client systems, bearer tokens for staff, the rate-limit key.

Request-level helpers shared by the JSON API and Open311 views (services never see `request`).
"""
from functools import wraps

from flask import current_app, g, request

from portal.accounts.tokens import TokenInvalid, TokenRefused, authenticate_token
from portal.api.services import find_api_key
from portal.core.errors import error_response
from portal.core.i18n import _

API_KEY_HEADER = "X-API-Key"


def presented_api_key() -> str:
    """The API key the client sent: the X-API-Key header, or `api_key` (Open311 style)."""
    return (request.headers.get(API_KEY_HEADER) or request.args.get("api_key")
            or (request.form.get("api_key") if request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data") else None) or "")


def current_api_key():
    """The active API key of this request, or None (looked up once per request)."""
    if "api_key" not in g:
        g.api_key = find_api_key(presented_api_key().strip(),
                                 touch=request.method not in ("GET", "HEAD", "OPTIONS"))
    return g.api_key


def rate_limit_key() -> str:
    """The one place that says whom a rate limit counts: the API key, else the client address.

    Flask-Limiter (the staff feature) is meant to use this as `key_func` for the /api/v1 and
    /open311 blueprints, with tighter limits when it returns an address (anonymous clients).
    """
    key = current_api_key()
    return f"api-key:{key.id}" if key is not None else f"ip:{request.remote_addr}"


def is_anonymous_client() -> bool:
    """True when no valid API key was presented (Flask-Limiter may apply tighter limits)."""
    return current_api_key() is None


# Defaults for the two tiers; settings of the same names override them.
ANONYMOUS_LIMIT, KEYED_LIMIT = "20 per hour;5 per minute", "600 per hour;60 per minute"


def rate_limit_value() -> str:
    """The limit for this request, in Flask-Limiter's notation: tighter for anonymous clients.

    For `limiter.limit(rate_limit_value, key_func=rate_limit_key)` on the write endpoints.
    """
    if is_anonymous_client():
        return current_app.config.get("PORTAL_API_ANONYMOUS_LIMIT", ANONYMOUS_LIMIT)
    return current_app.config.get("PORTAL_API_KEYED_LIMIT", KEYED_LIMIT)


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def staff_required(*roles):
    """JSON API views for staff: a live bearer token (401) of a user with one of `roles` (403).

    Expired and revoked tokens get 401 with a message saying so (code `token_expired` or
    `token_revoked`), so that whoever runs the script knows to ask for a new one.
    """
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            presented = bearer_token()
            try:
                user = authenticate_token(presented)
            except TokenRefused as exc:
                message = str(exc) if not isinstance(exc, TokenInvalid) else _(
                    "A valid staff token is needed: send it as “Authorization: Bearer <token>”.")
                response, status = error_response(401, message, code=exc.code)
                # RFC 6750: `error` only when a token was sent.
                challenge = 'Bearer realm="portal"' + (', error="invalid_token"' if presented
                                                       else "")
                return response, status, {"WWW-Authenticate": challenge}
            if not user.has_role(*roles):
                return error_response(403, _("Your role does not allow this."),
                                      code="forbidden")
            g.api_user = user
            return view(*args, **kwargs)
        wrapper.required_roles = roles
        return wrapper
    return decorator


def has_nul(values) -> bool:
    """True when any of the strings holds a NUL character (PostgreSQL text cannot)."""
    return any("\x00" in value for value in values if isinstance(value, str))
