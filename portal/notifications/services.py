"""Subscribing, confirming, unsubscribing, the staff view of sending, and the retention purge."""
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func

from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications.addresses import (
    AddressInvalid,
    find_subscriber,
    get_subscriber,
    normalize_email,
)
from portal.notifications.models import NOTIFICATION_STATES, Notification, Subscriber, Subscription
from portal.notifications.tokens import (
    CONFIRM_MAX_AGE,
    LINK_MAX_AGE,
    TokenInvalid,
    make_token,
    read_token,
)
from portal.submissions.models import Contact, Submission


class NotFoundOrGone(LookupError):
    """The case or subscription a link names is no longer there."""


def queue_message(subscriber, subscription, kind: str, key: str, context: dict) -> Notification:
    """Add one message for a subscriber (a confirmation, a manage link)."""
    row = Notification(subscriber_id=subscriber.id, subscription_id=subscription.id, kind=kind,
                       channel=subscriber.channel, language=subscription.language,
                       context=context, idempotency_key=key)
    db.session.add(row)
    return row


def follow_case(submission, email: str, language: str) -> Subscription:
    """Ask to follow a published case: a pending subscription and one confirmation e-mail.

    Asking again for the same address and case is the same subscription (a new confirmation
    is sent only while it is still unconfirmed). Raises AddressInvalid.
    """
    if not submission.published:
        raise NotFoundOrGone("not published")
    address = normalize_email(email).lower()
    subscriber = get_subscriber("email", address, language)
    db.session.flush()
    key = f"follow:{submission.id}"
    subscription = db.session.execute(db.select(Subscription).filter_by(
        subscriber_id=subscriber.id, filter_key=key)).scalar_one_or_none()
    if subscription is None:
        subscription = Subscription(subscriber_id=subscriber.id, kind="follow",
                                    submission_id=submission.id, filter_key=key,
                                    language=language, token_nonce=secrets.token_hex(8))
        db.session.add(subscription)
        db.session.flush()
    if subscription.state == "confirmed":
        return subscription
    subscription.state, subscription.language = "pending", language
    subscription.token_nonce = secrets.token_hex(8)  # earlier confirmation links stop working
    queue_message(subscriber, subscription, "confirm",
           f"c{subscription.id}.{subscription.token_nonce}",
           {"submission_id": submission.id, "title": submission.public_title or "",
            "confirm_token": make_token("confirm", subscription.id, subscription.token_nonce)})
    db.session.flush()
    return subscription


def _subscription_from(purpose: str, token: str, max_age: int) -> Subscription:
    row_id, nonce = read_token(purpose, token, max_age)
    subscription = db.session.get(Subscription, row_id)
    if subscription is None or subscription.token_nonce != nonce:
        raise TokenInvalid(purpose)
    return subscription


def confirm_subscription(token: str) -> Subscription:
    """Confirm a follow from the link in its e-mail (TokenExpired after 7 days)."""
    subscription = _subscription_from("confirm", token, CONFIRM_MAX_AGE)
    if subscription.state == "pending":
        subscription.state, subscription.confirmed_at = "confirmed", utcnow()
        db.session.flush()
    return subscription


def subscription_for_unsubscribe(token: str) -> Subscription:
    """The subscription an unsubscribe link names (TokenInvalid otherwise)."""
    return _subscription_from("unsubscribe", token, LINK_MAX_AGE)


def unsubscribe(subscription: Subscription) -> None:
    """Stop a subscription at once; messages not yet sent for it are cancelled."""
    if subscription.state != "unsubscribed":
        subscription.state, subscription.unsubscribed_at = "unsubscribed", utcnow()
    db.session.execute(db.update(Notification).where(
        Notification.subscription_id == subscription.id,
        Notification.state.in_(("pending", "held")),
        Notification.lease_owner.is_(None)).values(state="cancelled",
                                                   last_error="unsubscribed"))
    db.session.flush()


def subscriber_for_manage(token: str) -> Subscriber:
    """The subscriber a manage link names (TokenInvalid otherwise)."""
    row_id, nonce = read_token("manage", token, LINK_MAX_AGE)
    subscriber = db.session.get(Subscriber, row_id)
    if subscriber is None or subscriber.token_nonce != nonce:
        raise TokenInvalid("manage")
    return subscriber


def active_subscriptions(subscriber: Subscriber) -> list:
    """A subscriber's subscriptions that still send (or wait for confirmation)."""
    return [s for s in subscriber.subscriptions if s.state != "unsubscribed"]


def find_subscription_of(subscriber: Subscriber, subscription_id: int):
    """One of this subscriber's subscriptions, or None."""
    subscription = db.session.get(Subscription, subscription_id)
    return subscription if subscription and subscription.subscriber_id == subscriber.id else None


def request_manage_link(email: str, language: str) -> None:
    """Mail a manage link to an address that has subscriptions (silently nothing otherwise, so
    the page reveals no one's subscriptions). Raises AddressInvalid."""
    subscriber = find_subscriber("email", normalize_email(email).lower())
    if subscriber is None or not subscriber.subscriptions or subscriber.disabled_at:
        return
    anchor = subscriber.subscriptions[0]
    nonce = secrets.token_hex(4)
    queue_message(subscriber, anchor, "manage", f"m{subscriber.id}.{nonce}", {})
    db.session.flush()


def tracking_submission(code_or_id):
    """A published case by id (for follow forms), or None."""
    submission = db.session.get(Submission, code_or_id)
    return submission if submission is not None and submission.published else None


# --- administrators --------------------------------------------------------------------------

def notification_counts() -> dict:
    """Rows by state, plus `due` (pending and due now)."""
    counts = dict.fromkeys(NOTIFICATION_STATES, 0)
    for state, count in db.session.execute(
            db.select(Notification.state, func.count()).group_by(Notification.state)):
        counts[state] = count
    counts["due"] = db.session.execute(db.select(func.count()).where(
        Notification.state == "pending", Notification.next_attempt_at <= utcnow())).scalar()
    return counts


def troubled_notifications(limit: int = 200) -> dict:
    """Dead rows, rows failing but retrying, and disabled addresses, newest first."""
    def rows(*conditions):
        return db.session.execute(db.select(Notification).where(*conditions)
                                  .order_by(Notification.updated_at.desc(),
                                            Notification.id.desc()).limit(limit)).scalars().all()
    disabled = db.session.execute(db.select(Subscriber).where(
        Subscriber.disabled_at.is_not(None)).order_by(Subscriber.disabled_at.desc())
        .limit(limit)).scalars().all()
    return {"dead": rows(Notification.state == "dead"),
            "failing": rows(Notification.state == "pending", Notification.last_error != ""),
            "disabled": disabled}


def find_notification(notification_id: int):
    """A notification row by id, or None."""
    return db.session.get(Notification, notification_id)


def retry_notification(row: Notification) -> None:
    """Send a dead row again now (same key); a disabled address is enabled again."""
    if row.state != "dead":
        raise ValueError("only a dead notification can be retried")
    subscriber = row.subscriber
    subscriber.disabled_at, subscriber.disabled_reason, subscriber.refusals = None, "", 0
    row.state, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    row.created_at = utcnow()  # a fresh maximum age
    row.lease_owner = row.lease_expires_at = None
    row.last_error = f"retried by an administrator; before: {row.last_error}"[:2000]
    db.session.flush()


def outbox_files(limit: int = 200) -> list:
    """The embedded outbox's files, newest first: (name, modified time, size)."""
    directory = Path(current_app.config["PORTAL_DATA_DIR"]) / "outbox"
    if not directory.is_dir():
        return []
    files = [p for p in directory.iterdir() if p.suffix in (".eml", ".json")]
    files.sort(key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    return [(p.name, datetime.fromtimestamp(p.stat().st_mtime, UTC), p.stat().st_size)
            for p in files[:limit]]


def outbox_file(name: str):
    """One outbox file's text, or None (only plain names of listed kinds are served)."""
    directory = Path(current_app.config["PORTAL_DATA_DIR"]) / "outbox"
    if "/" in name or "\\" in name or name.startswith(".") or \
            not name.endswith((".eml", ".json")):
        return None
    path = directory / name
    return path.read_text("utf-8", errors="replace") if path.is_file() else None


def readiness() -> dict:
    """/readyz: messages due and dead (reported; never stops this host from serving)."""
    counts = notification_counts()
    return {"ready": True, "due": counts["due"], "dead": counts["dead"]}


# --- retention -------------------------------------------------------------------------------

def purge_subscribers(*, older_than_days: int, now=None) -> int:
    """Delete addresses with nothing left to hear: every subscription ended (unsubscribed, or
    its case closed, rejected or purged) more than N days ago, or never confirmed. Returns how
    many addresses were deleted (with their subscriptions and notification rows)."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    ended = ("closed", "rejected")
    live = (db.select(Subscription.id)
            .outerjoin(Submission, Submission.id == Subscription.submission_id)
            .where(Subscription.subscriber_id == Subscriber.id)
            .where((Subscription.state == "confirmed") & (
                Submission.status.not_in(ended) | Submission.updated_at.is_(None)
                | (Submission.updated_at >= cutoff)))
            .exists())
    recent = (db.select(Subscription.id).where(Subscription.subscriber_id == Subscriber.id,
                                                Subscription.created_at >= cutoff).exists())
    own_contact = (db.select(Contact.submission_id)
                   .join(Subscription, Subscription.submission_id == Contact.submission_id)
                   .where(Subscription.subscriber_id == Subscriber.id,
                          Subscription.kind == "own", Contact.notify.is_(True)).exists())
    ids = db.session.execute(db.select(Subscriber.id).where(~live, ~recent, ~own_contact)
                             ).scalars().all()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        db.session.execute(db.delete(Notification).where(Notification.subscriber_id.in_(chunk)))
        db.session.execute(db.delete(Subscription).where(Subscription.subscriber_id.in_(chunk)))
        db.session.execute(db.delete(Subscriber).where(Subscriber.id.in_(chunk)))
    db.session.expire_all()
    return len(ids)


__all__ = ["AddressInvalid", "TokenInvalid"]
