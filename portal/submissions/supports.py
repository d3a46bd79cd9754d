""""This is my problem too": the one support service, for the web, the kiosk and any channel.

A support counts once per visitor (a browser session, one visit at a kiosk), a retried request
with the same idempotency key counts once even when the visitor's cookie was lost with the
answer, and one address (web) or one kiosk device may add only so many voices to a submission
in a day. Each voice is a `Support` row: the submission's `support_count` is their number (plus
the duplicates merged into it by moderators).
"""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.core.i18n import _
from portal.core.ratelimit import address_hash
from portal.core.time import utcnow
from portal.extensions import db
from portal.submissions.history import record_change
from portal.submissions.idempotency import ScopedKey
from portal.submissions.models import Submission, Support

WINDOW = timedelta(hours=24)
VISITOR_MAX = 80


class SupportError(ValueError):
    """A support that cannot be counted; `message` is shown to the visitor."""

    status = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotSupportable(SupportError):
    """The submission is not published (any more)."""

    status = 404


class SupportLimited(SupportError):
    """This address or device already added as many voices to the submission as allowed."""

    status = 429


@dataclass
class SupportResult:
    submission: Submission
    counted: bool  # False: this visitor (or this retried request) was already counted


def _existing(submission, column, value):
    return db.session.execute(db.select(Support.id).where(
        Support.submission_id == submission.id, column == value)).first() is not None


def _recent(submission, column, value) -> int:
    return db.session.execute(db.select(db.func.count(Support.id)).where(
        Support.submission_id == submission.id, column == value,
        Support.created_at >= utcnow() - WINDOW)).scalar_one()


def add_support(submission, *, visitor: str, address: str, channel: str = "web",
                device: str | None = None, idempotency_key: ScopedKey | None = None
                ) -> SupportResult:
    """Count one voice for a published submission, once per visitor and idempotent on retry.

    `visitor` names the browser session or kiosk visit, `address` is the client's IP (stored
    only as a keyed hash), `device` the kiosk (`kiosk:<id>`), `idempotency_key` the key the
    form or screen sent, scoped to its client by the one key policy (`idempotency.py`). Raises
    NotSupportable or SupportLimited before anything is written.
    """
    if submission is None or not submission.published:
        raise NotSupportable(_("This report can no longer be supported. Please choose another "
                               "one or continue."))
    if not visitor or len(visitor) > VISITOR_MAX:
        raise ValueError(f"a visitor key is at most {VISITOR_MAX} characters")
    if idempotency_key is not None and not isinstance(idempotency_key, ScopedKey):
        raise TypeError("idempotency keys come from portal.submissions.idempotency")
    stored_key = idempotency_key.stored if idempotency_key else None
    if stored_key and _existing(submission, Support.idempotency_key, stored_key):
        return SupportResult(submission, False)
    if _existing(submission, Support.visitor_key, visitor):
        return SupportResult(submission, False)
    hashed = address_hash(address)
    config = current_app.config
    # A kiosk is one device shared by a station's residents (and its address by every kiosk
    # there): it is limited as a device; a browser by its address.
    if device is not None:
        if _recent(submission, Support.device, device) >= config["PORTAL_SUPPORTS_PER_DEVICE"]:
            raise SupportLimited(_("This screen has added many voices to this report today. "
                                   "Yours could not be counted; a member of staff can help."))
    elif _recent(submission, Support.address_hash, hashed) >= config["PORTAL_SUPPORTS_PER_ADDRESS"]:
        raise SupportLimited(_("Many voices were added to this report from your network today. "
                               "Yours could not be counted this time."))
    try:
        # A savepoint: a concurrent request by the same visitor or with the same key may win.
        with db.session.begin_nested():
            db.session.add(Support(submission_id=submission.id, channel=channel,
                                   visitor_key=visitor, address_hash=hashed, device=device,
                                   idempotency_key=stored_key))
            db.session.flush()
    except IntegrityError:
        return SupportResult(submission, False)
    # An SQL increment, so concurrent supporters are all counted.
    submission.support_count = Submission.support_count + 1
    db.session.flush()
    record_change(submission, "support")
    return SupportResult(submission, True)


def support_bursts(*, hours: int = 24, limit: int = 10) -> list:
    """The addresses and kiosks with the most supports lately, for the moderation dashboard.

    [{"source": hash prefix or kiosk, "count": n, "submissions": [(submission, n), ...]}]
    """
    since = utcnow() - timedelta(hours=hours)
    source = db.func.coalesce(Support.device, Support.address_hash)
    top = db.session.execute(
        db.select(source.label("source"), db.func.count(Support.id).label("n"))
        .where(Support.created_at >= since).group_by(source)
        .order_by(db.func.count(Support.id).desc(), source).limit(limit)).all()
    bursts = []
    for row in top:
        per_submission = db.session.execute(
            db.select(Support.submission_id, db.func.count(Support.id))
            .where(Support.created_at >= since, source == row.source)
            .group_by(Support.submission_id).order_by(db.func.count(Support.id).desc(),
                                                      Support.submission_id)
            .limit(5)).all()
        label = row.source if row.source.startswith("kiosk:") else row.source[:10]
        bursts.append({"source": label, "count": row.n,
                       "submissions": [(db.session.get(Submission, submission_id), n)
                                       for submission_id, n in per_submission]})
    return bursts
