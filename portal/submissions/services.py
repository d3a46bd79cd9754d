"""The submission's life: the one place it is born, the one place its status changes.

Services take plain values, add and flush; the caller (a view, a CLI command, a worker) commits.
"""
import hashlib
import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.audit import record_audit
from portal.core.i18n import _
from portal.core.rows import add_inserted, execute_write
from portal.core.text import clean_block, has_content
from portal.core.time import utcnow
from portal.extensions import db
from portal.screening.services import screen_text
from portal.stations.notices import emergency_message, emergency_only
from portal.stations.services import find_area, find_category, find_station
from portal.submissions.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    new_tracking_code,
    normalize_tracking_code,
)
from portal.submissions.history import (
    add_staff_note,
    add_timeline_entry,
    record_change,
    stored_id,
)
from portal.submissions.idempotency import IdempotencyConflict, ScopedKey
from portal.submissions.locator import area_of_point
from portal.submissions.models import (
    CHANNELS,
    KINDS,
    Contact,
    Photo,
    StatusEvent,
    Submission,
)
from portal.submissions.photos import PhotoInvalid, prepare_photo, write_photo_files
from portal.submissions.public_text import PUBLIC_COLUMNS, PUBLIC_FIELDS
from portal.submissions.recent import recent_texts
from portal.submissions.validation import (
    BODY_MAX,
    BODY_MIN,
    MAX_PHOTOS,
    PLACE_MAX,
    TITLE_MAX,
    TITLE_MIN,
    SubmissionInvalid,
    check_contact,
    check_coordinates,
    check_text,
)

TRANSITIONS = {
    "received": {"held", "accepted", "rejected"},
    "held": {"received", "accepted", "rejected"},
    "accepted": {"held", "forwarded", "in_progress", "resolved", "closed", "rejected"},
    "forwarded": {"accepted", "in_progress", "resolved", "closed"},  # accepted: returned
    "in_progress": {"accepted", "resolved", "closed"},
    "resolved": {"in_progress", "closed"},
    "closed": set(),
    "rejected": {"received", "accepted"},
}


class TransitionNotAllowed(ValueError):
    """A status change the lifecycle does not permit."""


@dataclass
class Creation:
    submission: Submission
    created: bool  # False when an idempotent retry returned the existing submission


def find_by_code(text: str):
    """The submission with this tracking code (as typed), or None."""
    code = normalize_tracking_code(text)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return db.session.execute(db.select(Submission).filter_by(code=code)).scalar_one_or_none()


def _fingerprint(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _forget_files_on_rollback(paths):
    """Files written for a transaction are removed again if that transaction rolls back (and
    only then: once it committed, no later rollback in the same session touches them)."""
    session = db.session()
    written_in = session.get_transaction()

    @event.listens_for(session, "after_soft_rollback")
    def _remove(_session, rolled_back):
        if rolled_back is written_in:
            for path in paths:
                Path(path).unlink(missing_ok=True)


def create_submission(*, kind, category_code, area_code, title, body, channel="web",
                      language="zh", place="", latitude=None, longitude=None, station_slug=None,
                      contact=None, photos=(), idempotency_key=None, screening_context=None,
                      actor="resident") -> Creation:
    """Validate, screen and store a new submission from any channel; the only place one is born.

    `photos` is a sequence of raw bytes; `idempotency_key` a ScopedKey from the one key policy
    (portal.submissions.idempotency), so a key only ever names its own client's submission.
    Raises SubmissionInvalid (field -> message) before anything is stored, or
    IdempotencyConflict when the key was used for different content.
    """
    if idempotency_key is not None and not isinstance(idempotency_key, ScopedKey):
        raise TypeError("idempotency keys are built by portal.submissions.idempotency")
    stored_key = idempotency_key.stored if idempotency_key is not None else None
    errors = {}
    if kind not in KINDS:
        errors["kind"] = _("Choose whether this is an issue or an idea.")
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    title = check_text(errors, "title", title if isinstance(title, str) else "",
                        minimum=TITLE_MIN, maximum=TITLE_MAX)
    body = check_text(errors, "body", body if isinstance(body, str) else "", minimum=BODY_MIN,
                       maximum=BODY_MAX, multiline=True)
    place = check_text(errors, "place", place if isinstance(place, str) else "", minimum=0,
                        maximum=PLACE_MAX, required=False)
    latitude, longitude = check_coordinates(errors, latitude, longitude)
    contact = check_contact(errors, contact)
    prepared = []
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("You can add at most %(n)d photos.", n=MAX_PHOTOS)
    else:
        for data in photos:
            try:
                prepared.append(prepare_photo(
                    data, max_bytes=current_app.config["PORTAL_MAX_PHOTO_BYTES"],
                    max_pixels=current_app.config["PORTAL_MAX_IMAGE_PIXELS"]))
            except PhotoInvalid as exc:
                errors["photos"] = str(exc)
                break
    # The costly work (photos above, screening here) comes before the first query of the
    # transaction: on SQLite a writing request's transaction holds the write lock from its
    # first query to its commit, and every other submission waits for it.
    screening = None if errors else screen_text(title, body, screening_context,
                                                recent=recent_texts())
    category = find_category(category_code) if isinstance(category_code, str) else None
    if category is None:
        errors["category"] = _("Choose a category from the list.")
    elif emergency_only(category):
        # Emergency-only: every channel refuses it, with the notice saying whom to call.
        errors["category"] = emergency_message(category)
    located_area = area_of_point(errors, latitude, longitude)
    if located_area is not None and not area_code:
        area_code = located_area.code  # the point decides unless the resident chose an area
    area = find_area(area_code) if isinstance(area_code, str) else None
    if area is None:
        errors["area"] = _("Choose an area from the list.")
    station = None
    if station_slug:
        station = find_station(station_slug)
        if station is None:
            errors["station"] = _("Choose a station from the list.")
    if errors:
        raise SubmissionInvalid(errors)

    fingerprint = _fingerprint({
        "kind": kind, "category": category_code, "area": area_code, "title": title, "body": body,
        "place": place, "lat": latitude, "lon": longitude, "station": station_slug,
        "contact": contact, "photos": [hashlib.sha256(d).hexdigest() for d in photos]})
    if stored_key:
        existing = db.session.execute(
            db.select(Submission).filter_by(idempotency_key=stored_key)).scalar_one_or_none()
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise IdempotencyConflict()
            return Creation(existing, False)

    now = utcnow()
    submission = Submission(
        code=new_tracking_code(), kind=kind, channel=channel, language=language,
        category=category, area=area, station=station, title=title, body=body, place=place,
        latitude=latitude, longitude=longitude, located_area=located_area,
        idempotency_key=stored_key,
        fingerprint=fingerprint, screening_score=screening.score,
        screening_reasons=screening.reasons, status="received", created_at=now, updated_at=now)
    # The submission and the rows it is born with are written with a statement each (see
    # portal.core.rows); a savepoint only where a key can race: without one, a clash is a
    # tracking-code collision (once in 2^50), and failing the whole request is right.
    try:
        with db.session.begin_nested() if stored_key else nullcontext():
            add_inserted(db.session, submission)
            if any(contact[k] for k in ("name", "phone", "email")):
                set_committed_value(submission, "contact", add_inserted(
                    db.session, Contact(submission_id=submission.id, **contact)))
            add_timeline_entry(submission, actor=actor, from_status=None,
                               to_status="received", created_at=now)
            record_change(submission, "created", at=now)
            if screening.hold:
                change_status(submission, "held", actor="system",
                              note=", ".join(screening.reasons), public=False)
            elif _auto_accepts(channel, screening):
                change_status(submission, "accepted", actor="system", note="auto-accept rule")
                record_audit("system", "submission.auto_accept", target_type="submission",
                             target_id=submission.code, before={"status": "received"},
                             after={"status": "accepted"},
                             note=f"channel {channel}, score {screening.score}")
    except IntegrityError:
        # A concurrent request with the same idempotency key won the race: return what the key
        # now names.
        if not stored_key:
            raise
        existing = db.session.execute(
            db.select(Submission).filter_by(idempotency_key=stored_key)).scalar_one()
        if existing.fingerprint != fingerprint:
            raise IdempotencyConflict() from None
        return Creation(existing, False)
    written = []
    upload_dir = current_app.config["PORTAL_UPLOAD_DIR"]
    for item in prepared:
        name, thumb = write_photo_files(item, upload_dir)
        written += [Path(upload_dir) / name, Path(upload_dir) / thumb]
        submission.photos.append(Photo(filename=name, thumbnail=thumb,
                                       content_type=item.content_type, width=item.width,
                                       height=item.height, size=len(item.data)))
    if written:
        _forget_files_on_rollback(written)
        db.session.flush()
    return Creation(submission, True)


AUTO_ACCEPT_MAX_SCORE = 0.3


def auto_accept_channels(value) -> set:
    """Parse PORTAL_AUTO_ACCEPT: off (default), on (enrolled kiosks) or a list of channels."""
    value = str(value or "").strip().lower()
    if value in ("", "off", "0", "false", "no"):
        return set()
    if value in ("on", "1", "true", "yes"):
        return {"kiosk"}
    return {part.strip() for part in value.split(",") if part.strip() in CHANNELS}


def _auto_accepts(channel, screening) -> bool:
    """The auto-accept rule: a trusted channel and a clean score (no duplicate either)."""
    if channel not in auto_accept_channels(current_app.config.get("PORTAL_AUTO_ACCEPT")):
        return False
    return screening.score < AUTO_ACCEPT_MAX_SCORE and not any(
        "duplicate" in reason for reason in screening.reasons)


def change_status(submission, to_status: str, *, actor: str, note: str = "",
                  public_note: str = "", public: bool = True) -> None:
    """Move a submission to another status, writing its timeline and the change log."""
    from_status = submission.status
    if to_status not in TRANSITIONS.get(from_status, set()):
        raise TransitionNotAllowed(f"{from_status} -> {to_status}")
    now = utcnow()
    # Like the rows below, the new status is written with one UPDATE of its own rather than by
    # the ORM's flush; the instance is told the values as stored, so no flush writes them again.
    execute_write(db.session, STATUS_UPDATE,
                  {"key": stored_id(submission), "status": to_status, "updated_at": now})
    set_committed_value(submission, "status", to_status)
    set_committed_value(submission, "updated_at", now)
    # The event and its change-log row carry one time: consumers find the timeline entry a
    # change was written for as the newest one no later than the change.
    add_timeline_entry(submission, actor=actor, from_status=from_status, to_status=to_status,
                       note=note, public_note=public_note, is_public=public, created_at=now)
    record_change(submission, "status", at=now)


STATUS_UPDATE = (Submission.__table__.update()
                 .where(Submission.__table__.c.id == bindparam("key"))
                 .values(status=bindparam("status"), updated_at=bindparam("updated_at")))


def add_official_reply(submission, *, actor: str, text: str, text_en: str = "") -> StatusEvent:
    """The official reply (答复) shown on the tracking and public pages; one place for all."""
    text, text_en = (clean_block(t) if has_content(t) else "" for t in (text, text_en))
    if not text and not text_en:
        raise ValueError("an official reply needs text")
    event_row = StatusEvent(actor=actor, kind="reply", from_status=submission.status,
                            to_status=submission.status, public_note=text or text_en,
                            public_note_en=text_en, is_public=True)
    submission.events.append(event_row)
    submission.updated_at = utcnow()
    db.session.flush()
    record_change(submission, "reply")
    return event_row


def set_publication(submission, published: bool, *, actor: str, **public) -> None:
    """Publish (with the public, redacted text) or unpublish a submission.

    `public` may give the public version's columns (`public_title=...`, one per field of
    PUBLIC_FIELDS); a field not given keeps its stored public version. The caller masks them.
    """
    unknown = set(public) - set(PUBLIC_COLUMNS)
    if unknown:
        raise TypeError(f"not public text columns: {sorted(unknown)}")
    if published:
        for f in PUBLIC_FIELDS:
            setattr(submission, f.public,
                    f.clean(public.get(f.public) or getattr(submission, f.public) or "") or None)
        if any(f.required and not has_content(getattr(submission, f.public) or "")
               for f in PUBLIC_FIELDS):
            raise ValueError("a published submission needs a public title and text")
        submission.published_at = submission.published_at or utcnow()
    submission.published = published
    submission.updated_at = utcnow()
    add_staff_note(submission, actor=actor, note="published" if published else "unpublished")
    record_change(submission, "published" if published else "unpublished")


def reclassify(submission, *, category_code: str, area_code: str, actor: str) -> dict:
    """Change a submission's category or area; returns {"before": ..., "after": ...} codes."""
    category, area = find_category(category_code), find_area(area_code)
    if category is None or area is None:
        raise ValueError("unknown category or area")
    before = {"category": submission.category.code, "area": submission.area.code}
    after = {"category": category.code, "area": area.code}
    if before != after:
        submission.category, submission.area = category, area
        submission.updated_at = utcnow()
        add_staff_note(submission, actor=actor,
                       note=f"category {before['category']} -> {after['category']}, "
                            f"area {before['area']} -> {after['area']}")
        record_change(submission, "edited")
    return {"before": before, "after": after}


def edit_public_text(submission, *, values: dict, actor: str) -> dict:
    """Set the public (redacted) version of the fields given ({name: text}, names from
    PUBLIC_FIELDS); the resident's original stays as it was. Returns before/after by name."""
    fields = [f for f in PUBLIC_FIELDS if f.name in values]
    before = {f.name: getattr(submission, f.public) for f in fields}
    for f in fields:
        setattr(submission, f.public, f.clean(values[f.name]) or None)
    after = {f.name: getattr(submission, f.public) for f in fields}
    if before != after:
        submission.updated_at = utcnow()
        add_staff_note(submission, actor=actor, note="public text edited")
        record_change(submission, "edited")
    return {"before": before, "after": after}


def merge_duplicate(duplicate, target, *, actor: str, public_note: str = "") -> None:
    """Close a duplicate as rejected, pointing to the submission it repeats (which gains
    support)."""
    if duplicate.id == target.id:
        raise ValueError("a submission cannot be merged into itself")
    change_status(duplicate, "rejected", actor=actor, note=f"duplicate of {target.code}",
                  public_note=public_note)
    target.support_count = (target.support_count or 0) + 1
    target.updated_at = utcnow()
    db.session.flush()
    record_change(target, "edited")
