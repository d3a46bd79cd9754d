"""Daily and weekly alert digests: one e-mail per subscriber per period.

Alert messages of daily and weekly subscriptions are written `held`, and so are real-time ones
that met the hourly cap. At the configured local hour (PORTAL_DIGEST_HOUR in PORTAL_TIMEZONE;
weekly ones on PORTAL_DIGEST_WEEKDAY) the digest task gathers every held row written before
that moment into one `digest` notification per subscriber, keyed `d<subscriber>.<frequency>-
<date>`, and marks the rows `digested` in the same transaction. The key is unique, so a rerun
(or a crash before the commit) never makes a second digest for the same period; the sender
then sends it like any other row, the key being its Message-ID.
"""
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.core.database import read_only_transaction
from portal.core.time import local_zone, utcnow
from portal.core.unit_of_work import unit_of_work
from portal.extensions import db
from portal.notifications.models import Notification, Subscription
from portal.submissions.models import Submission

# Which held rows each digest takes: real-time overflow goes out with the daily digest.
DIGEST_SOURCES = {"daily": ("daily", "realtime"), "weekly": ("weekly",)}
MAX_ITEMS = 200  # a digest lists at most this many items (the rest wait for the next one)
# How often an idle worker looks for digests that fell due: they fall due once a day or a week,
# so a minute late is on time.
DIGEST_CHECK_SECONDS = 60


def scheduled_moment(now: datetime, frequency: str) -> datetime:
    """The latest moment a digest of this frequency was due, at or before `now` (aware)."""
    zone = local_zone()
    hour = int(current_app.config.get("PORTAL_DIGEST_HOUR", 8)) % 24
    local = now.astimezone(zone)
    day = local.date()
    if frequency == "weekly":
        weekday = int(current_app.config.get("PORTAL_DIGEST_WEEKDAY", 0)) % 7
        day -= timedelta(days=(day.weekday() - weekday) % 7)
    moment = datetime.combine(day, time(hour), tzinfo=zone)
    if moment > local:
        moment -= timedelta(days=7 if frequency == "weekly" else 1)
    return moment


def period_key(moment: datetime, frequency: str) -> str:
    return f"{frequency}-{moment.date().isoformat()}"


def _item(row: Notification) -> dict:
    """What a digest says of one held message."""
    context = row.context or {}
    item = {"kind": row.kind, "submission_id": context.get("submission_id"),
            "title": context.get("title", ""), "group": context.get("group", "")}
    if row.kind == "alert_reply":
        item.update(reply=context.get("reply", ""), reply_en=context.get("reply_en", ""))
    return item


def make_digests(frequency: str, now=None) -> int:
    """Write this period's digest rows for `frequency`; returns how many were written."""
    now = now or utcnow()
    moment = scheduled_moment(now, frequency)
    cutoff = moment.astimezone(UTC)
    period = period_key(moment, frequency)
    due = (db.select(Notification).join(Subscription,
                                        Subscription.id == Notification.subscription_id)
           .where(Notification.state == "held", Notification.created_at < cutoff,
                  Subscription.frequency.in_(DIGEST_SOURCES[frequency])))
    with read_only_transaction(db.session):  # most rounds find nothing: no write lock then
        if db.session.execute(due.limit(1)).first() is None:
            return 0
    rows = db.session.execute(due.order_by(Notification.subscriber_id, Notification.id)
                              ).scalars().all()
    ids = {(row.context or {}).get("submission_id") for row in rows}
    published = set(db.session.execute(db.select(Submission.id).where(
        Submission.id.in_([i for i in ids if isinstance(i, int)]),
        Submission.published.is_(True))).scalars())
    by_subscriber = {}
    for row in rows:
        if (row.context or {}).get("submission_id") not in published:
            row.state, row.last_error = "cancelled", "no longer published"
            continue
        by_subscriber.setdefault(row.subscriber_id, []).append(row)
    written = 0
    for subscriber_id, held in by_subscriber.items():
        key = f"d{subscriber_id}.{period}"
        if db.session.execute(db.select(Notification.id).filter_by(idempotency_key=key)
                              ).first() is not None:
            continue  # this period's digest is made: later rows wait for the next one
        held = held[:MAX_ITEMS]
        last = held[-1]
        digest = Notification(
            subscriber_id=subscriber_id, subscription_id=last.subscription_id, kind="digest",
            channel="email", language=last.language, idempotency_key=key,
            context={"frequency": frequency, "period": moment.date().isoformat(),
                     "items": [_item(row) for row in held]})
        try:
            with db.session.begin_nested():
                db.session.add(digest)
        except IntegrityError:  # another worker made it first
            continue
        for row in held:
            row.state, row.last_error = "digested", key
        written += 1
    db.session.flush()
    return written


def digest_task(now=None) -> int:
    """One worker round: daily and weekly digests that fell due; returns digests written."""
    written = 0
    for frequency in DIGEST_SOURCES:
        with unit_of_work():
            written += make_digests(frequency, now)
    return written
