"""Status coming back from the platform: validated, idempotent by event_id, applied once.

An event applies only to a case the platform was given (a delivery of it went out) and still
handles, and only as the lifecycle allows from its current status; anything else is refused
(409) and recorded in the audit log, so a signed event can never stand in for a moderator.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from portal.accounts.services import record_audit
from portal.core.text import has_hidden_controls
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.forwarding.incidents import PROGRESS, apply_progress, check_progress
from portal.forwarding.models import Delivery, Incident, PlatformEvent
from portal.forwarding.payload import verify
from portal.submissions.models import StatusEvent
from portal.submissions.services import TransitionNotAllowed, add_official_reply, find_by_code

NOTE_MAX, REPLY_MAX, REASON_MAX = 2000, 5000, 500
# occurred_at must lie in this window: an event from the far future would make every later
# event look older than it (superseded) for ever.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
# The statuses of a case the platform holds (reached only through a confirmed delivery).
WITH_PLATFORM = ("forwarded", "in_progress", "resolved", "closed")


class EventRejected(ValueError):
    """An event that cannot be applied; nothing was changed."""

    def __init__(self, status: int, code: str, message: str, fields=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


@dataclass
class Refusal:
    code: str  # not_forwarded | transition_not_allowed
    message: str


@dataclass
class EventResult:
    outcome: str  # applied | unchanged | superseded | duplicate | refused
    submission: object
    refusal: Refusal = None  # why a `refused` event was not applied (answered with 409)


CONTROLS = "must not contain control characters"


def _text(fields, data, name, maximum):
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > maximum:
        fields[name] = f"must be a string of at most {maximum} characters"
        return ""
    return value.strip()


def _occurred_at(fields, bad, raw_time):
    """The event's time in UTC; out of the accepted window (or of datetime's) is `bad`."""
    try:
        value = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) else None
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        fields["occurred_at"] = "required: ISO 8601 date and time with a time zone"
        return None
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 moved across midnight by its offset
        value = None
    if value is None or not EARLIEST <= value <= utcnow() + FUTURE_SLACK:
        bad["occurred_at"] = "out of range: from 2000-01-01 to one day ahead of our clock"
        return None
    return value


def parse_event(data) -> dict:
    """Check an event body; raises EventRejected naming every bad field: 400 for control
    characters or an out-of-range time, 422 for anything else missing or malformed."""
    if not isinstance(data, dict):
        raise EventRejected(400, "malformed", "the body must be a JSON object")
    fields, bad = {}, {}
    event_id = data.get("event_id")
    if not isinstance(event_id, str) or not 1 <= len(event_id.strip()) <= 100:
        fields["event_id"] = "required: a string of 1 to 100 characters"
    elif has_hidden_controls(event_id):
        bad["event_id"] = CONTROLS
    reference = data.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        fields["reference"] = "required: the tracking code of the submission"
    elif has_hidden_controls(reference):
        bad["reference"] = CONTROLS
    status = data.get("status")
    if status not in PROGRESS:
        fields["status"] = "must be one of " + ", ".join(PROGRESS)
    note = _text(fields, data, "note", NOTE_MAX)
    reason = _text(fields, data, "reason", REASON_MAX)  # why a case is returned (staff only)
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
    for name, value in (("note", note), ("reason", reason), ("reply", reply),
                        ("reply", reply_en)):
        if name not in fields and has_hidden_controls(value):
            bad[name] = CONTROLS
    # UTC: SQLite keeps no offset, so every stored time is UTC.
    occurred_at = _occurred_at(fields, bad, data.get("occurred_at"))
    if bad:
        raise EventRejected(400, "invalid", "the event holds control characters or a time "
                                            "out of range", {**fields, **bad})
    if fields:
        raise EventRejected(422, "invalid", "the event has invalid fields", fields)
    return {"event_id": event_id.strip(), "reference": reference, "status": status, "note": note,
            "reason": reason, "reply": reply, "reply_en": reply_en, "occurred_at": occurred_at}


def _was_forwarded(submission) -> bool:
    """True once a delivery of the case reached the platform (the relay marks it forwarded)."""
    sent = db.select(Delivery.id).filter_by(submission_id=submission.id, state="sent")
    moved = db.select(StatusEvent.id).filter_by(submission_id=submission.id,
                                                to_status="forwarded")
    return db.session.execute(db.select(sent.exists() | moved.exists())).scalar()


def _refusal(submission, status: str, superseded: bool):
    """Why the platform may not report `status` on this case now, or None."""
    handled = submission.status in WITH_PLATFORM or (
        # Returned and waiting to be forwarded again: the platform may only repeat the return.
        submission.status == "accepted" and PROGRESS[status] == "accepted")
    if not handled or not _was_forwarded(submission):
        return Refusal("not_forwarded",
                       f"the platform does not hold this case (it is {submission.status}): "
                       "events apply only to cases forwarded to it and not taken back since")
    if not superseded:  # an older event's status is never applied, only its reply
        try:
            check_progress(submission, status)
        except TransitionNotAllowed:
            return Refusal("transition_not_allowed",
                           f"a submission that is {submission.status} cannot become {status}")
    return None


def _record_refusal(submission, event: dict, refusal: Refusal) -> None:
    """Keep a refused event where administrators look (the audit log, action
    platform_event.refused); the event id is not claimed, so the platform may send it again."""
    record_audit("platform", "platform_event.refused", target_type="submission",
                 target_id=submission.code, before={"status": submission.status},
                 after={"status": event["status"], "event_id": event["event_id"],
                        "occurred_at": event["occurred_at"].isoformat()},
                 note=f"{refusal.code}: {refusal.message}")


def apply_platform_event(event: dict, raw_body: bytes) -> EventResult:
    """Apply a parsed event once: a repeated event_id changes nothing; an older event than one
    already applied to the submission does not move its status back (its reply still counts);
    an event the case cannot take is recorded and returned as `refused`, changing nothing."""
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
    superseded = latest is not None and event["occurred_at"] < as_utc(latest)
    refusal = _refusal(submission, event["status"], superseded)
    if refusal is not None:
        _record_refusal(submission, event, refusal)
        return EventResult("refused", submission, refusal)
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
    changed = apply_progress(submission, event["status"], actor="platform", note=event["note"],
                             reason=event.get("reason", ""),
                             reply=event["reply"], reply_en=event["reply_en"])
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


SIGNATURE_PROBLEMS = {
    "unsigned": "X-Portal-Timestamp and X-Portal-Signature are required",
    "stale": "X-Portal-Timestamp is more than 300 seconds from our clock",
    "bad_signature": "the signature does not match the body",
}


def receive_platform_event(raw_body: bytes, *, timestamp: str, signature: str,
                           secret: str) -> EventResult:
    """Verify a signed event from the platform, read it, and apply it (EventRejected else)."""
    if not secret:
        raise EventRejected(503, "not_configured",
                            "events are not accepted: PORTAL_PLATFORM_SECRET is not set")
    problem = verify(secret, raw_body, timestamp, signature)
    if problem:
        raise EventRejected(401, problem, SIGNATURE_PROBLEMS[problem])
    try:
        data = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise EventRejected(400, "malformed", "the body is not valid JSON") from None
    return apply_platform_event(parse_event(data), raw_body)
