"""The one idempotency-key policy of every channel: what a key may be, and whose key it is.

A client (a browser session, an API key, an Open311 client, a kiosk device) sends a key so that
a retry after a lost answer returns its first submission instead of making a second one. Keys of
different clients share one unique column, so a key is stored only inside its client's scope:

    <channel>:<client digest>:<key>

The channel and the client come from what the request proved (a session secret, an API key, a
device credential), never from anything the client wrote; the digest is an HMAC with the app's
secret, so no client can compute another's scope, and no value stored before this format (raw
web keys, `api:anonymous:…`, `kiosk-3-…`) can ever equal a new one. The key itself may not hold
`:`, so the stored value splits one way only. A key is refused when it breaks the rules, never
truncated (two long keys cut to one would name the same submission).
"""
import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

from flask import current_app

from portal.core.i18n import _

KEY_MAX = 64
KEY_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"  # also the OpenAPI document's pattern
_KEY = re.compile(KEY_PATTERN[1:-1])
ISSUED_MIN = 16  # a server-issued key is at least this long (they are 24 characters)
# The session entry holding a browser's own secret: the web form's keys are scoped by it.
BROWSER_SECRET = "idempotency_scope"


class IdempotencyKeyInvalid(ValueError):
    """A key that breaks the rules (characters, length); refused, never truncated."""

    def __init__(self):
        super().__init__("invalid idempotency key")

    @property
    def message(self) -> str:
        """The rule, in the user's language."""
        return _("The idempotency key must be 1 to %(n)d characters long and use only letters "
                 "A–Z and a–z, digits, “-”, “_” and “.”.", n=KEY_MAX)


class IdempotencyConflict(ValueError):
    """The client's key was already used for different content.

    It carries nothing of the submission the key names: a conflict answer reveals nothing.
    """

    def __init__(self):
        super().__init__("idempotency key reused with a different request")


@dataclass(frozen=True)
class ScopedKey:
    """A key inside its client's scope, as stored; only this module builds one."""
    stored: str


def _digest(channel: str, client: str) -> str:
    mac = hmac.new(str(current_app.secret_key).encode(),
                   f"idempotency\x00{channel}\x00{client}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).rstrip(b"=").decode()  # 128 bits, 22 characters


def _scoped(raw, channel: str, client: str, *, required: bool = False):
    if raw is None:
        if required:
            raise IdempotencyKeyInvalid()
        return None
    if not isinstance(raw, str) or not _KEY.fullmatch(raw):
        raise IdempotencyKeyInvalid()
    return ScopedKey(f"{channel}:{_digest(channel, client)}:{raw}")


def browser_secret(session) -> str:
    """This browser session's own secret (created on first use); its web keys' scope."""
    value = session.get(BROWSER_SECRET)
    if not isinstance(value, str) or not value:
        value = session[BROWSER_SECRET] = secrets.token_urlsafe(24)
    return value


def web_key(raw, secret: str):
    """The web form's key, scoped to the browser session whose secret is given."""
    if not secret:
        raise ValueError("a browser secret is needed")
    return _scoped(raw, "web", secret)


def issued_key(raw):
    """A key the server issued with the page (`form_nonce()`): 18 random bytes nobody else
    holds, so the key itself is the client's proof. Used where a cached page cannot carry a
    session (the search page's "my problem too"), and a retry after a lost answer and a lost
    cookie must still count once."""
    if isinstance(raw, str) and 0 < len(raw) < ISSUED_MIN:
        raise IdempotencyKeyInvalid()
    return _scoped(raw, "issued", "page")


def api_key_scope(raw, api_key, content: dict):
    """The JSON API's key: scoped to the API key, or for anonymous clients to the content.

    An anonymous client has no identity to scope by, and a shared anonymous scope would let one
    anonymous client replay another's key. So its key is scoped by the request body too: the
    same key with the same body is a retry (the first submission comes back); the same key with
    another body is simply another scope (a new submission), never a conflict and never another
    client's submission. Only someone holding the whole body, contact details included, could
    replay it.
    """
    if api_key is not None:
        return _scoped(raw, "api", str(api_key.id))
    body = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return _scoped(raw, "api-anon", hashlib.sha256(body.encode()).hexdigest())


def open311_key(raw, api_key):
    """An Open311 client's key (Open311 requires an API key to post)."""
    return _scoped(raw, "open311", str(api_key.id))


def kiosk_key(raw, kiosk):
    """A kiosk draft's key, scoped to the device; every kiosk send carries one."""
    return _scoped(raw, "kiosk", str(kiosk.id), required=True)
