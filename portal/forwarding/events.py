"""Status coming back from the platform: validated, idempotent by event_id, applied once."""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.forwarding.incidents import PROGRESS, apply_progress
from portal.forwarding.models import Incident, PlatformEvent
from portal.forwarding.payload import aware
from portal.submissions.services import TransitionNotAllowed, add_official_reply, find_by_code

NOTE_MAX, REPLY_MAX = 2000, 5000


class EventRejected(ValueError):
    """An event that cannot be applied; nothing was changed."""

    def __init__(self, status: int, code: str, message: str, fields=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


@dataclass
class EventResult:
    outcome: str  # applied | unchanged | superseded | duplicate
    submission: object


def _text(fields, data, name, maximum):
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > maximum:
        fields[name] = f"must be a string of at most {maximum} characters"
        return ""
    return value.strip()


def parse_event(data) -> dict:
    """Check an event body; raises EventRejected(422) naming every bad field."""
    if not isinstance(data, dict):
        raise EventRejected(400, "malformed", "the body must be a JSON object")
    fields = {}
    event_id = data.get("event_id")
    if not isinstance(event_id, str) or not 1 <= len(event_id.strip()) <= 100:
        fields["event_id"] = "required: a string of 1 to 100 characters"
    reference = data.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        fields["reference"] = "required: the tracking code of the submission"
    status = data.get("status")
    if status not in PROGRESS:
        fields["status"] = "must be one of " + ", ".join(PROGRESS)
    note = _text(fields, data, "note", NOTE_MAX)
    reply, reply_en = "", ""
    raw_reply = data.get("reply")
    if isinstance(raw_reply, dict):
        if set(raw_reply) - {"zh", "en"} or not all(
                isinstance(v, str) and len(v) <= REPLY_MAX for v in raw_reply.values()):
            fields["reply"] = "an object may hold only the strings zh and en"
        else:
            reply = (raw_reply.get("zh") or "").strip()
            reply_en = (raw_reply.get("en") or "").strip()
            if not (reply or reply_en):
                fields["reply"] = "give the reply text in zh, en or both"
    elif raw_reply is not None:
        reply = _text(fields, data, "reply", REPLY_MAX)
        if "reply" not in fields and not reply:
            fields["reply"] = "must not be empty"
    occurred_at = None
    raw_time = data.get("occurred_at")
    try:
        occurred_at = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) else None
    except ValueError:
        occurred_at = None
    if occurred_at is None or occurred_at.tzinfo is None:
        fields["occurred_at"] = "required: ISO 8601 date and time with a time zone"
    if fields:
        raise EventRejected(422, "invalid", "the event has invalid fields", fields)
    return {"event_id": event_id.strip(), "reference": reference, "status": status, "note": note,
            "reply": reply, "reply_en": reply_en,
            # UTC: SQLite keeps no offset, so every stored time is UTC.
            "occurred_at": occurred_at.astimezone(timezone.utc)}


def apply_platform_event(event: dict, raw_body: bytes) -> EventResult:
    """Apply a parsed event once: a repeated event_id changes nothing; an older event than one
    already applied to the submission does not move its status back (its reply still counts)."""
    fingerprint = hashlib.sha256(raw_body).hexdigest()
    seen = db.session.execute(db.select(PlatformEvent).filter_by(
        event_id=event["event_id"])).scalar_one_or_none()
    if seen is not None:
        if seen.fingerprint != fingerprint:
            raise EventRejected(409, "event_id_reused",
                                "this event_id was already used for a different event")
        return EventResult("duplicate", seen.submission)
    submission = find_by_code(event["reference"])
    if submission is None:
        raise EventRejected(404, "unknown_reference", "no submission has this reference")
    latest = db.session.execute(db.select(func.max(PlatformEvent.occurred_at)).where(
        PlatformEvent.submission_id == submission.id,
        PlatformEvent.outcome != "superseded")).scalar()
    superseded = latest is not None and event["occurred_at"] < aware(latest)
    record = PlatformEvent(event_id=event["event_id"], submission_id=submission.id,
                           status=event["status"], occurred_at=event["occurred_at"],
                           fingerprint=fingerprint, outcome="superseded")
    try:
        with db.session.begin_nested():  # claim the event id before changing anything
            db.session.add(record)
    except IntegrityError:  # the same event id, concurrently: tell the sender to try again
        raise EventRejected(409, "in_flight",
                            "this event is being applied; send it again") from None
    if superseded:
        if event["reply"] or event["reply_en"]:
            add_official_reply(submission, actor="platform", text=event["reply"],
                               text_en=event["reply_en"])
        return EventResult("superseded", submission)
    try:
        changed = apply_progress(submission, event["status"], actor="platform",
                                 note=event["note"], reply=event["reply"],
                                 reply_en=event["reply_en"])
    except TransitionNotAllowed:
        raise EventRejected(409, "transition_not_allowed",
                            f"a submission that is {submission.status} cannot become "
                            f"{event['status']}") from None
    record.outcome = "applied" if changed else "unchanged"
    _follow_local_incident(submission, event["status"])
    db.session.flush()
    return EventResult(record.outcome, submission)


def _follow_local_incident(submission, status: str) -> None:
    """When the local queue holds the case too, its incident follows the reported status."""
    incident = db.session.execute(
        db.select(Incident).filter_by(submission_id=submission.id)
        .order_by(Incident.id.desc())).scalars().first()
    if incident is not None and incident.state not in ("closed", "returned"):
        incident.state = status
