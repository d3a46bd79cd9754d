"""The notifier: the submissions' change log -> one notification row per (recipient, event).

It reads from its own stored position (and a window behind it, since PostgreSQL ids may commit
out of order), writing its rows and its position in one transaction. A row's key is made of the
change and the subscriber, so reading a change twice makes nothing twice.
"""
import re
import secrets

from sqlalchemy import bindparam, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.core.database import read_only_transaction
from portal.core.hooks import first_result
from portal.core.positions import locked_position, position_of, unmoved_position
from portal.core.time import as_utc
from portal.extensions import db
from portal.forwarding.models import RelayPosition
from portal.notifications.addresses import address_key, get_subscriber, normalize_mobile
from portal.notifications.alerts import matching_alerts
from portal.notifications.models import Notification, Subscription
from portal.submissions.listings import LATEST_CHANGE
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


class Round:
    """What one consume round reads once for all its changes: the submissions with their
    contacts, their timeline entries, their own and follow subscriptions (every state, with
    the subscribers), and the alerts they reach; and the rows it is about to write."""

    def __init__(self, changes):
        ids = sorted({change.submission_id for change in changes})
        self.submissions = {row.id: row for row in db.session.execute(
            db.select(Submission).where(Submission.id.in_(ids))
            .options(selectinload(Submission.contact))).scalars()}
        self.events = {}
        for event in db.session.execute(
                db.select(StatusEvent).where(StatusEvent.submission_id.in_(ids),
                                             StatusEvent.kind.in_(("status", "reply")))
                .order_by(StatusEvent.id)).scalars():
            self.events.setdefault(event.submission_id, []).append(event)
        self.subscriptions = {}
        for subscription in db.session.execute(
                db.select(Subscription).where(Subscription.submission_id.in_(ids))
                .order_by(Subscription.id).options(selectinload(Subscription.subscriber))
        ).scalars():
            self.subscriptions.setdefault(subscription.submission_id, []).append(subscription)
        published = [self.submissions[change.submission_id] for change in changes
                     if change.change in ("published", "reply")
                     and change.submission_id in self.submissions]
        self.alerts = matching_alerts(published)
        self.rows = {}  # idempotency key -> the row's values, first come first kept


def own_subscriptions(submission, batch: Round) -> list:
    """The submitter's subscriptions, made from the contact's opt-in the first time needed."""
    contact = submission.contact
    known = batch.subscriptions.setdefault(submission.id, [])
    if contact is not None and contact.notify:
        wanted = []
        if contact.email:
            wanted.append(("email", contact.email.lower()))
        mobile = normalize_mobile(contact.phone)
        if mobile:
            wanted.append(("sms", mobile))
        key = f"own:{submission.id}"
        for channel, address in wanted:
            lookup = address_key(channel, address)
            if any(row.filter_key == key and row.subscriber.address_key == lookup
                   for row in known):
                continue
            subscriber = get_subscriber(channel, address, submission.language)
            if any(row.filter_key == key and row.subscriber_id == subscriber.id
                   for row in known):
                continue
            # The resident asked with the submission itself: no second confirmation.
            subscription = Subscription(
                subscriber=subscriber, kind="own", submission_id=submission.id,
                filter_key=key, state="confirmed", language=submission.language,
                token_nonce=secrets.token_hex(8), confirmed_at=submission.created_at)
            db.session.add(subscription)
            known.append(subscription)
    return [row for row in known
            if row.state == "confirmed" and row.kind in ("own", "follow")]


def _event(change, kind, batch: Round):
    """The timeline entry a change was written for (the newest of its kind up to the change)."""
    happened = as_utc(change.created_at)
    for event in reversed(batch.events.get(change.submission_id, ())):
        if (event.kind == kind and as_utc(event.created_at) <= happened
                and (kind != "status" or event.to_status == change.status)):
            return event
    return None


def describe(change, batch: Round) -> dict:
    """What a change says to a resident (message kind and details), or None if nothing."""
    if change.change == "reply":
        event = _event(change, "reply", batch)
        if event is None:
            return None
        return {"kind": "reply", "reply": event.public_note, "reply_en": event.public_note_en}
    if change.change not in ("status", "published"):
        # Features above submissions say what their own entries tell (e.g. an extension).
        return first_result("change_details", change)
    if change.change != "status" or change.status not in TOLD_STATUSES:
        return None
    event = _event(change, "status", batch)
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


def _add(batch: Round, change, subscription, **values) -> None:
    """Keep a row for this round unless one for the same change and subscriber is kept already
    (a follower of a case an alert also reaches hears of it once)."""
    subscriber = subscription.subscriber
    key = f"n{change.id}.{subscriber.id}"
    if key in batch.rows:
        return
    values.update(subscriber=subscriber, subscription=subscription, change_id=change.id,
                  channel=subscriber.channel, language=subscription.language,
                  idempotency_key=key)
    if subscriber.disabled_at is not None:
        values.update(state="cancelled", last_error="the address is disabled")
    batch.rows[key] = values


def _insert(batch: Round) -> int:
    """Write the round's rows in one savepoint; if a key is taken already (a second notifier),
    row by row, each in its own savepoint, skipping those. Returns how many were written."""
    db.session.flush()  # new subscriptions first: a failed savepoint must not take them along
    try:
        with db.session.begin_nested():
            db.session.add_all([Notification(**values) for values in batch.rows.values()])
        return len(batch.rows)
    except IntegrityError:
        pass
    written = 0
    for values in batch.rows.values():
        try:
            with db.session.begin_nested():
                db.session.add(Notification(**values))
        except IntegrityError:
            continue
        written += 1
    return written


def notify_change(change, batch: Round) -> None:
    """Keep the notification rows for one change in the round."""
    submission = batch.submissions.get(change.submission_id)
    if submission is None:
        return
    details = describe(change, batch)
    happened = as_utc(change.created_at)
    for subscription in own_subscriptions(submission, batch) if details is not None else ():
        if subscription.kind != "own" and (details.get("own_only")
                                           or as_utc(subscription.confirmed_at) > happened):
            continue  # a follower hears of what happens after they confirmed, not before
        own = subscription.kind == "own"
        context = dict(details, own=own, submission_id=submission.id,
                       code=submission.code if own else None,
                       display_code=submission.display_code if own else None,
                       title=(submission.title if own else submission.public_title) or "")
        _add(batch, change, subscription, kind=details["kind"], context=context)
    notify_alerts(change, submission, details, batch)


def notify_alerts(change, submission, details, batch: Round) -> None:
    """Rows for the alerts a newly published submission or an official reply reaches: sent
    at once (realtime) or held for the subscriber's next digest. A subscriber who already has
    a row for this change (they follow the case) gets no second one: the keys are the same."""
    if not submission.published:
        return
    if change.change == "published":
        kind, extra = "alert_new", {}
    elif change.change == "reply" and details is not None:
        kind, extra = "alert_reply", {"reply": details["reply"], "reply_en": details["reply_en"]}
    else:
        return
    happened = as_utc(change.created_at)
    for subscription in batch.alerts.get(submission.id, ()):
        if as_utc(subscription.confirmed_at) > happened:
            continue
        context = dict(extra, own=False, alert=True, submission_id=submission.id,
                       title=submission.public_title or "", group=subscription.filter_key)
        _add(batch, change, subscription, kind=kind, context=context,
             state="pending" if subscription.frequency == "realtime" else "held")


# The change-log rows after `after` (a window behind the position) up to `head` a resident
# hears of. Built once: building it and its cache key costs more than an idle round's query.
_TOLD_CHANGES = db.select(ChangeLog).where(
    ChangeLog.id > bindparam("after"), ChangeLog.id <= bindparam("head"),
    or_(ChangeLog.change.in_(("reply", "published", *FEATURE_CHANGES)),
        (ChangeLog.change == "status") & ChangeLog.status.in_(TOLD_STATUSES)),
    or_(db.select(Subscription.id).where(Subscription.submission_id == ChangeLog.submission_id,
                                         Subscription.state == "confirmed").exists(),
        db.select(Contact.submission_id).where(Contact.submission_id == ChangeLog.submission_id,
                                               Contact.notify.is_(True)).exists(),
        ChangeLog.change.in_(("published", "reply")) & db.select(Subscription.id).where(
            Subscription.kind == "alert", Subscription.state == "confirmed").exists()),
    ~db.select(Notification.id).where(Notification.change_id == ChangeLog.id).exists(),
).order_by(ChangeLog.id)
FIRST_TOLD_CHANGE = _TOLD_CHANGES.limit(1)
TOLD_CHANGES = _TOLD_CHANGES.limit(CONSUME_LIMIT)


def _after(position: int, head: int) -> dict:
    return {"after": max(0, position - REREAD_WINDOW), "head": head}


def consume_changes() -> int:
    """Turn new change-log rows into notification rows; returns the rows written, or 1 when
    changes were read that wrote none and the position moved past them: 0 means the log is
    drained (the position may still have moved past changes no one is told of)."""
    # Most rounds find nothing to tell: they look without SQLite's write lock, which residents'
    # submissions wait for, and take it only when there is something to write.
    with read_only_transaction(db.session):
        start = position_of(RelayPosition, POSITION_NAME)
        head = db.session.execute(LATEST_CHANGE).scalar() or 0
        found = db.session.execute(FIRST_TOLD_CHANGE, _after(start, head)).first()
    if found is None and head <= start:
        return 0
    if found is None:  # nothing to tell up to the head: only the position moves
        position = unmoved_position(RelayPosition, POSITION_NAME, start)
        if position is not None:
            position.last_id = head
            db.session.flush()
        return 0
    position = locked_position(RelayPosition, POSITION_NAME)
    before = position.last_id
    changes = db.session.execute(
        TOLD_CHANGES, _after(position.last_id, head)).scalars().all()
    written = 0
    if changes:  # an idle round reads nothing more
        batch = Round(changes)
        for change in changes:
            notify_change(change, batch)
        written = _insert(batch)
    reached = head if len(changes) < CONSUME_LIMIT else changes[-1].id
    if reached > position.last_id:
        position.last_id = reached
    db.session.flush()
    return written or int(bool(changes) and position.last_id > before)
