"""Moderation decisions. Every change goes through portal.submissions.services and is audited."""
from dataclasses import dataclass, field

from flask_babel import force_locale
from sqlalchemy import String, cast

from portal.accounts.services import record_audit
from portal.core.i18n import _, _l
from portal.core.text import has_content
from portal.extensions import db
from portal.moderation.models import Redaction
from portal.stations.models import Area, Category, Station
from portal.submissions.models import Submission
from portal.submissions.public_text import (
    FIELD_NAMES,
    PUBLIC_FIELDS,
    draft,
    findings_in_originals,
    masked,
)
from portal.submissions.services import (
    TransitionNotAllowed,
    add_official_reply,
    change_status,
    edit_public_text,
    find_by_code,
    merge_duplicate,
    reclassify,
    set_publication,
)

QUEUE_STATUSES = ("received", "held")
REJECT_REASONS = {"spam": _l("Spam or advertising"), "abusive": _l("Abusive content"),
                  "out_of_scope": _l("Outside what this portal handles"),
                  "duplicate": _l("Duplicate of another submission")}
DECISIONS = ("accept", "hold", "release", "reject")
# Reason codes (or their prefix before ":") a moderator can filter the queue by.
REASON_FILTERS = ("lexicon", "links", "repetition", "contact_bait", "classifier", "honeypot",
                  "too_fast", "no_render_token", "bad_render_token", "duplicate",
                  "near_duplicate")
NOT_PUBLISHABLE = ("received", "held", "rejected")


class ModerationError(ValueError):
    """A decision that cannot be carried out; the message is for the moderator."""


class ModerationConflict(ModerationError):
    """A decision the submission's current status does not allow (HTTP 409 for the API)."""


def actor_name(user) -> str:
    return f"user:{user.username}"


@dataclass
class QueueFilter:
    statuses: tuple = QUEUE_STATUSES
    kind: str = ""
    category: str = ""
    area: str = ""
    station: str = ""
    channel: str = ""
    reason: str = ""
    order: str = "newest"
    extra: dict = field(default_factory=dict)


def filtered_query(spec: QueueFilter):
    """The submissions matching the filter, ordered as asked."""
    query = db.select(Submission)
    if spec.statuses:
        query = query.where(Submission.status.in_(spec.statuses))
    if spec.kind:
        query = query.where(Submission.kind == spec.kind)
    if spec.channel:
        query = query.where(Submission.channel == spec.channel)
    if spec.category:
        query = query.join(Category, Submission.category_id == Category.id).where(
            Category.code == spec.category)
    if spec.area:
        query = query.join(Area, Submission.area_id == Area.id).where(Area.code == spec.area)
    if spec.station:
        query = query.join(Station, Submission.station_id == Station.id).where(
            Station.slug == spec.station)
    if spec.reason:
        # Reasons are a JSON list of codes such as "lexicon:porn"; match a code's start.
        query = query.where(cast(Submission.screening_reasons, String).like(
            f'%"{spec.reason}%'))
    order = Submission.id.asc() if spec.order == "oldest" else Submission.id.desc()
    return query.order_by(order)


def queue_page(spec: QueueFilter, page: int, per_page: int = 50):
    """A page of the moderation queue."""
    return db.paginate(filtered_query(spec), page=page, per_page=per_page, error_out=False)


def find_submission(submission_id: int):
    """A submission by id, or None."""
    return db.session.get(Submission, submission_id)


def _public_note(submission, message):
    """A note for the resident, in the language they wrote in."""
    with force_locale(submission.language or "zh"):
        return str(message)


def decide(submission, action: str, *, actor, reason: str = "", duplicate_code: str = "",
           note: str = "") -> None:
    """Accept, hold, release (back to received) or reject (with a reason) one submission."""
    before = {"status": submission.status}
    try:
        if action == "accept":
            change_status(submission, "accepted", actor=actor_name(actor), note=note)
        elif action == "hold":
            change_status(submission, "held", actor=actor_name(actor), note=note, public=False)
        elif action == "release":
            change_status(submission, "received", actor=actor_name(actor), note=note,
                          public=False)
        elif action == "reject":
            if reason not in REJECT_REASONS:
                raise ModerationError(_("Choose a reason for rejecting."))
            if reason == "duplicate":
                merge_into(submission, duplicate_code, actor=actor)
                return
            change_status(submission, "rejected", actor=actor_name(actor),
                          note=f"{reason}: {note}".strip(": "),
                          public_note=_public_note(submission, REJECT_REASONS[reason]))
        else:
            raise ModerationError(_("Unknown action."))
    except TransitionNotAllowed:
        raise ModerationConflict(_("This action is not possible in the submission's current "
                                "status.")) from None
    record_audit(actor.username, f"submission.{action}", target_type="submission",
                 target_id=submission.code, before=before,
                 after={"status": submission.status, "reason": reason or None}, note=note)


def merge_into(submission, target_code: str, *, actor) -> None:
    """Close a duplicate, pointing to the submission it repeats (given by tracking code)."""
    target = find_by_code(target_code or "")
    if target is None:
        raise ModerationError(_("No submission has this tracking code."))
    if target.id == submission.id:
        raise ModerationError(_("A submission cannot be a duplicate of itself."))
    before = {"status": submission.status}
    with force_locale(submission.language or "zh"):
        public_note = _("This repeats submission %(code)s, which is being handled.",
                        code=target.display_code)
    try:
        merge_duplicate(submission, target, actor=actor_name(actor), public_note=public_note)
    except TransitionNotAllowed:
        raise ModerationConflict(_("This action is not possible in the submission's current "
                                "status.")) from None
    record_audit(actor.username, "submission.merge", target_type="submission",
                 target_id=submission.code, before=before,
                 after={"status": submission.status, "duplicate_of": target.code})


def bulk_decide(ids, action: str, *, actor, reason: str = "") -> tuple:
    """Apply one decision to many submissions; returns (done, skipped) counts."""
    done = skipped = 0
    for submission_id in ids:
        submission = find_submission(submission_id)
        if submission is None:
            skipped += 1
            continue
        try:
            with db.session.begin_nested():
                decide(submission, action, actor=actor, reason=reason)
            done += 1
        except ModerationError:
            skipped += 1
    return done, skipped


def change_classification(submission, *, category_code: str, area_code: str, actor) -> None:
    """Move a submission to another category or area."""
    try:
        change = reclassify(submission, category_code=category_code, area_code=area_code,
                            actor=actor_name(actor))
    except ValueError:
        raise ModerationError(_("Choose a category and an area from the lists.")) from None
    if change["before"] != change["after"]:
        record_audit(actor.username, "submission.reclassify", target_type="submission",
                     target_id=submission.code, before=change["before"], after=change["after"])


def kept_values(submission) -> list:
    """Values the moderator chose to leave unmasked in this submission's public version."""
    row = db.session.get(Redaction, submission.id)
    return list(row.keep) if row else []


def suggested_public_version(submission, keep=None) -> dict:
    """The public version of every public field with personal data masked, and what was found
    in the resident's original: {"fields": {name: text}, "findings": [...], "keep": [...]}."""
    keep = kept_values(submission) if keep is None else keep
    fields, _masked = masked(draft(submission), keep)
    return {"fields": fields, "findings": findings_in_originals(submission), "keep": keep}


def save_public_version(submission, *, values: dict, keep, publish, actor) -> list:
    """Store the public version (personal data masked unless kept) and publish or unpublish.

    `values` maps the names of PUBLIC_FIELDS to the moderator's text (a field left out keeps
    its stored public version). `publish` is True, False or None (leave as it is). Returns the
    findings that were masked.
    """
    keep = sorted({value for value in keep or () if value})
    if publish and submission.status in NOT_PUBLISHABLE:
        raise ModerationConflict(_("Accept a submission before publishing it."))
    row = db.session.get(Redaction, submission.id)
    if row is None:
        row = Redaction(submission_id=submission.id)
        db.session.add(row)
    before = {"keep": list(row.keep or []), "published": submission.published}
    row.keep, row.updated_by = keep, actor.username
    text, found = masked({name: values[name] for name in FIELD_NAMES if name in values}, keep)
    for f in PUBLIC_FIELDS:
        if f.name not in text:
            continue
        if f.required and not has_content(text[f.name]):
            raise ModerationError(_("The public version needs a title and a text."))
        if len(text[f.name]) > f.maximum:
            raise ModerationError(_("%(field)s: please keep this under %(n)d characters.",
                                    field=f.label, n=f.maximum))
    change = edit_public_text(submission, values=text, actor=actor_name(actor))
    if publish is not None and bool(publish) != submission.published:
        set_publication(submission, bool(publish), actor=actor_name(actor))
    record_audit(actor.username, "submission.public_version", target_type="submission",
                 target_id=submission.code,
                 before={**before, **change["before"]},
                 after={"keep": keep, "published": submission.published, **change["after"]})
    return found


def set_published(submission, published: bool, *, actor) -> None:
    """Publish (with the masked public version of every public field) or unpublish."""
    if published:
        if submission.status in NOT_PUBLISHABLE:
            raise ModerationConflict(_("Accept a submission before publishing it."))
        edit_public_text(submission, values=suggested_public_version(submission)["fields"],
                         actor=actor_name(actor))
    before = {"published": submission.published}
    if before["published"] != published:
        set_publication(submission, published, actor=actor_name(actor))
        record_audit(actor.username, "submission.publish" if published else
                     "submission.unpublish", target_type="submission",
                     target_id=submission.code, before=before, after={"published": published})


def reply(submission, *, text: str, text_en: str, actor) -> None:
    """Add the official reply (shown on the public and tracking pages)."""
    try:
        event = add_official_reply(submission, actor=actor_name(actor), text=text,
                                   text_en=text_en)
    except ValueError:
        raise ModerationError(_("Write the reply in at least one language.")) from None
    record_audit(actor.username, "submission.reply", target_type="submission",
                 target_id=submission.code,
                 after={"text": event.public_note, "text_en": event.public_note_en})
