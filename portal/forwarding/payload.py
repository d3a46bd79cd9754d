"""The incident document sent to the platform (version 1, see incident.schema.json)."""
import hashlib
import hmac
import json
import time
from pathlib import Path

from portal.core.time import as_utc
from portal.forwarding.photos import photo_entries
from portal.forwarding.routing import route

PAYLOAD_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("incident.schema.json")




def _iso(value) -> str:
    return as_utc(value).isoformat() if value is not None else None


def _names(row) -> dict:
    return {"code": row.code, "name_zh": row.name_zh, "name_en": row.name_en}


def build_payload(submission, *, idempotency_key: str, accepted_at, sequence: int,
                  previous_reference=None, update=None, grids=None) -> dict:
    """The versioned incident document for one acceptance; contact only with consent
    (`grids`: see `routing.routed_area`)."""
    routing = route(submission, grids)
    category = submission.category
    contact = submission.contact
    station = submission.station
    location = None
    if submission.latitude is not None and submission.longitude is not None:
        located = submission.located_area
        location = {"latitude": submission.latitude, "longitude": submission.longitude,
                    "area": {**_names(located), "kind": located.kind} if located else None}
    return {
        "version": PAYLOAD_VERSION,
        "idempotency_key": idempotency_key,
        "reference": submission.code,
        "display_reference": submission.display_code,
        "sequence": sequence,
        "previous_reference": previous_reference,
        "kind": submission.kind,
        "channel": submission.channel,
        "language": submission.language,
        "title": submission.title,
        "body": submission.body,
        "place": submission.place,
        "location": location,
        "category": {**_names(category),
                     "parent": _names(category.parent) if category.parent else None},
        "area": {**_names(submission.area), "kind": submission.area.kind},
        "routing": {"team": routing.team, "priority": "urgent" if routing.priority else "normal",
                    "area": {**_names(routing.area), "kind": routing.area.kind},
                    "rule": routing.rule},
        "station": ({"slug": station.slug, "kind": station.kind, "name_zh": station.name_zh,
                     "name_en": station.name_en} if station is not None else None),
        "photo_count": len(submission.photos),
        "photos": photo_entries(submission),
        "contact": ({"name": contact.name, "phone": contact.phone, "email": contact.email}
                    if contact is not None and contact.consent else None),
        "submitted_at": _iso(submission.created_at),
        "accepted_at": _iso(accepted_at),
        "update": update,  # None for a new case; {"type": "reopened", ...} for an update
    }


def encode(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode("utf-8")


def sign(secret: str, body: bytes, timestamp=None) -> dict:
    """X-Portal-Timestamp and X-Portal-Signature headers for a body (DESIGN.md §8)."""
    timestamp = str(int(time.time() if timestamp is None else timestamp))
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return {"X-Portal-Timestamp": timestamp, "X-Portal-Signature": f"sha256={digest}"}


def verify(secret: str, body: bytes, timestamp: str, signature: str, *, now=None,
           tolerance: int = 300) -> str:
    """'' when the signature is good and fresh, else why not: unsigned, stale, bad_signature."""
    if not timestamp or not signature:
        return "unsigned"
    try:
        sent = int(timestamp)
    except ValueError:
        return "stale"
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return "stale"
    expected = sign(secret, body, sent)["X-Portal-Signature"]
    return "" if hmac.compare_digest(expected, signature.strip()) else "bad_signature"
