"""Tracking codes: short, unguessable, and unambiguous when read aloud or typed by hand."""
import re
import secrets

# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand stays unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 random bits


def new_tracking_code() -> str:
    """A fresh random tracking code (50 bits from the OS's CSPRNG)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def grouped_code(code: str) -> str:
    """The tracking code grouped for reading aloud, e.g. K7M2Q-X9PR4."""
    return f"{code[:5]}-{code[5:]}"


def normalize_tracking_code(text: str) -> str:
    """Read a code as a person types it: any case, dashes or spaces, O for 0, I or L for 1."""
    raw = re.sub(r"[\s\-_]", "", (text or "").upper())
    return raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
