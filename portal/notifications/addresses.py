"""Addresses: normalised, keyed by an HMAC (never a plain-text index), masked when shown."""
import hashlib
import hmac
import re
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from portal.extensions import db
from portal.notifications.models import Subscriber

MOBILE = re.compile(r"^1[3-9]\d{9}$")  # a mainland China mobile number


class AddressInvalid(ValueError):
    """An e-mail address or mobile number that cannot be used."""


def normalize_email(value: str) -> str:
    """The normalised e-mail address, or AddressInvalid."""
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise AddressInvalid("email") from None


def normalize_mobile(value: str):
    """A mainland mobile number as 11 digits, or None when it is not one."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
    return digits if MOBILE.match(digits) else None


def address_key(channel: str, address: str) -> str:
    """The lookup key of an address: an HMAC, so the table holds no searchable plain index."""
    return hmac.new(current_app.secret_key.encode(), f"{channel}:{address.lower()}".encode(),
                    hashlib.sha256).hexdigest()


def find_subscriber(channel: str, address: str):
    """The subscriber with this (normalised) address, or None."""
    return db.session.execute(db.select(Subscriber).filter_by(
        address_key=address_key(channel, address))).scalar_one_or_none()


def get_subscriber(channel: str, address: str, language: str) -> Subscriber:
    """The subscriber for an address, created when new (a savepoint guards a concurrent insert)."""
    from sqlalchemy.exc import IntegrityError

    found = find_subscriber(channel, address)
    if found is not None:
        return found
    subscriber = Subscriber(channel=channel, address=address, language=language,
                            address_key=address_key(channel, address),
                            token_nonce=secrets.token_hex(8))
    try:
        with db.session.begin_nested():
            db.session.add(subscriber)
    except IntegrityError:
        return find_subscriber(channel, address)
    return subscriber


def mask(address: str) -> str:
    """An address as staff pages show it: enough to recognise, not to use."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{address[:3]}****{address[-4:]}" if len(address) >= 7 else "****"
