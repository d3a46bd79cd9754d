"""Accounts: password hashing and policy, users, authentication, sessions and their end."""
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.accounts.audit import record_audit
from portal.accounts.models import ROLES, User
from portal.accounts.tokens import revoke_user_tokens
from portal.core.database import read_only_transaction
from portal.core.i18n import _
from portal.core.time import utcnow
from portal.extensions import db

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = frozenset({
    "1234567890", "12345678910", "123456789a", "qwertyuiop", "1q2w3e4r5t", "password12",
    "password123", "passw0rd123", "iloveyou12", "abc1234567", "qwerty1234", "0123456789",
    "1111111111", "0000000000", "aaaaaaaaaa", "1234qwerty", "admin12345", "administrator",
    "woaini1314", "a123456789", "zxcvbnm123", "11223344556", "letmein123", "welcome123",
})


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


def check_password_policy(password: str) -> None:
    """Raise AccountError for a password that is too short or too common."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Passwords must have at least %(n)d characters.",
                             n=MIN_PASSWORD_LENGTH))
    if password.lower() in COMMON_PASSWORDS:
        raise AccountError(_("This password is too common. Please choose another."))


def create_user(username: str, role: str, password: str, *, actor=None) -> User:
    """Create a staff user with a hashed password (audited when an administrator does it)."""
    username = (username or "").strip()
    if not username:
        raise AccountError(_("A username is required."))
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    if db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none():
        raise AccountError(_("This username is taken."))
    check_password_policy(password)
    user = User(username=username, role=role, password_hash=_hasher.hash(password))
    db.session.add(user)
    db.session.flush()
    record_audit(actor.username if actor else "system", "user.create", target_type="user",
                 target_id=user.id, after={"username": user.username, "role": role})
    return user


@cache
def _dummy_hash() -> str:
    """The hash checked when the user does not exist, so timing does not reveal usernames.

    Made by a process's first sign-in attempt, whoever it names, and not at import: a hash takes
    64 MB and a sixth of a second, which no process that never signs anyone in (the background
    worker, commands) should pay.
    """
    return _hasher.hash("not a real password, only for timing")


def authenticate(username: str, password: str):
    """The active user with these credentials, or None (same work either way).

    The account is read in a transaction of its own, which never takes SQLite's write lock, and
    the password checked after it (argon2id takes a sixth of a second): residents' submissions
    wait for that lock, which is taken only to record the sign-in. Call it before anything is
    written in the session.
    """
    dummy = _dummy_hash()
    with read_only_transaction(db.session):
        found = db.session.execute(
            db.select(User.id, User.password_hash, User.active)
            .filter_by(username=(username or "").strip())).first()
    try:
        _hasher.verify(found.password_hash if found else dummy, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if found is None or not found.active:
        return None
    rehashed = (_hasher.hash(password) if _hasher.check_needs_rehash(found.password_hash)
                else None)
    user = db.session.get(User, found.id)
    if user is None or not user.active:
        return None  # removed or disabled meanwhile
    if rehashed:
        user.password_hash = rehashed
    user.last_login_at = utcnow()
    return user


def load_user(session_id: str):
    """Flask-Login loader: `id:session_version`; a stale version means the session has ended."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except (AttributeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def end_sessions(user: User) -> None:
    """Invalidate every browser session of this user (sign-out, disabling, password change)."""
    user.session_version += 1


def sign_out_everywhere(user: User, *, actor: User) -> int:
    """End every session of `user` and revoke their API tokens (audited); tokens revoked."""
    end_sessions(user)
    record_audit(actor.username, "user.end_sessions", target_type="user", target_id=user.id)
    return revoke_user_tokens(user, actor=actor.username, reason="sign-out-everywhere")


def all_users() -> list:
    """Every staff user, by username."""
    return db.session.execute(db.select(User).order_by(User.username)).scalars().all()


def _user_state(user: User) -> dict:
    return {"role": user.role, "active": user.active}


def update_user(user: User, *, role: str, active: bool, actor: User) -> None:
    """Change a user's role or disable/enable them; disabling ends their sessions."""
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    if user.id == actor.id and (role != user.role or not active):
        raise AccountError(_("You cannot change your own role or disable yourself."))
    before = _user_state(user)
    if before == {"role": role, "active": active}:
        return
    user.role, user.active = role, active
    if not active or role != before["role"]:
        end_sessions(user)
    record_audit(actor.username, "user.update", target_type="user", target_id=user.id,
                 before=before, after=_user_state(user))
    # A token carries its user's powers: new powers (or none) need a new token.
    if not active:
        revoke_user_tokens(user, actor=actor.username, reason="disabled")
    elif role != before["role"]:
        revoke_user_tokens(user, actor=actor.username, reason="role")


def set_password(user: User, password: str, *, actor: User) -> None:
    """Set a new password (policy checked); the user's sessions end and API tokens are revoked."""
    check_password_policy(password)
    user.password_hash = _hasher.hash(password)
    end_sessions(user)
    record_audit(actor.username, "user.password", target_type="user", target_id=user.id)
    revoke_user_tokens(user, actor=actor.username, reason="password")


def find_user(user_id: int):
    """A user by id, or None."""
    return db.session.get(User, user_id)
