"""Signed single-purpose tokens for confirmation, unsubscribe and manage links.

Each purpose has its own salt, so a token made for one can never be used for another; each
carries the row's nonce, so changing the nonce revokes every link made before.
"""
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

CONFIRM_MAX_AGE = 7 * 24 * 3600
LINK_MAX_AGE = 400 * 24 * 3600  # unsubscribe and manage links in old messages keep working


class TokenInvalid(ValueError):
    """A link that was tampered with, revoked or made for something else."""


class TokenExpired(TokenInvalid):
    """A link past its lifetime."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"notifications-{purpose}")


def make_token(purpose: str, row_id: int, nonce: str) -> str:
    """A signed token naming one row for one purpose."""
    return _serializer(purpose).dumps([row_id, nonce])


def read_token(purpose: str, token: str, max_age: int) -> tuple:
    """(row id, nonce) from a token; TokenExpired or TokenInvalid otherwise."""
    from itsdangerous import SignatureExpired

    try:
        value = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenExpired(purpose) from None
    except BadData:
        raise TokenInvalid(purpose) from None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise TokenInvalid(purpose)
    return value[0], value[1]
