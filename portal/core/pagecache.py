"""Rendered public pages, kept per process and keyed by the data they show (Flask-Caching).

A public page (home, a published submission, a tracking page, the station list) is the same for
every anonymous visitor who reads it in the same language, until the data behind it changes.
Every change to a submission writes a change-log row in its own transaction, so the newest
change-log id is a version of all submission data, and the newest of those marked public (of
a published submission) a version of all that a page without a tracking code shows. They are
part of the cache keys (a tracking page's key has the first, every other page's the second:
a report waiting for review, or a reminder about it, leaves the home page as it is), and a page
rendered before a change is not served after the change's commit: at once in the process that
committed it, within PORTAL_PAGE_VERSIONS_SECONDS (a tenth of a second) in any other worker or
on any other host, since a busy process reads the versions a few times a second rather than
for every page. Reference data (stations, categories, areas) has a version of its own, the
newest administrator's edit; `flask portal seed` changes it without one, so entries also expire
after PORTAL_PAGE_CACHE_SECONDS.

A page is rendered afresh, and not stored, for a signed-in user, when a flash message waits in
the session, or when the page wrote the session: those hold one person's data. A cached page's
forms carry a placeholder instead of the visitor's CSRF token (`csrf_token()` in its template),
filled in with this visitor's token on every response, cached or not: a search page with
"my problem too" buttons is shared, the tokens in it never are; the same holds for
`form_nonce()`, a form's idempotency key. The cache sits behind the view; the security headers,
the language cookie and Cache-Control are still added to every response by the after-request
hooks.
"""
import math
import secrets
import threading
import time
from functools import wraps

from cachetools import TLRUCache
from flask import current_app, g, request, session
from flask_caching.backends.base import BaseCache
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event

from portal.core.i18n import current_locale
from portal.extensions import db, page_cache

PERSONAL_SESSION_KEYS = ("_user_id", "_flashes")  # signed in; a message waiting


class PageStore(BaseCache):
    """Flask-Caching's store for kept pages (and the figures kept beside them), in this
    process: the least recently served entry leaves first when it is full, and every entry
    after its timeout (cachetools' TLRUCache, a constant cost per entry). A search page with
    new words is stored on nearly every request, and cachelib's SimpleCache, once full, looks
    through all its entries on each store. Values are kept as they are, not copied: pages are
    immutable strings, and the figures are not changed once kept."""

    def __init__(self, threshold: int, default_timeout: int, timer=time.monotonic):
        super().__init__(default_timeout=default_timeout)
        self._entries = TLRUCache(maxsize=threshold, ttu=_expires, timer=timer)
        self._lock = threading.Lock()  # reading an entry reorders the store

    @classmethod
    def factory(cls, app, config, args, kwargs):
        """What Flask-Caching calls with CACHE_TYPE naming this class."""
        return cls(config["CACHE_THRESHOLD"], kwargs["default_timeout"])

    def get(self, key):
        with self._lock:
            kept = self._entries.get(key)
        return kept[0] if kept is not None else None

    def set(self, key, value, timeout=None) -> bool:
        """Keep `value` for `timeout` seconds (None: the default; 0: until it is pushed out)."""
        timeout = self._normalize_timeout(timeout)
        with self._lock:
            self._entries[key] = (value, timeout)
        return True

    def add(self, key, value, timeout=None) -> bool:
        with self._lock:
            if key in self._entries:
                return False
        return self.set(key, value, timeout)

    def delete(self, key) -> bool:
        with self._lock:
            return self._entries.pop(key, None) is not None

    def has(self, key) -> bool:
        with self._lock:
            return key in self._entries

    def clear(self) -> bool:
        with self._lock:
            self._entries.clear()
        return True


def _expires(_key, kept, now) -> float:
    """When a kept (value, timeout) expires."""
    return now + kept[1] if kept[1] > 0 else math.inf


def init_page_cache(app) -> None:
    """Bind the cache: one in-memory store per process (keys carry the data version).
    PORTAL_PAGE_CACHE=0 is honoured per request (`_personal_request`), not here."""
    page_cache.init_app(app, config={
        "CACHE_TYPE": "portal.core.pagecache.PageStore",
        "CACHE_DEFAULT_TIMEOUT": app.config["PORTAL_PAGE_CACHE_SECONDS"],
        "CACHE_THRESHOLD": app.config["PORTAL_PAGE_CACHE_ENTRIES"],
    })
    app.extensions["portal_page_versions"] = []
    app.extensions["portal_page_versions_read"] = None  # (when, versions) last read
    for name, listener in (("after_flush", _note_write), ("after_commit", _forget_versions),
                           ("after_rollback", _forget_write)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    app.extensions["portal_personal_session_keys"] = list(PERSONAL_SESSION_KEYS)
    # Unguessable, so no text a resident wrote can stand for it (it is replaced page-wide).
    app.extensions["portal_csrf_hole"] = f"csrf-{secrets.token_urlsafe(18)}"
    app.extensions["portal_nonce_hole"] = f"nonce-{secrets.token_urlsafe(18)}"
    # Replaces Flask-WTF's `csrf_token` (a global and a context processor; the later wins).
    app.jinja_env.globals["csrf_token"] = csrf_token_or_hole
    app.jinja_env.globals["form_nonce"] = form_nonce_or_hole
    app.context_processor(lambda: {"csrf_token": csrf_token_or_hole})


def note_write(session) -> None:
    """The session wrote something: once committed, data versions may have moved. Flushes note
    it themselves; a service writing rows outside the ORM's flush calls this."""
    session.info["portal_wrote"] = True


def _note_write(session, _flush_context) -> None:
    note_write(session)


def _forget_write(session) -> None:
    session.info.pop("portal_wrote", None)


def _forget_versions(session) -> None:
    """This process committed a write: its next page reads the data versions again, so its own
    changes show at once (other processes' within PORTAL_PAGE_VERSIONS_SECONDS). Read-only
    commits (every page rendered) leave them."""
    if session.info.pop("portal_wrote", False):
        current_app.extensions["portal_page_versions_read"] = None


def csrf_token_or_hole() -> str:
    """`csrf_token()` in templates: the token, or in a cacheable page its placeholder."""
    if g.get("portal_cacheable_page"):
        return current_app.extensions["portal_csrf_hole"]
    return generate_csrf()


def _form_nonce() -> str:
    """A random value, one per response: a form's idempotency key (a retried post repeats it,
    another page view gets another)."""
    if "portal_form_nonce" not in g:
        g.portal_form_nonce = secrets.token_urlsafe(18)
    return g.portal_form_nonce


def form_nonce_or_hole() -> str:
    """`form_nonce()` in templates: this response's nonce, or in a cacheable page its
    placeholder (filled in per response like the CSRF token's)."""
    if g.get("portal_cacheable_page"):
        return current_app.extensions["portal_nonce_hole"]
    return _form_nonce()


def register_page_version(app, statement, *, every_change: bool = False) -> None:
    """Add a one-value SELECT whose result changes whenever public pages may change (with
    `every_change`, only the pages that show unpublished data: tracking pages). All of them
    are asked together, in one statement."""
    app.extensions["portal_page_versions"].append((statement, every_change))
    app.extensions.pop("portal_page_version_query", None)
    app.extensions["portal_page_versions_read"] = None


def data_versions(every_change: bool = True) -> str:
    """The registered versions (without those registered `every_change` unless asked), as read
    at most PORTAL_PAGE_VERSIONS_SECONDS ago by this process and not since any commit of its
    own.

    Reading them costs a third of serving a kept page, and a busy process serves hundreds a
    second: it reads them a few times a second instead. A change committed by this process
    clears what it read (see init_page_cache), so a resident's own change shows on the next
    page; one committed elsewhere shows within that fraction of a second.
    """
    max_age = current_app.config["PORTAL_PAGE_VERSIONS_SECONDS"]
    read = current_app.extensions["portal_page_versions_read"]
    now = time.monotonic()
    if read is None or now - read[0] >= max_age:
        read = (now, *read_data_versions())
        current_app.extensions["portal_page_versions_read"] = read
    return read[1] if every_change else read[2]


def read_data_versions() -> tuple:
    """(all registered versions, those not registered `every_change`), read in one round trip
    on a connection of its own: in autocommit (one statement needs no transaction) and outside
    the ORM session, whose bookkeeping would cost more than the query."""
    registered = current_app.extensions["portal_page_versions"]
    if not registered:
        return "", ""
    query = page_versions_query()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.execute(query).one()
    values = [(str(value or 0), every) for value, (_s, every) in zip(row, registered,
                                                                      strict=True)]
    return (":".join(value for value, _every in values),
            ":".join(value for value, every in values if not every))


def page_versions_query():
    """The one SELECT of every registered version (built once per registration)."""
    query = current_app.extensions.get("portal_page_version_query")
    if query is None:
        registered = current_app.extensions["portal_page_versions"]
        query = db.select(*(statement.scalar_subquery() for statement, _every in registered))
        current_app.extensions["portal_page_version_query"] = query
    return query


def read_version(statement):
    """One version's value (a one-value SELECT), read now as the page versions are: for what a
    process keeps beside its pages, with a freshness of its own."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(statement).scalar()


def register_personal_session_key(app, key: str) -> None:
    """A session key whose presence makes a visitor's pages their own (never shared)."""
    app.extensions["portal_personal_session_keys"].append(key)


def _personal_request() -> bool:
    """True when the page may show something of this visitor's own: never cached then."""
    return (not current_app.config["PORTAL_PAGE_CACHE"]
            or any(key in session
                   for key in current_app.extensions["portal_personal_session_keys"]))


def _page_key(sources, every_change) -> str:
    """The cache key: language, data versions and the whole path with its query string."""
    versions = ":".join([data_versions(every_change), *(str(source()) for source in sources)])
    return f"page:{current_locale()}:{versions}:{request.full_path}"


def _shareable(result) -> bool:
    """Only a plain 200 page that made no token and left the session alone is stored (a form in
    it holds the token's placeholder, see `csrf_token_or_hole`)."""
    return isinstance(result, str) and "csrf_token" not in g and not session.modified


def public_page(view=None, *, versions=(), every_change=False):
    """Decorate a public GET view whose page is the same for every anonymous visitor;
    `versions`: callables for what else this page depends on (the search index);
    `every_change`: the page shows unpublished data too (a tracking page)."""
    def decorate(function):
        @wraps(function)
        def render(*args, **kwargs):
            g.portal_cacheable_page = True  # forms get the token's placeholder
            return function(*args, **kwargs)

        cached = page_cache.cached(make_cache_key=lambda *_args, **_kwargs: _page_key(versions,
                                                                                 every_change),
                                   unless=_personal_request, response_filter=_shareable)(render)

        @wraps(function)
        def serve(*args, **kwargs):
            page = cached(*args, **kwargs)
            hole = current_app.extensions["portal_csrf_hole"]
            if isinstance(page, str) and hole in page:
                page = page.replace(hole, generate_csrf())  # this visitor's own token
            nonce_hole = current_app.extensions["portal_nonce_hole"]
            if isinstance(page, str) and nonce_hole in page:
                page = page.replace(nonce_hole, _form_nonce())
            return page
        return serve
    return decorate(view) if view is not None else decorate
