"""API services: credentials, reference data, staff decisions, Open311 queries.

The API's search is portal.search.services.search_listing.

Services take plain values and model objects, add and flush; the view or command commits.
"""
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import selectinload

from portal.accounts.tokens import hash_secret
from portal.api.models import ApiKey
from portal.core.i18n import _l
from portal.core.inputs import strict_int
from portal.core.time import utcnow
from portal.extensions import db
from portal.moderation import services as moderation
from portal.stations.models import Category
from portal.submissions.models import OPEN_STATUSES, STATUSES, Submission
from portal.submissions.public_text import PUBLIC_FIELDS
from portal.submissions.services import find_by_code

KEY_PREFIX = "pk_"
MAX_PAGE_SIZE = 100
DECISIONS = ("accept", "reject", "hold", "publish", "unpublish")
CLOSED_STATUSES = tuple(s for s in STATUSES if s not in OPEN_STATUSES)


class DecisionInvalid(ValueError):
    """A decision that cannot be applied; `fields` maps field names to messages."""

    def __init__(self, fields: dict):
        super().__init__(", ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


# --- credentials -------------------------------------------------------------------------

def issue_api_key(name: str, created_by: str = ""):
    """A new API key for a client system: (ApiKey, secret); the secret is shown only once."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValueError("an API key needs a name")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_secret(secret), prefix=secret[:10],
                 created_by=created_by)
    db.session.add(key)
    db.session.flush()
    return key, secret


def find_api_key(secret: str, *, touch: bool = False):
    """The active API key with this secret, or None; `touch` records its use (write requests)."""
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    key = db.session.execute(db.select(ApiKey).filter_by(
        key_hash=hash_secret(secret), revoked_at=None)).scalar_one_or_none()
    if key is not None and touch:
        key.last_used_at = utcnow()
    return key


def list_api_keys() -> list:
    """Every API key, newest first (revoked ones included, for the record)."""
    return db.session.execute(
        db.select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).scalars().all()


def revoke_api_key(key_id: int):
    """Revoke a key (idempotent); returns it, or None when there is no such key."""
    key = db.session.get(ApiKey, key_id)
    if key is not None and key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.flush()
    return key


# --- reference data -----------------------------------------------------------------------

def reference_rows(model) -> list:
    """Active categories, areas or stations in display order."""
    return db.session.execute(db.select(model).filter_by(active=True)
                              .order_by(model.sort_order, model.id)).scalars().all()


def find_service(code: str):
    """An active sub-category (an Open311 service) by code, or None."""
    category = db.session.execute(
        db.select(Category).filter_by(code=code, active=True)).scalar_one_or_none()
    return category if category is not None and category.parent_id is not None else None


# --- staff ----------------------------------------------------------------------------------

def staff_submissions(*, status=None, page=1, per_page=20):
    """Submissions for staff, oldest first within a status (the review order); a Pagination."""
    query = db.select(Submission)
    if status:
        query = query.filter_by(status=status)
    query = query.order_by(Submission.created_at, Submission.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False,
                       max_per_page=MAX_PAGE_SIZE)


def apply_decision(submission, *, action: str, user, reason: str = "", note: str = "",
                   duplicate_of: str = "", public=None):
    """Apply a staff decision through the moderation services, as the staff pages do.

    `public` maps public text columns (`public_title`, `public_body`, `public_place`: one per
    field of PUBLIC_FIELDS) to the moderator's text for `publish`. Raises DecisionInvalid
    (field -> message) for incomplete input and ModerationConflict for a decision the
    submission's status does not allow.
    """
    public = {column: text for column, text in (public or {}).items() if text}
    if action in ("accept", "hold"):
        moderation.decide(submission, action, actor=user, note=note)
    elif action == "reject":
        if reason not in moderation.REJECT_REASONS:
            raise DecisionInvalid({"reason": _l("Choose a reason: spam, abusive, out_of_scope "
                                                "or duplicate.")})
        if reason == "duplicate" and not duplicate_of:
            raise DecisionInvalid({"duplicate_of": _l("Give the tracking code of the submission "
                                                      "this one repeats.")})
        try:
            moderation.decide(submission, "reject", actor=user, reason=reason,
                              duplicate_code=duplicate_of, note=note)
        except moderation.ModerationConflict:
            raise
        except moderation.ModerationError as exc:
            raise DecisionInvalid({"duplicate_of": str(exc)}) from None
    elif action == "publish" and public:
        if not all(f.public in public for f in PUBLIC_FIELDS if f.required):
            raise DecisionInvalid({"public_title": _l("Give both the public title and the "
                                                      "public text, or neither.")})
        # A field not given is the resident's original, masked, as in one-step publishing.
        suggested = moderation.suggested_public_version(submission)["fields"]
        values = {f.name: public.get(f.public, suggested[f.name]) for f in PUBLIC_FIELDS}
        try:
            moderation.save_public_version(submission, values=values,
                                           keep=moderation.kept_values(submission),
                                           publish=True, actor=user)
        except moderation.ModerationConflict:
            raise
        except moderation.ModerationError as exc:
            raise DecisionInvalid({"public_body": str(exc)}) from None
    elif action in ("publish", "unpublish"):
        # Without a text of its own, publishing uses the automatically masked version.
        moderation.set_published(submission, action == "publish", actor=user)
    else:
        raise DecisionInvalid({"action": _l("Choose one of: accept, reject, hold, publish, "
                                            "unpublish.")})
    return submission


# --- Open311 ----------------------------------------------------------------------------------

def is_tracking_code(value: str) -> bool:
    """True for a value that looks like a tracking code rather than a public id."""
    return not _ascii_digits(value or "") or len(value) == 10


def _ascii_digits(value: str) -> bool:
    """"①" and "٣" are digits to str.isdigit, but int() or a database cannot take them."""
    return value.isascii() and value.isdigit()


def find_service_request(request_id: str):
    """(submission, by_code) for an Open311 id: the tracking code (any submission, as the
    tracking page shows it to whoever holds the code) or a published submission's public id."""
    request_id = (request_id or "").strip()
    if is_tracking_code(request_id):
        submission = find_by_code(request_id)
        if submission is not None:
            return submission, True
    public_id = strict_int(request_id, minimum=1) if _ascii_digits(request_id) else None
    if public_id is not None:
        submission = db.session.get(Submission, public_id)
        if submission is not None and submission.published:
            return submission, False
    return None, False


def open311_requests(*, service_codes=(), statuses=(), start=None, end=None, page=1,
                     page_size=50):
    """Published submissions for GET requests: the 90-day window unless dates are given."""
    if start is None and end is None:
        start = utcnow() - timedelta(days=90)
    query = db.select(Submission).filter_by(published=True)
    if service_codes:
        query = query.join(Category, Submission.category_id == Category.id).where(
            Category.code.in_(list(service_codes)))
    wanted = set()
    for status in statuses:
        wanted |= set(OPEN_STATUSES if status == "open" else CLOSED_STATUSES)
    if wanted:
        query = query.where(Submission.status.in_(sorted(wanted)))
    if start is not None:
        query = query.where(Submission.created_at >= _as_utc(start))
    if end is not None:
        query = query.where(Submission.created_at <= _as_utc(end))
    query = query.order_by(Submission.created_at.desc(), Submission.id.desc()).options(
        selectinload(Submission.category), selectinload(Submission.area),
        selectinload(Submission.station), selectinload(Submission.events),
        selectinload(Submission.photos))
    return db.paginate(query, page=page, per_page=page_size, error_out=False,
                       max_per_page=MAX_PAGE_SIZE * 10)


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
