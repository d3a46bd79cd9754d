"""The guard on every view that finds a submission by its tracking code (web, API, Open311).

A tracking code shows the resident's own text to whoever holds it, so codes must not be checked
in bulk: every such view shares one rate limit per client address (counted across workers by
the limiter's storage), and every lookup that finds nothing is counted for the dashboard. The
guard sits outside any page cache, so cached answers are limited and counted too.
"""
from functools import wraps

from flask import g, make_response
from werkzeug.exceptions import NotFound

from portal.core.ratelimit import client_address, limit_tracking_lookups
from portal.submissions.tracking import record_lookup_misses


def note_lookup_misses(count: int = 1) -> None:
    """Count codes this request looked up and did not find (a view answering several)."""
    g.tracking_misses = g.get("tracking_misses", 0) + count


def tracking_lookup(view=None, **limit_options):
    """Decorate a view that looks a submission up by tracking code; `limit_options` go to the
    limiter (`cost` for a request with several codes, `exempt_when` for one without any)."""
    def decorate(function):
        @wraps(function)
        def guarded(*args, **kwargs):
            g.tracking_misses = 0
            not_found = False
            try:
                response = make_response(function(*args, **kwargs))
                not_found = response.status_code == 404
                return response
            except Exception as exc:
                # abort(404), or a channel's own "not found" error (Open311's) on its way to
                # that channel's error handler.
                not_found = isinstance(exc, NotFound) or getattr(exc, "status", None) == 404
                raise
            finally:
                misses = max(g.tracking_misses, 1 if not_found else 0)
                if misses:
                    record_lookup_misses(client_address(), misses)
        return limit_tracking_lookups(**limit_options)(guarded)
    return decorate(view) if view is not None else decorate
