"""Photo links for the platform: signed with the platform secret, valid for a limited time.

A delivery carries, per photo, a URL `/platform/photos/<id>?expires=<unix>&signature=<hex>`
where `<hex>` is HMAC-SHA256 over `"photo." + id + "." + expires` with PORTAL_PLATFORM_SECRET
(the application's secret key when none is set), and the photo's size, content type and
SHA-256. The portal serves the file only for a good signature not yet expired; the photo's
own public route is untouched (a photo of an unpublished case stays hidden from everyone else).
"""
import hashlib
import hmac
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import current_app, url_for

from portal.extensions import db
from portal.submissions.models import Photo

DEFAULT_BASE = "http://localhost:8000"


class PhotoLinkRefused(ValueError):
    """A photo link that does not open the photo: 404 (no such photo) or 403."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _secret() -> bytes:
    secret = current_app.config.get("PORTAL_PLATFORM_SECRET") or current_app.config["SECRET_KEY"]
    return secret.encode("utf-8")


def photo_signature(photo_id: int, expires: int) -> str:
    """The hex HMAC-SHA256 of one photo link."""
    return hmac.new(_secret(), f"photo.{photo_id}.{expires}".encode("ascii"),
                    hashlib.sha256).hexdigest()


def _base_url() -> str:
    return (current_app.config.get("PORTAL_BASE_URL") or DEFAULT_BASE).rstrip("/")


def _path(photo_id: int) -> str:
    with current_app.test_request_context("/"):
        return url_for("forwarding.platform_photo", photo_id=photo_id)


def signed_photo_url(photo_id: int, *, now=None) -> tuple:
    """(absolute URL, expiry as Unix seconds) of a photo link for the platform."""
    days = float(current_app.config.get("PORTAL_PHOTO_URL_DAYS", 7))
    expires = int((time.time() if now is None else now) + days * 86400)
    query = urlencode({"expires": expires, "signature": photo_signature(photo_id, expires)})
    return f"{_base_url()}{_path(photo_id)}?{query}", expires


def _sha256(photo) -> str:
    path = Path(current_app.config["PORTAL_UPLOAD_DIR"]) / photo.filename
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(65536), b""):
            digest.update(block)
    return digest.hexdigest()


def photo_entries(submission, *, now=None) -> list:
    """Per photo of the case: its signed URL, until when, size, content type and SHA-256."""
    entries = []
    for photo in submission.photos:
        try:
            digest = _sha256(photo)
        except FileNotFoundError:  # its file is gone (a lost disk): nothing to fetch
            current_app.logger.warning("photo %s of %s has no file", photo.id, submission.code)
            continue
        url, expires = signed_photo_url(photo.id, now=now)
        entries.append({"url": url, "expires_at": _iso(expires), "size": photo.size,
                        "content_type": photo.content_type, "sha256": digest})
    return entries


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat()


def check_photo_link(photo_id: int, expires: str, signature: str, *, now=None):
    """The photo a link opens, or PhotoLinkRefused (403 bad or expired, 404 no such photo)."""
    expires, signature = (expires or "").strip(), (signature or "").strip().lower()
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 12) or not (
            signature.isascii() and len(signature) == 64):
        raise PhotoLinkRefused(403, "this photo link is not signed")
    expected = photo_signature(photo_id, int(expires))
    if not hmac.compare_digest(expected, signature):
        raise PhotoLinkRefused(403, "this photo link's signature does not match")
    if int(expires) < (time.time() if now is None else now):
        raise PhotoLinkRefused(403, "this photo link has expired")
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        raise PhotoLinkRefused(404, "no such photo")
    return photo
