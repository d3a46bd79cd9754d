"""Accounts: password hashing and policy, creating users, authentication, session loading."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.extensions import db
from portal.i18n import _
from portal.accounts.models import ROLES, User
from portal.submissions.models import utcnow

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# A dummy hash checked when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")
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


def create_user(username: str, role: str, password: str) -> User:
    """Create a staff user with a hashed password."""
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
    return user


def authenticate(username: str, password: str):
    """The active user with these credentials, or None (same work either way)."""
    user = db.session.execute(
        db.select(User).filter_by(username=(username or "").strip())).scalar_one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
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
    """Invalidate every session of this user (logout everywhere, disabling, password change)."""
    user.session_version += 1
