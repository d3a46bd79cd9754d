"""Kiosk devices: enrolment, the signed device credential, revocation, and kiosk submissions.

Services take plain values and model objects, add and flush; the caller commits.
"""
import hashlib
import hmac
import os
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.core.i18n import LOCALES
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.kiosk.models import PAPER_WIDTHS, Kiosk, KioskEnrolment
from portal.stations.services import find_station, landmarks
from portal.submissions.idempotency import kiosk_key
from portal.submissions.services import create_submission
from portal.submissions.supports import add_support

COOKIE_NAME = "portal_kiosk"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600  # long-lived: a kiosk stays enrolled until revoked
_SALT = "portal.kiosk.device"
LAST_SEEN_EVERY = timedelta(minutes=1)


def kiosk_config(environ=None) -> dict:
    """Kiosk settings from PORTAL_* variables (create_app applies them as defaults)."""
    env = os.environ if environ is None else environ
    return {
        "PORTAL_KIOSK_IDLE_SECONDS": int(env.get("PORTAL_KIOSK_IDLE_SECONDS", 90)),
        "PORTAL_KIOSK_COUNTDOWN_SECONDS": int(env.get("PORTAL_KIOSK_COUNTDOWN_SECONDS", 15)),
        "PORTAL_KIOSK_RECEIPT_SECONDS": int(env.get("PORTAL_KIOSK_RECEIPT_SECONDS", 60)),
        "PORTAL_KIOSK_HEARTBEAT_SECONDS": int(env.get("PORTAL_KIOSK_HEARTBEAT_SECONDS", 300)),
        "PORTAL_KIOSK_ENROL_HOURS": int(env.get("PORTAL_KIOSK_ENROL_HOURS", 24)),
    }


def apply_kiosk_config(app) -> None:
    """Add the kiosk settings to the app's config without overriding what was given."""
    for key, value in kiosk_config().items():
        app.config.setdefault(key, value)


class KioskError(ValueError):
    """An enrolment that cannot be done or redeemed; the message is shown to the user."""


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()




def enrol_kiosk(station_slug: str, *, label: str = "", language: str = "zh",
                paper_width: int = 80, actor: str = "") -> tuple:
    """Register a kiosk for a station; returns (kiosk, one-time enrolment token)."""
    station = find_station(station_slug or "")
    if station is None:
        raise KioskError(f"No active station with slug {station_slug!r}.")
    if language not in LOCALES:
        raise KioskError(f"Unknown language {language!r}.")
    if paper_width not in PAPER_WIDTHS:
        raise KioskError(f"Paper width must be one of {PAPER_WIDTHS}.")
    kiosk = Kiosk(station=station, label=(label or "").strip()[:80], language=language,
                  paper_width=paper_width, created_by=actor)
    db.session.add(kiosk)
    db.session.flush()
    return kiosk, issue_enrolment(kiosk)


def issue_enrolment(kiosk) -> str:
    """A new one-time enrolment token for a kiosk (valid PORTAL_KIOSK_ENROL_HOURS)."""
    if kiosk.state == "revoked":
        raise KioskError("This kiosk is revoked; enrol a new one.")
    token = secrets.token_urlsafe(32)
    hours = current_app.config["PORTAL_KIOSK_ENROL_HOURS"]
    db.session.add(KioskEnrolment(kiosk=kiosk, token_hash=_hash(token),
                                  expires_at=utcnow() + timedelta(hours=hours)))
    db.session.flush()
    return token


def find_enrolment(token: str):
    """The enrolment a token names, still usable, or None."""
    row = db.session.execute(db.select(KioskEnrolment).filter_by(
        token_hash=_hash(token or ""))).scalar_one_or_none()
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= utcnow():
        return None
    if row.kiosk.state == "revoked":
        return None
    return row


def redeem_enrolment(token: str) -> str:
    """Use a one-time link: returns the signed device credential (the cookie's value).

    The link works once; redeeming it again (or on a second device) replaces nothing and fails.
    A new link for an already enrolled kiosk moves its credential to the new device.
    """
    enrolment = find_enrolment(token)
    if enrolment is None:
        raise KioskError("This enrolment link is not valid: it was used already, has expired, "
                         "or the kiosk was revoked.")
    enrolment.used_at = utcnow()
    secret = secrets.token_urlsafe(32)
    kiosk = enrolment.kiosk
    kiosk.credential_hash = _hash(secret)
    kiosk.enrolled_at = kiosk.last_seen_at = utcnow()
    db.session.flush()
    return _serializer().dumps([kiosk.id, secret])


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def verify_credential(value: str) -> tuple:
    """(kiosk, state) for a device cookie; state is active, revoked, or missing (no kiosk)."""
    if not value:
        return None, "missing"
    try:
        kiosk_id, secret = _serializer().loads(value)
    except (BadSignature, ValueError, TypeError):
        return None, "missing"
    kiosk = db.session.get(Kiosk, kiosk_id) if isinstance(kiosk_id, int) else None
    if kiosk is None or not kiosk.credential_hash or not isinstance(secret, str):
        return None, "missing"
    if not hmac.compare_digest(kiosk.credential_hash, _hash(secret)):
        return None, "missing"  # replaced by a later enrolment of the same kiosk
    if kiosk.state == "revoked" or not kiosk.station.active:
        return kiosk, "revoked"
    return kiosk, "active"


def revoke_kiosk(kiosk, *, actor: str) -> None:
    """Switch a kiosk off: its next request is refused and unused links stop working."""
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
        kiosk.revoked_by = actor
    db.session.flush()


def touch(kiosk) -> None:
    """Record that the kiosk is alive (at most once a minute, to keep writes rare)."""
    if kiosk.last_seen_at is None or utcnow() - as_utc(kiosk.last_seen_at) >= LAST_SEEN_EVERY:
        kiosk.last_seen_at = utcnow()
        db.session.flush()


def rate_limit_key(kiosk) -> str:
    """The key a rate limiter counts a kiosk's requests under (stations share addresses)."""
    return f"kiosk:{kiosk.id}"


def all_kiosks() -> list:
    """Every kiosk, newest first."""
    return db.session.execute(db.select(Kiosk).order_by(Kiosk.id.desc())).scalars().all()


def find_kiosk(kiosk_id: int):
    """A kiosk by id, or None."""
    return db.session.get(Kiosk, kiosk_id)


def area_landmarks(kiosk) -> list:
    """The landmarks a kiosk offers: its station's area first, then the others."""
    own = kiosk.station.area.code if kiosk.station.area else None
    rows = landmarks()
    return sorted(rows, key=lambda row: row.get("area") != own)


def compose_place(landmark: str, place: str, area_code: str) -> str:
    """The place text stored: the chosen landmark (if it is one we offer) and the free text."""
    names = {row["name_zh"] for row in landmarks(area_code)}
    parts = [landmark] if landmark in names else []
    if (place or "").strip():
        parts.append(place.strip())
    return " · ".join(parts)


def submit_from_kiosk(kiosk, values: dict, *, language: str):
    """Create a submission from a kiosk draft (channel kiosk, the device's station).

    The idempotency key is the draft's own key, scoped to the device by the one key policy, so
    a retry after a lost answer returns the first submission instead of making a second one.
    A point from the location step (`latitude`, `longitude`, WGS-84) is stored with the area it
    lies in (the submissions' locator). Also records that the kiosk was seen. Raises
    IdempotencyKeyInvalid (no draft key, or a bad one) or SubmissionInvalid before anything is
    written, IdempotencyConflict when the draft key was already used for other content.
    """
    key = kiosk_key(values.get("draft_key"), kiosk)
    area_code = str(values.get("area") or "")
    contact = {"name": values.get("name") or "", "phone": values.get("phone") or "",
               "email": values.get("email") or "", "consent": values.get("consent") is True,
               "notify": values.get("notify") is True}  # "tell me when this changes"
    creation = create_submission(
        kind=values.get("kind"), category_code=values.get("category"), area_code=area_code,
        title=values.get("title"), body=values.get("body"),
        place=compose_place(str(values.get("landmark") or ""), str(values.get("place") or ""),
                            area_code),
        latitude=values.get("latitude") or None, longitude=values.get("longitude") or None,
        channel="kiosk", language=language if language in LOCALES else kiosk.language,
        station_slug=kiosk.station.slug, contact=contact,
        idempotency_key=key, screening_context={"channel": "kiosk", "kiosk": kiosk.id},
        actor="resident")
    touch(kiosk)  # after the submission, so that a refused one writes nothing
    return creation


def support_from_kiosk(kiosk, submission, *, visit: str, address: str, draft_key=None):
    """"This is my problem too" at a kiosk: one more voice on a published submission.

    The one support service (submissions.supports): counted once per visit, limited per
    device, and a retry carrying the same draft key counts once. Nothing of the draft is
    stored. Also records that the kiosk was seen.
    """
    touch(kiosk)
    return add_support(submission, visitor=f"kiosk:{kiosk.id}:{visit}", address=address,
                       channel="kiosk", device=rate_limit_key(kiosk),
                       idempotency_key=kiosk_key(draft_key, kiosk) if draft_key else None)


def qr_svg(url: str, *, sized: bool = False) -> str:
    """A QR code for `url` as inline SVG markup (no style attributes: the CSP forbids them).

    Unsized, it fills its container (the stylesheet sets the width); sized, it has its own.
    """
    import segno  # web only (portal.WEB_ONLY_LIBRARIES)

    return segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                 omitsize=not sized)
