"""The sender: due notification rows -> their transport, outside any database transaction.

One round (`notifications_task`, registered with the worker): the notifier's consume step, then
lease a batch of due rows (SKIP LOCKED on PostgreSQL, the write lock on SQLite), compose and
send each with no transaction open, and record the outcome in a short transaction. A sender
killed mid-send leaves a lease that expires; the row is then sent again with the same key (the
Message-ID), never as a second row.
"""
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func
from sqlalchemy.orm import selectinload

from portal.core.leases import any_due, due
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.forwarding.relay import backoff_seconds, relay_owner
from portal.notifications.alerts import ALERT_KINDS
from portal.notifications.compose import compose, public_context
from portal.notifications.models import Notification, Subscriber
from portal.notifications.notifier import consume_changes
from portal.notifications.transports import make_transports

MAX_AGE_HOURS = 72  # retrying stops (the row goes dead) after this
REFUSALS_TO_DISABLE = 3
UNCAPPED = ("confirm", "confirm_alert", "manage", "digest")  # answers, and the collapsed


@dataclass
class Item:
    id: int
    attempts: int
    message: object
    subscriber_id: int


def _setting(name, default):
    return current_app.config.get(name, default)


def _capped_until(subscriber_id: int, now, claimed: int = 0):
    """When the address may get its next real-time message, or None if it may now
    (`claimed`: messages to it already leased in this batch)."""
    cap = int(_setting("PORTAL_NOTIFY_HOURLY_CAP", 10))
    since = now - timedelta(hours=1)
    sent = db.session.execute(
        db.select(Notification.sent_at).where(
            Notification.subscriber_id == subscriber_id, Notification.state == "sent",
            Notification.kind.not_in(UNCAPPED), Notification.sent_at > since)
        .order_by(Notification.sent_at.desc()).limit(cap)
    ).scalars().all()
    if len(sent) + claimed < cap:
        return None
    return (as_utc(sent[-1]) if len(sent) >= cap else now) + timedelta(hours=1)


def _sent_last_hour(subscriber_ids, now) -> dict:
    """{subscriber id: capped messages sent to it in the last hour}, in one query for a batch
    (only an address at its cap needs _capped_until's look at the times)."""
    if not subscriber_ids:
        return {}
    return dict(db.session.execute(
        db.select(Notification.subscriber_id, func.count()).where(
            Notification.subscriber_id.in_(sorted(subscriber_ids)),
            Notification.state == "sent", Notification.kind.not_in(UNCAPPED),
            Notification.sent_at > now - timedelta(hours=1))
        .group_by(Notification.subscriber_id)).all())


# Up to `limit` rows due at `now`, locked, with their subscribers and subscriptions (built
# once: building it and its cache key costs more than running it).
DUE_NOTIFICATIONS = (
    db.select(Notification).where(*due(Notification, bindparam("now")))
    .order_by(Notification.next_attempt_at, Notification.id)
    .limit(bindparam("limit")).with_for_update(skip_locked=True, of=Notification)
    .options(selectinload(Notification.subscriber), selectinload(Notification.subscription)))


def claim(owner: str, limit: int, lease_seconds: float) -> list:
    """Lease up to `limit` due rows to `owner` and compose their messages."""
    now = utcnow()
    rows = db.session.execute(DUE_NOTIFICATIONS, {"now": now, "limit": limit}).scalars().all()
    if not rows:
        return []
    cap = int(_setting("PORTAL_NOTIFY_HOURLY_CAP", 10))
    sent = _sent_last_hour({row.subscriber_id for row in rows if row.kind not in UNCAPPED}, now)
    items, claimed = [], {}
    # One request context for the whole batch: each message only switches the language.
    with public_context("zh"):
        for row in rows:
            subscriber = row.subscriber
            stopped = row.subscription.state == "unsubscribed" and row.kind not in UNCAPPED
            if subscriber.disabled_at is not None or stopped:
                row.state = "cancelled"
                row.last_error = ("the address is disabled" if subscriber.disabled_at is not None
                                  else "unsubscribed before it was sent")
                continue
            if row.kind not in UNCAPPED:
                already = claimed.get(subscriber.id, 0)
                if sent.get(subscriber.id, 0) + already >= cap:
                    if row.kind in ALERT_KINDS:
                        row.state = "held"  # over the hourly cap: collapses into the next digest
                    else:  # over the hourly cap: waits, is not lost
                        row.next_attempt_at = _capped_until(subscriber.id, now, already)
                    continue
                claimed[subscriber.id] = already + 1
            try:
                message = compose(row)
            except Exception as exc:  # one bad row must not stop the others
                current_app.logger.exception("cannot compose notification %s", row.id)
                row.state, row.last_error = "dead", f"cannot compose: {type(exc).__name__}"
                continue
            row.lease_owner = owner
            row.lease_expires_at = now + timedelta(seconds=lease_seconds)
            row.attempts += 1
            items.append(Item(row.id, row.attempts, message, subscriber.id))
    db.session.flush()
    return items


def record_outcome(item: Item, outcome, owner: str) -> str:
    """Store what happened to one send; returns the row's state afterwards."""
    now = utcnow()
    if outcome.kind == "sent":
        # In two plain statements: a row still pending becomes sent whoever holds its lease
        # now, and the address's refusals start again from none.
        marked = db.session.execute(db.update(Notification).where(
            Notification.id == item.id, Notification.state == "pending").values(
                state="sent", sent_at=now, last_error="", lease_owner=None,
                lease_expires_at=None, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if marked:
            db.session.execute(db.update(Subscriber).where(
                Subscriber.id == item.subscriber_id, Subscriber.refusals != 0)
                .values(refusals=0).execution_options(synchronize_session=False))
            return "sent"
    row = db.session.get(Notification, item.id, with_for_update=True)
    if row is None or row.state != "pending" or outcome.kind == "sent":
        return row.state if row else "gone"
    subscriber = row.subscriber
    if row.lease_owner != owner:
        return row.state  # our lease expired and another sender has the row now
    elif outcome.kind == "dead" or now >= as_utc(row.created_at) + timedelta(
            hours=_setting("PORTAL_NOTIFY_MAX_AGE_HOURS", MAX_AGE_HOURS)):
        row.state = "dead"
        row.last_error = outcome.error if outcome.kind == "dead" else (
            f"gave up after {row.attempts} attempts: {outcome.error}")
        if outcome.refused:
            subscriber.refusals += 1
        if outcome.disable or subscriber.refusals >= REFUSALS_TO_DISABLE:
            disable_subscriber(subscriber, outcome.error, now)
    else:
        row.last_error = outcome.error
        row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
    row.lease_owner = row.lease_expires_at = None
    db.session.flush()
    return row.state


def disable_subscriber(subscriber: Subscriber, reason: str, now=None) -> None:
    """Stop sending to an address (shown on the staff page); its waiting rows are cancelled."""
    subscriber.disabled_at = now or utcnow()
    subscriber.disabled_reason = reason[:500]
    db.session.execute(db.update(Notification).where(
        Notification.subscriber_id == subscriber.id,
        Notification.state.in_(("pending", "held")),
        Notification.lease_owner.is_(None)).values(
            state="cancelled", last_error="the address is disabled"))


def get_transports(app) -> dict:
    """This process's transports (kept between rounds so sessions are reused)."""
    transports = app.extensions.get("notification_transports")
    if transports is None:
        transports = app.extensions["notification_transports"] = make_transports(app.config)
    return transports


def notification_batch() -> int:
    """Messages one round leases and sends at most (PORTAL_NOTIFY_BATCH)."""
    return int(_setting("PORTAL_NOTIFY_BATCH", 20))


def notifications_task() -> int:
    """One round: consume the change log, then claim, send and record; returns items handled."""
    app = current_app._get_current_object()
    transports = get_transports(app)
    owner = relay_owner()
    made = consume_changes()
    # As in the relay: new rows are leased in the transaction that stored them; otherwise the
    # queue is polled without a write transaction.
    if not made:
        db.session.commit()
        if not any_due(Notification):
            return 0
    timeout = float(_setting("PORTAL_NOTIFY_TIMEOUT", 10))
    lease = max(float(_setting("PORTAL_NOTIFY_LEASE_SECONDS", 60)), 4 * timeout)
    deadline = time.monotonic() + lease
    items = claim(owner, notification_batch(), lease)
    db.session.commit()
    with ExitStack() as batches:
        for transport in {id(t): t for t in transports.values()}.values():
            batches.enter_context(transport.batch())  # e.g. one SMTP connection per batch
        for index, item in enumerate(items):
            if index and time.monotonic() + 2 * timeout > deadline:
                release(owner, [i.id for i in items[index:]])
                db.session.commit()
                break
            outcome = transports[item.message.channel].send(item.message)  # no transaction
            record_outcome(item, outcome, owner)
            db.session.commit()  # each outcome kept before the next send: a crash repeats one
    return made + len(items)


def release(owner: str, ids) -> None:
    """Give back leases not used, without counting an attempt."""
    for row in db.session.execute(db.select(Notification).where(
            Notification.id.in_(list(ids)), Notification.lease_owner == owner,
            Notification.state == "pending")).scalars():
        row.lease_owner = row.lease_expires_at = None
        row.attempts -= 1
    db.session.flush()


def backlog() -> int:
    """Rows due now (for /readyz)."""
    return db.session.execute(db.select(func.count()).select_from(Notification).where(
        Notification.state == "pending", Notification.next_attempt_at <= utcnow())).scalar()
