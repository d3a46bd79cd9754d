"""Rate limits (Flask-Limiter), counted across every gunicorn worker.

With `PORTAL_REDIS_URL` the counters live in Redis. Otherwise they live in a small table of our
own database (`DatabaseStorage`), because Flask-Limiter's memory storage counts per process:
four workers would allow four times the limit. `PORTAL_RATE_LIMITS=off` disables limits.

Every public POST (the web forms) is limited per client address by default. Features limit
their own routes with `limit_per_ip`, `limit_per_kiosk` or `limit_per_api_key`; every lookup by
tracking code shares one budget per address (`limit_tracking_lookups`). On SQLite the
counters live in a database file of their own beside the portal's (see _sqlite_counter_engine).
"""
import hashlib
import hmac
import itertools
import time
from pathlib import Path

from flask import current_app, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from limits.storage import Storage
from sqlalchemy import case, create_engine, delete, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from portal.core.i18n import _
from portal.core.models import RateLimitCounter
from portal.extensions import db, limiter

# Paths whose POSTs are not counted by the default per-address limit (staff pages are behind a
# login; the API and kiosks are limited per key or device by their own decorators).
EXEMPT_PREFIXES = ("/staff/", "/api/", "/open311/", "/kiosk/", "/static/")
LIMITED_STAFF_PATHS = ("/staff/login",)


_ENGINES = {}  # name -> SQLAlchemy engine, for DatabaseStorage URIs


class DatabaseStorage(Storage):
    """A `limits` storage over the portal's database (`portaldb://`), shared by all workers.

    Each call runs in its own short transaction on its own connection, so counts are committed
    at once and never rolled back with the request.
    """

    STORAGE_SCHEME = ["portaldb"]
    CLEANUP_EVERY = 200  # calls between deletions of expired counters

    def __init__(self, uri=None, wrap_exceptions=False, engine=None, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # The URI names a registered engine: "portaldb://<name>" (see init_rate_limits).
        self.engine = engine or _ENGINES[(uri or "").split("://", 1)[-1]]
        self.table = RateLimitCounter.__table__
        self._calls = itertools.count(1)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _insert(self):
        dialect = sqlite if self.engine.dialect.name == "sqlite" else postgresql
        return dialect.insert(self.table)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        c = self.table.c
        statement = self._insert().values(key=key, count=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(
            index_elements=[c.key],
            set_={"count": case((c.expires_at <= now, amount), else_=c.count + amount),
                  "expires_at": case((c.expires_at <= now, now + expiry), else_=c.expires_at)},
        ).returning(c.count)
        with self.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if next(self._calls) % self.CLEANUP_EVERY == 0:
                connection.execute(delete(self.table).where(c.expires_at < now))
        return count

    def get(self, key: str) -> int:
        c = self.table.c
        with self.engine.connect() as connection:
            value = connection.execute(select(c.count).where(
                c.key == key, c.expires_at > time.time())).scalar()
        return value or 0

    def get_expiry(self, key: str) -> float:
        c = self.table.c
        with self.engine.connect() as connection:
            value = connection.execute(select(c.expires_at).where(c.key == key)).scalar()
        return value if value is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self):
        with self.engine.begin() as connection:
            return connection.execute(delete(self.table)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(self.table).where(self.table.c.key == key))


def client_address() -> str:
    """The client's address (ProxyFix has already applied the trusted X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def address_hash(address: str) -> str:
    """A client address as stored for monitoring: an HMAC with the secret key, never the IP.

    Keyed, so the hashes cannot be reversed by hashing all 2^32 IPv4 addresses.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()[:32]


def address_key() -> str:
    """Key for a limit per client address."""
    return f"ip:{client_address()}"


def _kiosk_limits() -> str:
    return current_app.config.get("PORTAL_RATE_LIMIT_KIOSK") or "20 per minute;200 per hour"


def _api_limits() -> str:
    return current_app.config.get("PORTAL_RATE_LIMIT_API") or "60 per minute;1000 per hour"


def _tracking_limits() -> str:
    return current_app.config.get("PORTAL_RATE_LIMIT_TRACKING") or "30 per minute;300 per hour"


def limit_per_ip(rate, **options):
    """Decorator: at most `rate` (e.g. "5 per minute", or a callable) per client address."""
    return limiter.limit(rate, key_func=address_key, **options)


def limit_per_kiosk(rate=_kiosk_limits, *, key_func, **options):
    """Decorator: at most `rate` per kiosk device (default PORTAL_RATE_LIMIT_KIOSK); `key_func`
    names the device (the kiosk feature knows how)."""
    return limiter.limit(rate, key_func=key_func, **options)


def limit_per_api_key(rate=_api_limits, *, key_func, **options):
    """Decorator: at most `rate` per API client (default PORTAL_RATE_LIMIT_API); `key_func`
    names the client (the API feature knows how)."""
    return limiter.limit(rate, key_func=key_func, **options)


def limit_tracking_lookups(**options):
    """Decorator: lookups by tracking code, at most PORTAL_RATE_LIMIT_TRACKING per client
    address, one budget shared by every route that looks a code up (page, API, Open311)."""
    return limiter.shared_limit(_tracking_limits, scope="tracking", key_func=address_key,
                                **options)


def _exempt_from_default() -> bool:
    """Only POSTs to public pages (and the staff sign-in) count against the default limit."""
    if request.method != "POST":
        return True
    if request.path in LIMITED_STAFF_PATHS:
        return False
    return request.path.startswith(EXEMPT_PREFIXES)


def _form_limits() -> str:
    return current_app.config.get("PORTAL_RATE_LIMIT_FORMS") or "10 per minute;60 per hour"


def rate_limited_message():
    """(message in the visitor's language, seconds to wait) for the limit just exceeded."""
    current = limiter.current_limit
    wait = max(1, int(current.reset_at - time.time())) if current else 60
    return _("You have sent too many requests. Please wait %(n)d seconds and try again.",
             n=wait), wait


def handle_rate_limited(_exc: RateLimitExceeded):
    """429 in the visitor's language, with Retry-After."""
    from portal.core.errors import error_response

    message, wait = rate_limited_message()
    if request.is_json:  # a script (the kiosk) sent JSON: answer in the same error shape
        body = {"error": {"code": "rate_limited", "message": message, "fields": {}}}
        return jsonify(body), 429, {"Retry-After": str(wait)}
    body, status = error_response(429, message, code="rate_limited")
    return body, status, {"Retry-After": str(wait)}


def _sqlite_counter_engine(path: Path):
    """On SQLite the counters get a database file of their own beside the portal's.

    SQLite has one write lock per file. A limit checked after the request has begun a write
    transaction (a decorated view runs after its blueprint's before_request, which may read the
    database under BEGIN IMMEDIATE) would wait for the request's own lock. A separate file keeps
    the counters shared by every worker on the host without that wait.
    """
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 5})

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    RateLimitCounter.__table__.create(engine, checkfirst=True)
    return engine


def init_rate_limits(app) -> None:
    """Configure and bind the limiter: Redis, or the database shared by all workers."""
    config = app.config
    config.setdefault("RATELIMIT_ENABLED",
                      str(config.get("PORTAL_RATE_LIMITS", "on")).lower() != "off")
    if config.get("PORTAL_REDIS_URL"):
        config.setdefault("RATELIMIT_STORAGE_URI", config["PORTAL_REDIS_URL"])
    else:
        with app.app_context():
            engine = db.engine
        if engine.dialect.name == "sqlite":
            engine = _sqlite_counter_engine(Path(config["PORTAL_DATA_DIR"]) / "ratelimit.sqlite")
        name = hashlib.sha256(str(engine.url).encode()).hexdigest()[:16]
        _ENGINES[name] = engine
        config.setdefault("RATELIMIT_STORAGE_URI", f"portaldb://{name}")
    config.setdefault("RATELIMIT_KEY_PREFIX", config.get("PORTAL_RATE_LIMIT_PREFIX", "portal"))
    config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A storage outage must not take the forms down: requests then go through uncounted.
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # A callable, read per request: the limiter object is shared by every app in the process
    # (tests build many), and it keeps the first default it is given.
    config.setdefault("RATELIMIT_DEFAULT", _form_limits)
    config.setdefault("RATELIMIT_DEFAULTS_PER_METHOD", True)
    config.setdefault("RATELIMIT_DEFAULTS_EXEMPT_WHEN", _exempt_from_default)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
