"""Error pages: HTML in the visitor's language, JSON under /api/ and /open311/; never a trace."""
from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from portal.core.i18n import _l
from portal.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you "
                                "entered and try again.")),
    401: (_l("Sign-in needed"), _l("Please sign in to see this page.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address. Check the link or start "
                                   "again from the home page.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Upload too large"), _l("What you sent is too large. Photos may be at most 10 MB "
                                     "each, and 3 at most. Please go back and choose smaller "
                                     "photos.")),
    415: (_l("Unsupported format"), _l("This kind of content is not accepted here.")),
    422: (_l("Cannot process"), _l("Some of what you sent is not valid.")),
    429: (_l("Too many requests"), _l("You have sent too many requests. Please wait a moment "
                                      "and try again.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. Nothing you sent was "
                                         "half-stored; please try again in a moment.")),
}
CSRF_MESSAGE = _l("This form has expired or was sent from elsewhere. Please go back, reload the "
                  "page and send it again; what you typed may still be there.")


def wants_json() -> bool:
    """JSON under /api/ and /open311/, and for any client that sends JSON or prefers it."""
    if request.path.startswith(("/api/", "/open311/")) or request.is_json:
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def error_response(status: int, message=None, code=None, fields=None):
    """One error shape: {"error": {code, message, fields}} for machines, a page for people."""
    title, default_message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    message = str(message or default_message)
    if wants_json():
        body = {"error": {"code": code or str(status), "message": message,
                          "fields": fields or {}}}
        return jsonify(body), status
    return render_template("core/error.html", status=status, title=title,
                           message=message), status


def register_error_renderer(app, prefix: str, render) -> None:
    """`render(exc)` answers every HTTP error under `prefix`, also when no route matched there
    (a protocol with an error format of its own, such as Open311's)."""
    app.extensions.setdefault("portal_error_renderers", {})[prefix] = render


def handle_http_exception(exc: HTTPException):
    for prefix, render in current_app.extensions.get("portal_error_renderers", {}).items():
        if request.path.startswith(prefix):
            return render(exc)
    response_body, status = error_response(exc.code or 500, getattr(exc, "portal_message", None))
    # The exception's own headers carry meaning: Allow on 405, Retry-After on 429 and 503.
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if exc.code == 429 and getattr(exc, "retry_after", None) and not any(
            k.lower() == "retry-after" for k, _v in headers):
        headers.append(("Retry-After", str(exc.retry_after)))
    return response_body, status, headers


def handle_csrf_error(_exc: CSRFError):
    return error_response(400, CSRF_MESSAGE, code="csrf")


def handle_untrusted_host(_exc: SecurityError):
    """A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either."""
    return "Unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def register_error_handlers(app) -> None:
    """Attach the handlers to the app."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
