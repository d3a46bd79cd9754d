"""Staff sign-in: throttling per account and context, known devices, and session limits.

Guessing is slowed without locking the owner out:
- per account and context (a known device, else the address), the first FREE_FAILURES
  failures cost nothing, then each one makes the next attempt wait 2^n seconds (n: failures
  in a row), up to PAIR_DELAY_CAP; a success resets only its own context;
- per account, past ACCOUNT_CEILING failures an hour from all contexts together, every context
  that has not signed in to this account before waits too (a known device, or an address with
  an earlier success, is not slowed by failures elsewhere);
- per address, past ADDRESS_LIMIT failures in ADDRESS_WINDOW on any accounts, the address waits
  (a success does not reset this count; a device known for the account is exempt).
Attempts are rows in the database, so every gunicorn worker and host counts the same.
"""
import math
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, or_

from portal.accounts.models import LoginAttempt, User
from portal.accounts.services import authenticate
from portal.core.database import read_only_transaction
from portal.core.i18n import _, ngettext
from portal.core.time import as_utc, utcnow
from portal.extensions import db

FREE_FAILURES = 4
PAIR_DELAY_CAP = 15 * 60  # seconds
ACCOUNT_CEILING = 20
ACCOUNT_WINDOW = timedelta(hours=1)
ADDRESS_LIMIT = 20
ADDRESS_WINDOW = timedelta(minutes=15)
FAILURE_MEMORY = timedelta(days=1)  # older failures are forgotten (and deleted)
KNOWN_DEVICE_DAYS = 90  # a success keeps its device and address known this long
DEVICE_COOKIE = "portal_device"
IDLE_TIMEOUT = 30 * 60  # seconds without a request before a staff session ends
ABSOLUTE_TIMEOUT = 8 * 3600  # seconds after sign-in when a staff session ends regardless


@dataclass
class LoginOutcome:
    """What a sign-in attempt came to: a user, or a message with its status and headers."""

    user: object = None
    error: str = ""
    status: int = 200
    headers: dict = field(default_factory=dict)
    device_cookie: str = ""  # to set on success: this browser is now a known device




def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="portal-known-device")


@dataclass(frozen=True)
class Device:
    """A browser that signed in before: its id, and the users it signed in as (newest last)."""

    id: str = ""
    user_ids: tuple = ()


KNOWN_USERS_PER_DEVICE = 10


def read_device(cookie: str) -> Device:
    """The device in a known-device cookie; an empty Device when absent, forged or too old."""
    if not cookie or len(cookie) > 500:
        return Device()
    try:
        payload = _serializer().loads(cookie, max_age=KNOWN_DEVICE_DAYS * 86400)
        device, user_ids = payload["d"], tuple(int(i) for i in payload["u"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return Device()
    return Device(device, user_ids) if isinstance(device, str) and len(device) == 32 else Device()


def _device_cookie(device: Device, user_id: int) -> str:
    """The cookie that makes this browser a known device of `user_id` (and of its others)."""
    user_ids = [i for i in device.user_ids if i != user_id][-(KNOWN_USERS_PER_DEVICE - 1):]
    return _serializer().dumps({"d": device.id or secrets.token_hex(16),
                                "u": user_ids + [user_id]})


def pair_delay(failures: int) -> int:
    """Seconds to wait after `failures` failures in a row of one account in one context."""
    if failures <= FREE_FAILURES:
        return 0
    return min(2 ** failures, PAIR_DELAY_CAP)


def _context(username: str, ip: str, device: str):
    """The attempts of one account in one context: the browser's device, else its address."""
    if device:
        return (LoginAttempt.username == username, LoginAttempt.device == device)
    return (LoginAttempt.username == username, LoginAttempt.ip == ip,
            LoginAttempt.device.is_(None))


def _wait_until(moment, now) -> int:
    return math.ceil((moment - now).total_seconds()) if moment > now else 0


def _pair_wait(username, ip, device, now) -> int:
    context = _context(username, ip, device)
    last_success = db.session.execute(db.select(func.max(LoginAttempt.id)).where(
        *context, LoginAttempt.success.is_(True))).scalar() or 0
    count, last = db.session.execute(db.select(
        func.count(LoginAttempt.id), func.max(LoginAttempt.created_at)).where(
        *context, LoginAttempt.success.is_(False), LoginAttempt.id > last_success,
        LoginAttempt.created_at > now - FAILURE_MEMORY)).one()
    if not pair_delay(count):
        return 0
    return _wait_until(as_utc(last) + timedelta(seconds=pair_delay(count)), now)


def _device_known(username: str, device: Device) -> bool:
    """True when this browser signed in as this account before (its cookie says so)."""
    if not device.user_ids:
        return False
    user_id = db.session.execute(db.select(User.id).filter_by(username=username)).scalar()
    return user_id in device.user_ids


def _address_known(username: str, ip: str, now) -> bool:
    """True when this account signed in from this address within KNOWN_DEVICE_DAYS."""
    return db.session.execute(db.select(LoginAttempt.id).where(
        LoginAttempt.username == username, LoginAttempt.ip == ip,
        LoginAttempt.success.is_(True),
        LoginAttempt.created_at > now - timedelta(days=KNOWN_DEVICE_DAYS)).limit(1)).first() \
        is not None


def _account_wait(username, now) -> int:
    count, last = db.session.execute(db.select(
        func.count(LoginAttempt.id), func.max(LoginAttempt.created_at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(False),
        LoginAttempt.created_at > now - ACCOUNT_WINDOW)).one()
    if count < ACCOUNT_CEILING:
        return 0
    # Past the ceiling, unknown contexts wait as a context past its free failures would.
    delay = pair_delay(count - ACCOUNT_CEILING + FREE_FAILURES + 1)
    return _wait_until(as_utc(last) + timedelta(seconds=delay), now)


def _address_wait(ip, now) -> int:
    rows = db.session.execute(db.select(LoginAttempt.created_at).where(
        LoginAttempt.ip == ip, LoginAttempt.success.is_(False),
        LoginAttempt.created_at > now - ADDRESS_WINDOW)
        .order_by(LoginAttempt.created_at.desc()).limit(ADDRESS_LIMIT)).scalars().all()
    if len(rows) < ADDRESS_LIMIT:
        return 0
    # Free again when the oldest counted failure leaves the window.
    return _wait_until(as_utc(rows[-1]) + ADDRESS_WINDOW, now)


def login_wait(username: str, ip: str, device: Device = Device()) -> int:
    """Seconds before this account may be tried again from this context (0: now)."""
    username, ip, now = _login_key(username), (ip or "")[:64], utcnow()
    device_known = _device_known(username, device)
    waits = [_pair_wait(username, ip, device.id, now)]
    if not device_known and not _address_known(username, ip, now):
        waits.append(_account_wait(username, now))
    if not device_known:
        waits.append(_address_wait(ip, now))
    return max(waits)


def _login_key(username: str) -> str:
    return (username or "").strip()[:80]


def throttled_message(seconds: int) -> str:
    """The sign-in page's message for a throttled attempt, in the visitor's language."""
    return ngettext("Too many sign-in attempts. Please try again in %(num)d second.",
                    "Too many sign-in attempts. Please try again in %(num)d seconds.", seconds)


def attempt_login(username: str, password: str, ip: str, device_cookie: str = "") -> LoginOutcome:
    """Throttle, authenticate and record one sign-in attempt from `ip` and a browser's cookie."""
    device = read_device(device_cookie)
    with read_only_transaction(db.session):  # the write lock comes later, briefly
        wait = login_wait(username, ip, device)
    if wait:
        return LoginOutcome(error=throttled_message(wait), status=429,
                            headers={"Retry-After": str(wait)})
    user = authenticate(username, password)
    now = utcnow()
    db.session.add(LoginAttempt(username=_login_key(username), ip=(ip or "")[:64],
                                device=device.id or None, success=user is not None,
                                created_at=now))
    db.session.execute(db.delete(LoginAttempt).where(or_(
        LoginAttempt.created_at < now - timedelta(days=KNOWN_DEVICE_DAYS),
        (LoginAttempt.created_at < now - FAILURE_MEMORY) & LoginAttempt.success.is_(False))))
    db.session.flush()
    if user is None:
        return LoginOutcome(error=_("Wrong username or password."), status=401)
    return LoginOutcome(user=user, device_cookie=_device_cookie(device, user.id))


def device_cookie_options() -> dict:
    """How the known-device cookie is set: staff paths only, never to scripts, HTTPS when on."""
    return {"max_age": KNOWN_DEVICE_DAYS * 86400, "path": "/staff/", "httponly": True,
            "secure": bool(current_app.config.get("SESSION_COOKIE_SECURE")), "samesite": "Lax"}


def session_expired(login_at: float, seen_at: float) -> bool:
    """True when a staff session has been idle too long or is past its absolute limit."""
    now = time.time()
    idle = current_app.config.get("PORTAL_IDLE_TIMEOUT", IDLE_TIMEOUT)
    absolute = current_app.config.get("PORTAL_SESSION_MAX_AGE", ABSOLUTE_TIMEOUT)
    return now - (login_at or 0) > absolute or now - (seen_at or 0) > idle
