"""The notifier: the submissions' change log -> one notification row per (recipient, event).

It reads from its own stored position (and a window behind it, since PostgreSQL ids may commit
out of order), writing its rows and its position in one transaction. A row's key is made of the
change and the subscriber, so reading a change twice makes nothing twice.
"""
import re
import secrets

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError

from portal.core.hooks import first_result
from portal.core.positions import locked_position
from portal.core.time import as_utc
from portal.extensions import db
from portal.forwarding.models import RelayPosition
from portal.notifications.addresses import get_subscriber, normalize_mobile
from portal.notifications.alerts import matching_alerts
from portal.notifications.models import Notification, Subscription
from portal.submissions.models import ChangeLog, Contact, StatusEvent, Submission
from portal.submissions.services import find_by_code

POSITION_NAME = "notifications"
REREAD_WINDOW = 1000
CONSUME_LIMIT = 200
# Statuses a resident hears about (held and received are the moderators' business).
TOLD_STATUSES = ("accepted", "rejected", "forwarded", "in_progress", "resolved", "closed")
# Entries of features above submissions a resident hears of (the `change_details` hook says how).
FEATURE_CHANGES = ("deadline_extended",)
TEAM_NOTE = re.compile(r"\bteam (\w+)")
DUPLICATE_NOTE = re.compile(r"^duplicate of (\w+)")


def _position() -> RelayPosition:
    """The notifier's position in the change log, locked for this transaction."""
    return locked_position(RelayPosition, POSITION_NAME)


def own_subscriptions(submission) -> list:
    """The submitter's subscriptions, made from the contact's opt-in the first time needed."""
    contact = submission.contact
    if contact is not None and contact.notify:
        wanted = []
        if contact.email:
            wanted.append(("email", contact.email.lower()))
        mobile = normalize_mobile(contact.phone)
        if mobile:
            wanted.append(("sms", mobile))
        for channel, address in wanted:
            subscriber = get_subscriber(channel, address, submission.language)
            db.session.flush()
            key = f"own:{submission.id}"
            exists = db.session.execute(db.select(Subscription.id).filter_by(
                subscriber_id=subscriber.id, filter_key=key)).first()
            if exists is None:
                # The resident asked with the submission itself: no second confirmation.
                db.session.add(Subscription(
                    subscriber_id=subscriber.id, kind="own", submission_id=submission.id,
                    filter_key=key, state="confirmed", language=submission.language,
                    token_nonce=secrets.token_hex(8), confirmed_at=submission.created_at))
        db.session.flush()
    return db.session.execute(db.select(Subscription).filter_by(
        submission_id=submission.id, state="confirmed")
        .where(Subscription.kind.in_(("own", "follow")))).scalars().all()


def _event(change, kind):
    """The timeline entry a change was written for (the newest of its kind up to the change)."""
    query = (db.select(StatusEvent).filter_by(submission_id=change.submission_id, kind=kind)
             .where(StatusEvent.created_at <= change.created_at))
    if kind == "status":
        query = query.filter_by(to_status=change.status)
    return db.session.execute(query.order_by(StatusEvent.id.desc()).limit(1)).scalar()


def describe(change) -> dict:
    """What a change says to a resident (message kind and details), or None if nothing."""
    if change.change == "reply":
        event = _event(change, "reply")
        if event is None:
            return None
        return {"kind": "reply", "reply": event.public_note, "reply_en": event.public_note_en}
    if change.change not in ("status", "published"):
        # Features above submissions say what their own entries tell (e.g. an extension).
        return first_result("change_details", change)
    if change.change != "status" or change.status not in TOLD_STATUSES:
        return None
    event = _event(change, "status")
    details = {"kind": change.status}
    if event is None:
        return details
    if change.status == "rejected":
        duplicate = DUPLICATE_NOTE.match(event.note or "")
        target = find_by_code(duplicate.group(1)) if duplicate else None
        if target is not None:
            details.update(kind="merged", merged_code=target.display_code,
                           merged_id=target.id if target.published else None)
        else:
            details["reason"] = event.public_note
    elif change.status == "forwarded":
        team = TEAM_NOTE.search(event.note or "")
        details["team"] = team.group(1) if team else ""
    return details


def _insert(row) -> bool:
    """Add a row unless its key is already written (re-read window, or a second notifier)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def notify_change(change) -> int:
    """Write the notification rows for one change; returns how many were written."""
    submission = db.session.get(Submission, change.submission_id)
    details = describe(change)
    written = 0
    happened = as_utc(change.created_at)
    for subscription in own_subscriptions(submission) if details is not None else ():
        if subscription.kind != "own" and (details.get("own_only")
                                           or as_utc(subscription.confirmed_at) > happened):
            continue  # a follower hears of what happens after they confirmed, not before
        subscriber = subscription.subscriber
        own = subscription.kind == "own"
        context = dict(details, own=own, submission_id=submission.id,
                       code=submission.code if own else None,
                       display_code=submission.display_code if own else None,
                       title=(submission.title if own else submission.public_title) or "")
        row = Notification(
            subscriber_id=subscriber.id, subscription_id=subscription.id, change_id=change.id,
            kind=details["kind"], channel=subscriber.channel, language=subscription.language,
            context=context, idempotency_key=f"n{change.id}.{subscriber.id}")
        if subscriber.disabled_at is not None:
            row.state, row.last_error = "cancelled", "the address is disabled"
        written += _insert(row)
    return written + notify_alerts(change, submission, details)


def notify_alerts(change, submission, details) -> int:
    """Rows for the alerts a newly published submission or an official reply reaches: sent
    at once (realtime) or held for the subscriber's next digest. A subscriber who already has
    a row for this change (they follow the case) gets no second one: the keys are the same."""
    if not submission.published:
        return 0
    if change.change == "published":
        kind, extra = "alert_new", {}
    elif change.change == "reply" and details is not None:
        kind, extra = "alert_reply", {"reply": details["reply"], "reply_en": details["reply_en"]}
    else:
        return 0
    written = 0
    happened = as_utc(change.created_at)
    for subscription in matching_alerts(submission):
        if as_utc(subscription.confirmed_at) > happened:
            continue
        subscriber = subscription.subscriber
        context = dict(extra, own=False, alert=True, submission_id=submission.id,
                       title=submission.public_title or "", group=subscription.filter_key)
        row = Notification(
            subscriber_id=subscriber.id, subscription_id=subscription.id, change_id=change.id,
            kind=kind, channel=subscriber.channel, language=subscription.language,
            context=context, idempotency_key=f"n{change.id}.{subscriber.id}")
        if subscription.frequency != "realtime":
            row.state = "held"
        if subscriber.disabled_at is not None:
            row.state, row.last_error = "cancelled", "the address is disabled"
        written += _insert(row)
    return written


def consume_changes() -> int:
    """Turn new change-log rows into notification rows; returns the rows written (or 1 when
    only the position moved), so a drained log reads as idle."""
    position = _position()
    before = position.last_id
    head = db.session.execute(db.select(func.max(ChangeLog.id))).scalar() or 0
    done = db.select(Notification.id).where(Notification.change_id == ChangeLog.id).exists()
    watched = or_(
        db.select(Subscription.id).where(Subscription.submission_id == ChangeLog.submission_id,
                                         Subscription.state == "confirmed").exists(),
        db.select(Contact.submission_id).where(Contact.submission_id == ChangeLog.submission_id,
                                               Contact.notify.is_(True)).exists(),
        ChangeLog.change.in_(("published", "reply")) & db.select(Subscription.id).where(
            Subscription.kind == "alert", Subscription.state == "confirmed").exists())
    changes = db.session.execute(
        db.select(ChangeLog)
        .where(ChangeLog.id > max(0, position.last_id - REREAD_WINDOW), ChangeLog.id <= head,
               or_(ChangeLog.change.in_(("reply", "published", *FEATURE_CHANGES)),
                   (ChangeLog.change == "status") & ChangeLog.status.in_(TOLD_STATUSES)),
               watched, ~done)
        .order_by(ChangeLog.id).limit(CONSUME_LIMIT)).scalars().all()
    written = sum(notify_change(change) for change in changes)
    reached = head if len(changes) < CONSUME_LIMIT else changes[-1].id
    if reached > position.last_id:
        position.last_id = reached
    db.session.flush()
    return written or int(position.last_id > before)
