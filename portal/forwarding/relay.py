"""The relay: change log -> delivery rows -> sink, outside any database transaction.

One round (`relay_task`, registered with the worker):
1. consume: read the change log from the recorded position (and a window behind it, since
   PostgreSQL ids may commit out of order) and make one delivery row per acceptance; the
   ChangeLog id is unique on the delivery, so reading a change twice is harmless;
2. claim: lease a batch of due rows (BEGIN IMMEDIATE on SQLite, FOR UPDATE SKIP LOCKED on
   PostgreSQL), so several relays can run, in the same transaction as step 1 when it stored
   rows; a relay killed mid-delivery leaves a lease that expires, and the row is sent again
   with the same idempotency key;
3. send the batch's items one by one with no transaction open, then record their outcomes in
   one short transaction; a crash before it commits leaves the leases to expire, and those items
   are sent again under the same idempotency keys (the platform keeps one incident per key), so
   nothing is lost or doubled.
"""
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, or_, text
from sqlalchemy.orm import joinedload, selectinload

from portal.core.database import read_only_transaction
from portal.core.hooks import first_result, hook_results
from portal.core.leases import any_due, due
from portal.core.positions import position_of, unmoved_position
from portal.core.rows import insert_all
from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.forwarding.incidents import open_incident
from portal.forwarding.models import Delivery, RelayPosition
from portal.forwarding.payload import build_payload, encode
from portal.forwarding.routing import active_grids
from portal.forwarding.sinks import Item, make_sink
from portal.stations.snapshot import set_reference_rows
from portal.submissions.listings import LATEST_CHANGE
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import change_status

POSITION_NAME = "forwarding"
# How far behind its position the relay re-reads: a transaction holding a lower id that commits
# later than higher ids is still picked up while fewer than this many ids were taken meanwhile.
REREAD_WINDOW = 1000
# Acceptances made into deliveries per transaction (bounds how long SQLite's write lock is held).
CONSUME_LIMIT = 100
WITHDRAWN = ("received", "held", "rejected")  # accepted, then taken back before delivery
# Changes after forwarding the platform is sent again, marked as an update of the case
# (written by a feature above this one, e.g. a resident's follow-up reopening the case).
UPDATES = ("reopened",)
# A case held back (waiting for an administrator's arbitration after too many returns) and then
# given a team is forwarded again from this change, like an acceptance.
DISPATCHES = ("dispatched",)
_TOKEN = uuid.uuid4().hex[:6]
# What the incident document reads of a submission's reference rows.
REFERENCE_ROWS = {"category": "category", "area": "area", "located_area": "area",
                  "station": "station"}


# The statements of a round, built once (building a statement and its cache key costs more
# than running most of them); ids come as one expanding parameter.
IDS = bindparam("ids", expanding=True)
# Acceptances (and updates, re-dispatches) after `after` up to `head` that have no delivery yet.
UNDELIVERED_CHANGES = (
    db.select(ChangeLog)
    .where(ChangeLog.id > bindparam("after"), ChangeLog.id <= bindparam("head"),
           or_(and_(ChangeLog.change == "status", ChangeLog.status == "accepted"),
               ChangeLog.change.in_(UPDATES + DISPATCHES)),
           ~db.select(Delivery.id).where(Delivery.change_id == ChangeLog.id).exists())
    .order_by(ChangeLog.id).limit(CONSUME_LIMIT))
# The sent and pending deliveries of the submissions, newest first.
EARLIER_DELIVERIES = (
    db.select(Delivery.submission_id, Delivery.state, Delivery.remote_reference)
    .where(Delivery.submission_id.in_(IDS), Delivery.state.in_(("sent", "pending")))
    .order_by(Delivery.id.desc()))
# Up to `limit` deliveries due at `now`, the urgent first, locked, with their cases' status.
DUE_DELIVERIES = (
    db.select(Delivery, Submission.status).join(Submission)
    .where(*due(Delivery, bindparam("now")))
    .order_by(Delivery.priority.desc(), Delivery.next_attempt_at, Delivery.id)
    .limit(bindparam("limit")).with_for_update(skip_locked=True, of=Delivery))
# Deliveries by id, locked, with their submissions.
LEASED_DELIVERIES = (db.select(Delivery).where(Delivery.id.in_(IDS)).order_by(Delivery.id)
                     .with_for_update(of=Delivery).options(selectinload(Delivery.submission)))


def _submissions_query():
    """The statement reading submissions by id with what the incident document and the
    features' hooks read (built once per application: the hooks are its own)."""
    query = current_app.extensions.get("forwarding_submissions_query")
    if query is None:
        query = current_app.extensions["forwarding_submissions_query"] = (
            db.select(Submission).where(Submission.id.in_(IDS))
            .options(joinedload(Submission.contact), selectinload(Submission.photos),
                     *(option for found in hook_results("forwarding_loads") for option in found)))
    return query


def relay_owner() -> str:
    """Who holds a lease: host, process and a random token (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_TOKEN}"


def _setting(name, default):
    return current_app.config.get(name, default)


def _relaxed_durability() -> None:
    """On PostgreSQL, let the relay's own transactions commit without waiting for the WAL flush.

    Safe by design: a database crash can only forget the last relay commits (a claim, a new
    delivery row, a "sent" mark), and each of those is redone from the change log or by sending
    again with the same idempotency key, which the receiver deduplicates. It spares one disk
    flush per delivered item.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


@dataclass
class _Reading:
    """What `consume_changes` reads once for all the changes it turns into deliveries."""

    submissions: dict  # id -> Submission, with what the incident document reads loaded
    sent: dict  # submission id -> remote references of its sent deliveries, newest first
    pending: set  # ids of submissions with a pending delivery (those made meanwhile included)
    grids: list  # routing.active_grids()


def _read_for(changes) -> _Reading:
    """The submissions of `changes` (their categories, areas and stations from the process's
    reference snapshot) and their deliveries so far, in a few queries for all."""
    ids = {"ids": list({change.submission_id for change in changes})}
    submissions = db.session.execute(_submissions_query(), ids).unique().scalars().all()
    set_reference_rows(submissions, REFERENCE_ROWS)
    sent, pending = {}, set()
    for submission_id, state, reference in db.session.execute(EARLIER_DELIVERIES, ids):
        if state == "sent":
            sent.setdefault(submission_id, []).append(reference)
        else:
            pending.add(submission_id)
    return _Reading({s.id: s for s in submissions}, sent, pending, active_grids())


def fill_payload(delivery: Delivery, submission, accepted_at, *, sent_before=None,
                 grids=None) -> None:
    """Build (or rebuild) the incident document of a delivery from the submission as it is now.

    `sent_before`: the remote references of the submission's other sent deliveries, newest
    first, and `grids`: `routing.active_grids()`, when the caller already read them (None: read
    here).
    """
    if sent_before is None:
        sent_before = db.session.execute(
            db.select(Delivery.remote_reference)
            .filter_by(submission_id=submission.id, state="sent")
            .where(Delivery.id != delivery.id).order_by(Delivery.id.desc())).scalars().all()
    delivery.payload = build_payload(
        submission, idempotency_key=delivery.idempotency_key, accepted_at=accepted_at,
        sequence=len(sent_before) + 1,
        previous_reference=sent_before[0] if sent_before else None,
        update=_update_of(delivery, submission), grids=grids)
    delivery.priority = delivery.payload["routing"]["priority"] == "urgent"


def _update_of(delivery: Delivery, submission):
    """For a delivery made from a `reopened` change: the update the platform is told of."""
    change = db.session.get(ChangeLog, delivery.change_id) if delivery.change_id else None
    if change is None or change.change not in UPDATES:
        return None
    reopening = next((e for e in reversed(submission.events)
                      if e.from_status == "resolved" and e.to_status == "in_progress"), None)
    note = reopening.note if reopening is not None else ""
    return {"type": change.change, "at": as_utc(change.created_at).isoformat(),
            "comment": note.partition(": ")[2] if ": " in note else ""}


def make_delivery(change: ChangeLog, reading: _Reading) -> Delivery:
    """The delivery row for one acceptance (payload built now, from the accepted submission),
    not added to the session yet."""
    submission = reading.submissions[change.submission_id]
    key = f"{submission.code}-{change.id}"
    now = utcnow()
    delivery = Delivery(
        submission_id=submission.id, change_id=change.id, idempotency_key=key, payload={},
        priority=False, state="pending", next_attempt_at=now, created_at=now,
        expires_at=now + timedelta(hours=_setting("PORTAL_RELAY_MAX_AGE_HOURS", 72)))
    try:
        fill_payload(delivery, submission, change.created_at,
                     sent_before=reading.sent.get(submission.id, []), grids=reading.grids)
    except Exception as exc:  # one bad row must not stop the relay for all
        current_app.logger.exception("cannot build the incident for %s", key)
        delivery.payload = {"version": 1, "idempotency_key": key, "reference": submission.code}
        delivery.state = "dead"
        delivery.last_error = f"could not build the incident document: {type(exc).__name__}: {exc}"
    hold = first_result("forwarding_hold", submission) if delivery.state == "pending" else None
    if hold:
        delivery.state = "cancelled"
        delivery.last_error = f"not sent: {hold}"
    if submission.id in reading.pending and delivery.state == "pending":
        # Accepted again before the earlier acceptance went out: that one will carry it.
        delivery.state = "cancelled"
        delivery.last_error = "superseded by an earlier pending delivery of the same submission"
    if delivery.state == "pending":
        reading.pending.add(submission.id)
    return delivery


def consume_changes() -> int:
    """Turn acceptances in the change log into delivery rows; returns how many were made."""
    # The changes are read and their incident documents built without SQLite's write lock,
    # which residents' submissions wait for; it is taken below only to store the rows.
    with read_only_transaction(db.session):
        start = position_of(RelayPosition, POSITION_NAME)
        head = db.session.execute(LATEST_CHANGE).scalar() or 0
        changes = db.session.execute(UNDELIVERED_CHANGES, {
            "after": max(0, start - REREAD_WINDOW), "head": head}).scalars().all()
        made = []
        if changes:
            reading = _read_for(changes)
            with db.session.no_autoflush:
                made = [make_delivery(change, reading) for change in changes]
        reached = head if len(changes) < CONSUME_LIMIT else changes[-1].id
    if not made and reached <= start:
        return 0
    _relaxed_durability()
    position = unmoved_position(RelayPosition, POSITION_NAME, start)
    if position is None:
        return 0
    insert_all(db.session, made)  # one statement for the batch; nothing reads them again here
    if reached > position.last_id:
        position.last_id = reached
    db.session.flush()
    return len(made)


def claim(owner: str, limit: int, lease_seconds: float) -> list:
    """Lease up to `limit` due deliveries to `owner`; returns them as plain Items."""
    _relaxed_durability()
    now = utcnow()
    rows = db.session.execute(DUE_DELIVERIES, {"now": now, "limit": limit}).all()
    items = []
    for delivery, status in rows:
        if status in WITHDRAWN:
            delivery.state = "cancelled"
            delivery.last_error = f"not sent: the submission went back to {status}"
            continue
        delivery.lease_owner = owner
        delivery.lease_expires_at = now + timedelta(seconds=lease_seconds)
        delivery.attempts += 1
        items.append(Item(delivery.id, delivery.idempotency_key, encode(delivery.payload),
                          delivery.attempts))
    db.session.flush()
    return items


def release(owner: str, ids) -> None:
    """Give back leases not used (the batch ran out of lease time), without counting an attempt."""
    for delivery in db.session.execute(db.select(Delivery).where(
            Delivery.id.in_(list(ids)), Delivery.lease_owner == owner,
            Delivery.state == "pending")).scalars():
        delivery.lease_owner = delivery.lease_expires_at = None
        delivery.attempts -= 1
    db.session.flush()


def backoff_seconds(attempts: int, retry_after=None) -> float:
    """Capped exponential backoff with jitter; a Retry-After is honoured (never retried sooner)."""
    if retry_after is not None:
        wait = min(float(retry_after), _setting("PORTAL_RELAY_MAX_RETRY_AFTER", 3600))
        return wait + random.uniform(0, min(1.0, 0.1 * wait))
    base = _setting("PORTAL_RELAY_BACKOFF_BASE", 2.0)
    cap = _setting("PORTAL_RELAY_BACKOFF_CAP", 600.0)
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


def record_outcomes(results, owner: str, sink) -> list:
    """Store what happened to sends, given as (item, outcome) pairs; returns the deliveries'
    states afterwards, in the same order."""
    _relaxed_durability()
    rows = db.session.execute(
        LEASED_DELIVERIES, {"ids": [item.id for item, _outcome in results]}).scalars()
    deliveries = {delivery.id: delivery for delivery in rows}
    states, sent_now = [], []
    for item, outcome in results:
        delivery = deliveries.get(item.id)
        if delivery is not None and delivery.state == "pending" and outcome.kind == "sent":
            sent_now.append(delivery)
        states.append(_record(delivery, outcome, owner, sink))
    for delivery in sent_now:
        submission = delivery.submission
        if submission.status == "accepted":
            routing = delivery.payload["routing"]
            reference = delivery.remote_reference or delivery.idempotency_key
            change_status(submission, "forwarded", actor="system",
                          note=f"{sink.name} {reference}; team {routing['team']}; "
                               f"area {routing['area']['code']}")
    db.session.flush()
    return states


def _record(delivery, outcome, owner: str, sink) -> str:
    """Store what happened to one send of a locked delivery (the submission's status aside);
    returns the delivery's state afterwards."""
    if delivery is None or delivery.state != "pending":
        return delivery.state if delivery else "gone"
    now = utcnow()
    if outcome.kind == "sent":
        delivery.state, delivery.sent_at, delivery.sink = "sent", now, sink.name
        delivery.remote_reference = outcome.reference
        delivery.last_error = ""
        delivery.lease_owner = delivery.lease_expires_at = None
        if sink.in_database:
            incident = open_incident(delivery)
            delivery.remote_reference = f"local-{incident.id}"
    elif delivery.lease_owner != owner:
        return delivery.state  # our lease expired and another relay has the row now
    elif outcome.kind == "dead" or now >= as_utc(delivery.expires_at):
        delivery.state = "dead"
        delivery.last_error = (outcome.error if outcome.kind == "dead" else
                               f"gave up after {delivery.attempts} attempts: {outcome.error}")
        delivery.lease_owner = delivery.lease_expires_at = None
    else:
        delivery.last_error = outcome.error
        delivery.next_attempt_at = now + timedelta(
            seconds=backoff_seconds(delivery.attempts, outcome.retry_after))
        delivery.lease_owner = delivery.lease_expires_at = None
    return delivery.state


def relay_batch() -> int:
    """Deliveries one round leases and sends at most (PORTAL_RELAY_BATCH)."""
    return int(_setting("PORTAL_RELAY_BATCH", 20))


def get_sink(app):
    """This process's sink (kept between rounds so connections are reused)."""
    sink = app.extensions.get("forwarding_sink")
    if sink is None:
        sink = app.extensions["forwarding_sink"] = make_sink(app.config)
    return sink


def relay_task() -> int:
    """One round of the relay: consume, claim, send, record; returns the items handled."""
    app = current_app._get_current_object()
    sink = get_sink(app)
    owner = relay_owner()
    made = consume_changes()
    # New rows are due at once: they are leased in the transaction that stored them (under
    # load, one write transaction less per round); otherwise the queue is polled without one.
    if not made:
        db.session.commit()
        if not any_due(Delivery):
            return 0
    worst_case = getattr(sink, "worst_case_seconds", 0) + 0.5
    # A lease shorter than one send would expire while sending: never lease for less than two.
    lease = max(float(_setting("PORTAL_RELAY_LEASE_SECONDS", 60)), 2 * worst_case)
    deadline = time.monotonic() + lease  # measured from before the claim: on the safe side
    items = claim(owner, relay_batch(), lease)
    db.session.commit()
    results, unsent = [], []
    try:
        for index, item in enumerate(items):
            if index and time.monotonic() + worst_case > deadline:
                unsent = items[index:]
                break
            results.append((item, sink.send(item)))  # no transaction is open here
    finally:
        # Even when a send raised, the outcomes of those before it are kept.
        if results:
            record_outcomes(results, owner, sink)
        if unsent:
            release(owner, [i.id for i in unsent])
        db.session.commit()
    return made + len(items)
