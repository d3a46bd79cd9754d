"""Settings, read from PORTAL_* environment variables when the app is created (never at import)."""
import os
import secrets
from pathlib import Path

from portal.core.storage import private_dir

ROOT_DIR = Path(__file__).resolve().parent.parent


def _bool(value, default):
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def _secret_key(data_dir: Path) -> str:
    """Read the generated secret from the data directory, creating it (mode 0600) on first use."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(environ=None) -> dict:
    """Build the Flask config dict from the environment (defaults suit a developer machine)."""
    env = os.environ if environ is None else environ
    data_dir = private_dir(Path(env.get("PORTAL_DATA_DIR") or ROOT_DIR / "instance").resolve())
    database_url = env.get("PORTAL_DATABASE_URL") or f"sqlite:///{data_dir / 'portal.db'}"
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; make the plain URL form work too.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    https = _bool(env.get("PORTAL_HTTPS"), False)
    trusted_hosts = [h.strip() for h in env.get("PORTAL_TRUSTED_HOSTS", "").split(",") if h.strip()]
    webhook_secret = env.get("PORTAL_WEBHOOK_SECRET", "")
    return {
        "PORTAL_DATA_DIR": str(data_dir),
        "SECRET_KEY": env.get("PORTAL_SECRET_KEY") or _secret_key(data_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Photos: 3 photos of up to 10 MB each plus the form itself.
        "MAX_CONTENT_LENGTH": int(env.get("PORTAL_MAX_CONTENT_LENGTH", 32 * 1024 * 1024)),
        "PORTAL_MAX_PHOTO_BYTES": int(env.get("PORTAL_MAX_PHOTO_BYTES", 10 * 1024 * 1024)),
        "PORTAL_MAX_IMAGE_PIXELS": int(env.get("PORTAL_MAX_IMAGE_PIXELS", 40_000_000)),
        "PORTAL_UPLOAD_DIR": str(data_dir / "uploads"),
        "PORTAL_INDEX_DIR": env.get("PORTAL_INDEX_DIR") or str(data_dir / "index"),
        "PORTAL_SINK": env.get("PORTAL_SINK", "local"),
        "PORTAL_WEBHOOK_URL": env.get("PORTAL_WEBHOOK_URL", ""),
        "PORTAL_WEBHOOK_SECRET": webhook_secret,
        "PORTAL_PLATFORM_SECRET": env.get("PORTAL_PLATFORM_SECRET") or webhook_secret,
        "PORTAL_AMQP_URL": env.get("PORTAL_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        "PORTAL_AMQP_QUEUE": env.get("PORTAL_AMQP_QUEUE", "incidents"),
        # Relay tuning (docs/forwarding.md): timeouts, lease, batch, backoff, giving up.
        "PORTAL_WEBHOOK_CONNECT_TIMEOUT": float(env.get("PORTAL_WEBHOOK_CONNECT_TIMEOUT", 3.05)),
        "PORTAL_WEBHOOK_READ_TIMEOUT": float(env.get("PORTAL_WEBHOOK_READ_TIMEOUT", 10)),
        "PORTAL_AMQP_TIMEOUT": float(env.get("PORTAL_AMQP_TIMEOUT", 5)),
        "PORTAL_RELAY_LEASE_SECONDS": float(env.get("PORTAL_RELAY_LEASE_SECONDS", 60)),
        "PORTAL_RELAY_BATCH": int(env.get("PORTAL_RELAY_BATCH", 20)),
        "PORTAL_RELAY_BACKOFF_BASE": float(env.get("PORTAL_RELAY_BACKOFF_BASE", 2)),
        "PORTAL_RELAY_BACKOFF_CAP": float(env.get("PORTAL_RELAY_BACKOFF_CAP", 600)),
        "PORTAL_RELAY_MAX_AGE_HOURS": float(env.get("PORTAL_RELAY_MAX_AGE_HOURS", 72)),
        "PORTAL_REDIS_URL": env.get("PORTAL_REDIS_URL", ""),
        "PORTAL_RATE_LIMITS": env.get("PORTAL_RATE_LIMITS", "on"),
        # Per client address, for every public POST form (Flask-Limiter syntax).
        "PORTAL_RATE_LIMIT_FORMS": env.get("PORTAL_RATE_LIMIT_FORMS", "10 per minute;60 per hour"),
        # Per client address, for every lookup by tracking code (pages, API and Open311 share it).
        "PORTAL_RATE_LIMIT_TRACKING": env.get("PORTAL_RATE_LIMIT_TRACKING",
                                              "30 per minute;300 per hour"),
        # Failed lookups that the dashboard flags: from one address, and from all, in an hour.
        "PORTAL_TRACKING_MISS_ALERT": int(env.get("PORTAL_TRACKING_MISS_ALERT", 20)),
        "PORTAL_TRACKING_MISS_ALERT_TOTAL": int(env.get("PORTAL_TRACKING_MISS_ALERT_TOTAL", 100)),
        # "Me too" supports counted for one submission in 24 hours from one address (web) and
        # from one kiosk device (a station's residents share it).
        "PORTAL_SUPPORTS_PER_ADDRESS": int(env.get("PORTAL_SUPPORTS_PER_ADDRESS", 5)),
        "PORTAL_SUPPORTS_PER_DEVICE": int(env.get("PORTAL_SUPPORTS_PER_DEVICE", 30)),
        # Ideas: supports before an official answer is due (per category, editable by
        # administrators; this is the default), working days to answer, comment limits.
        "PORTAL_IDEA_SUPPORT_THRESHOLD": int(env.get("PORTAL_IDEA_SUPPORT_THRESHOLD", 50)),
        "PORTAL_IDEA_ANSWER_DAYS": int(env.get("PORTAL_IDEA_ANSWER_DAYS", 15)),
        "PORTAL_RATE_LIMIT_COMMENTS": env.get("PORTAL_RATE_LIMIT_COMMENTS",
                                              "5 per minute;30 per hour"),
        "PORTAL_REPORTS_TO_HIDE": int(env.get("PORTAL_REPORTS_TO_HIDE", 3)),
        "PORTAL_RATE_LIMIT_REPORTS": env.get("PORTAL_RATE_LIMIT_REPORTS",
                                             "5 per minute;20 per hour"),
        # Channels whose clean submissions skip the queue: off, on (= kiosk) or e.g. "kiosk,api".
        "PORTAL_AUTO_ACCEPT": env.get("PORTAL_AUTO_ACCEPT", "off"),
        "PORTAL_EMBEDDED_WORKER": _bool(env.get("PORTAL_EMBEDDED_WORKER"), True),
        "PORTAL_PROXY_COUNT": int(env.get("PORTAL_PROXY_COUNT", 0)),
        # Days a new staff API token lives unless `create-token --days` says otherwise.
        "PORTAL_API_TOKEN_DAYS": int(env.get("PORTAL_API_TOKEN_DAYS", 90)),
        # Days after a submission is closed or rejected before its contact details are purged.
        # Maps (docs/map.md): a tile URL template, the tiles' coordinate system, their credit.
        "PORTAL_MAP_TILES": env.get("PORTAL_MAP_TILES", ""),
        "PORTAL_MAP_CRS": env.get("PORTAL_MAP_CRS", "wgs84"),
        "PORTAL_MAP_SUBDOMAINS": env.get("PORTAL_MAP_SUBDOMAINS", "abc"),  # for {s}
        "PORTAL_MAP_ATTRIBUTION": env.get("PORTAL_MAP_ATTRIBUTION", ""),
        "PORTAL_MAP_OUTLINE": env.get("PORTAL_MAP_OUTLINE", "cnmaps"),  # off: no district check
        "PORTAL_RETENTION_DAYS": int(env.get("PORTAL_RETENTION_DAYS", 180)),
        # Notifications (docs/notifications.md): unset transports write to <data dir>/outbox/.
        "PORTAL_SMTP_URL": env.get("PORTAL_SMTP_URL", ""),
        "PORTAL_MAIL_FROM": env.get("PORTAL_MAIL_FROM", "portal@localhost"),
        "PORTAL_SMS_URL": env.get("PORTAL_SMS_URL", ""),
        "PORTAL_SMS_SECRET": env.get("PORTAL_SMS_SECRET", ""),
        "PORTAL_NOTIFY_HOURLY_CAP": int(env.get("PORTAL_NOTIFY_HOURLY_CAP", 10)),
        "PORTAL_NOTIFY_TIMEOUT": float(env.get("PORTAL_NOTIFY_TIMEOUT", 10)),
        "PORTAL_NOTIFY_LEASE_SECONDS": float(env.get("PORTAL_NOTIFY_LEASE_SECONDS", 60)),
        "PORTAL_NOTIFY_BATCH": int(env.get("PORTAL_NOTIFY_BATCH", 20)),
        # Alert digests: local hour (PORTAL_TIMEZONE); weekly ones on this weekday (0 = Monday).
        "PORTAL_DIGEST_HOUR": int(env.get("PORTAL_DIGEST_HOUR", 8)),
        "PORTAL_DIGEST_WEEKDAY": int(env.get("PORTAL_DIGEST_WEEKDAY", 0)),
        # Service levels (docs/service-levels.md): the working day, escalation, follow-up.
        "PORTAL_WORKDAY_START": env.get("PORTAL_WORKDAY_START", "09:00"),
        "PORTAL_WORKDAY_END": env.get("PORTAL_WORKDAY_END", "17:00"),
        "PORTAL_ESCALATION_STEP_HOURS": float(env.get("PORTAL_ESCALATION_STEP_HOURS", 8)),
        "PORTAL_ESCALATION_SUPERVISOR": env.get("PORTAL_ESCALATION_SUPERVISOR", "role:moderator"),
        "PORTAL_FOLLOW_UP_DAYS": int(env.get("PORTAL_FOLLOW_UP_DAYS", 7)),
        # Returns a case may have before it waits for an administrator's arbitration.
        "PORTAL_MAX_RETURNS": int(env.get("PORTAL_MAX_RETURNS", 2)),
        "PORTAL_MAX_EXTENSION_DAYS": int(env.get("PORTAL_MAX_EXTENSION_DAYS", 15)),
        # How long a photo link in a delivery to the platform stays valid (docs/forwarding.md).
        "PORTAL_PHOTO_URL_DAYS": float(env.get("PORTAL_PHOTO_URL_DAYS", 7)),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": env.get("PORTAL_TIMEZONE", "Asia/Shanghai"),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT_DIR / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "PORTAL_HTTPS": https,
        # The public address (scheme and host, no path): every absolute URL the portal gives out
        # (API links, Location, OpenAPI servers, QR codes) is built from it, never from the
        # request's Host or X-Forwarded-* headers. Unset, the request's own address is used.
        "PORTAL_BASE_URL": env.get("PORTAL_BASE_URL", "").strip().rstrip("/"),
        # Host names the portal answers to (others get 400); empty: any (Flask's TRUSTED_HOSTS).
        "TRUSTED_HOSTS": trusted_hosts or None,
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        "PORTAL_PUBLIC_PAGE_SIZE": 20,
        # Rendered public pages kept per process, keyed by the change log (portal/core/pagecache).
        "PORTAL_PAGE_CACHE": _bool(env.get("PORTAL_PAGE_CACHE"), True),
        "PORTAL_PAGE_CACHE_SECONDS": int(env.get("PORTAL_PAGE_CACHE_SECONDS", 60)),
        # Pages are tens of kilobytes: a few hundred stay around ten megabytes per process.
        "PORTAL_PAGE_CACHE_ENTRIES": int(env.get("PORTAL_PAGE_CACHE_ENTRIES", 300)),
        # How long a process reuses the data versions it read (a commit of its own clears them).
        "PORTAL_PAGE_VERSIONS_SECONDS": float(env.get("PORTAL_PAGE_VERSIONS_SECONDS", 0.1)),
    }
