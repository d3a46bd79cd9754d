"""The rate-limit key of a kiosk request, for the limiter (Flask-Limiter `key_func`)."""
from flask import g, request

from portal.kiosk.services import COOKIE_NAME, rate_limit_key, verify_credential


def device_rate_limit_key() -> str:
    """`kiosk:<id>` for an enrolled device (stations share addresses), else `ip:<address>`."""
    kiosk = g.get("kiosk")
    if kiosk is None:  # the limiter may run before the kiosk blueprint has checked the cookie
        kiosk, state = verify_credential(request.cookies.get(COOKIE_NAME, ""))
        kiosk = kiosk if state == "active" else None
    if kiosk is not None:
        return rate_limit_key(kiosk)
    return f"ip:{request.remote_addr or 'unknown'}"
