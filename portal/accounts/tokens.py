"""Staff API tokens: issued with an expiry, checked on every API call, listed and revoked.

A token ends when it expires, when its owner or an administrator revokes it, and when its
owner's credentials or powers change: sign-out-everywhere, a new password, a new role,
disabling. Each revocation is audited.
"""
import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal.accounts.audit import record_audit
from portal.accounts.models import ApiToken, User
from portal.core.database import read_only
from portal.core.i18n import _, _l
from portal.core.time import as_utc, utcnow
from portal.extensions import db

log = logging.getLogger(__name__)

TOKEN_PREFIX = "pt_"
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 730
# A busy client is recorded at most once a minute per token, not on every request.
LAST_USE_INTERVAL = timedelta(minutes=1)
REVOKE_REASONS = {
    "owner": _l("by its owner"),
    "administrator": _l("by an administrator"),
    "sign-out-everywhere": _l("signed out everywhere"),
    "password": _l("password changed"),
    "role": _l("role changed"),
    "disabled": _l("user disabled"),
}


class TokenRefused(Exception):
    """A bearer token that does not sign anyone in; the message is for the API client."""

    code = "unauthorized"


class TokenInvalid(TokenRefused):
    """No such token (or a malformed one, or its user is disabled)."""


class TokenExpired(TokenRefused):
    """The token's lifetime is over."""

    code = "token_expired"


class TokenRevoked(TokenRefused):
    """The token was revoked."""

    code = "token_revoked"


class TokenLifetimeInvalid(ValueError):
    """A token lifetime outside 1..MAX_TOKEN_DAYS days."""


def hash_secret(secret: str) -> str:
    """The stored form of a token or key."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()




def _stamp(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def token_days() -> int:
    """The default lifetime of a new token, in days (PORTAL_API_TOKEN_DAYS)."""
    return int(current_app.config.get("PORTAL_API_TOKEN_DAYS") or DEFAULT_TOKEN_DAYS)


def issue_staff_token(username: str, *, days=None, actor: str = "cli"):
    """A new bearer token for an active staff user: (ApiToken, secret), or None if no such user."""
    days = token_days() if days is None else days
    if not 1 <= int(days) <= MAX_TOKEN_DAYS:
        raise TokenLifetimeInvalid(f"A token lives from 1 to {MAX_TOKEN_DAYS} days.")
    user = db.session.execute(
        db.select(User).filter_by(username=(username or "").strip())).scalar_one_or_none()
    if user is None or not user.active:
        return None
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user=user, token_hash=hash_secret(secret), prefix=secret[:10],
                     created_at=now, expires_at=now + timedelta(days=int(days)))
    db.session.add(token)
    db.session.flush()
    record_audit(actor, "token.create", target_type="api_token", target_id=token.id,
                 after={"user": user.username, "prefix": token.prefix,
                        "expires_at": _stamp(token.expires_at)})
    return token, secret


def authenticate_token(secret: str) -> User:
    """The staff user a bearer token stands for; raises TokenInvalid, TokenExpired, TokenRevoked.

    Records the token's use first (see _record_use), then checks it in the request's session.
    """
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise TokenInvalid()
    token_hash = hash_secret(secret)
    _record_use(token_hash)
    token = db.session.execute(
        db.select(ApiToken).filter_by(token_hash=token_hash)).scalar_one_or_none()
    if token is None or not token.user.active:
        raise TokenInvalid()
    if token.revoked_at is not None:
        raise TokenRevoked(_("This staff token was revoked on %(when)s. Ask an administrator "
                             "for a new one.", when=_stamp(token.revoked_at)))
    if as_utc(token.expires_at) <= utcnow():
        raise TokenExpired(_("This staff token expired on %(when)s. Ask an administrator for "
                             "a new one.", when=_stamp(token.expires_at)))
    return token.user


def _record_use(token_hash: str) -> None:
    """Set the token's last use, at most once per LAST_USE_INTERVAL, in a transaction of its own.

    Its own short transaction, before the request's session touches the database: the request
    may only read (nothing would commit the time), or may fail and roll back, and on SQLite a
    reading request must not take the write lock. The read comes first so that a client calling
    many times a minute takes no write lock at all.
    """
    table, now = ApiToken.__table__, utcnow()
    try:
        with read_only(), db.engine.connect() as connection:
            row = connection.execute(
                select(table.c.id, table.c.last_used_at, table.c.revoked_at, table.c.expires_at)
                .where(table.c.token_hash == token_hash)).first()
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
            return
        if row.last_used_at is not None and now - as_utc(row.last_used_at) < LAST_USE_INTERVAL:
            return
        with db.engine.begin() as connection:
            connection.execute(update(table).where(
                table.c.id == row.id, or_(table.c.last_used_at.is_(None),
                                          table.c.last_used_at < now - LAST_USE_INTERVAL))
                .values(last_used_at=now))
    except SQLAlchemyError:  # the record of use is not worth refusing the call over
        log.warning("could not record the use of a staff token", exc_info=True)


def token_state(token: ApiToken) -> str:
    """active, expired or revoked."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if as_utc(token.expires_at) <= utcnow() else "active"


def tokens_of(user: User) -> list:
    """A user's tokens, newest first (expired and revoked ones too, for the record)."""
    return db.session.execute(
        db.select(ApiToken).filter_by(user_id=user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).scalars().all()


def _revoke(token: ApiToken, *, actor: str, reason: str) -> None:
    token.revoked_at, token.revoked_reason = utcnow(), reason
    record_audit(actor, "token.revoke", target_type="api_token", target_id=token.id,
                 after={"user": token.user.username, "prefix": token.prefix, "reason": reason})


def revoke_token_of(owner: User, token_id: int, *, actor: User, reason: str):
    """Revoke one of `owner`'s tokens (idempotent); the token, or None if they have no such one."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != owner.id:
        return None
    if token.revoked_at is None:
        _revoke(token, actor=actor.username, reason=reason)
    return token


def revoke_user_tokens(user: User, *, actor: str, reason: str) -> int:
    """Revoke every live token of `user` (neither revoked nor expired); how many there were."""
    tokens = db.session.execute(db.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > utcnow())).scalars().all()
    for token in tokens:
        _revoke(token, actor=actor, reason=reason)
    return len(tokens)
