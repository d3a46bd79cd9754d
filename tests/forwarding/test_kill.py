"""Relays killed with SIGKILL at random points, many times, while delivering a few hundred items.

Real `flask --app wsgi portal worker` processes on the test's file database (SQLite, or
PostgreSQL when the suite runs on it), sending to a real receiver on 127.0.0.1 that
deduplicates by Idempotency-Key and fails a share of requests.
"""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from portal.config import ROOT_DIR
from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.submissions.models import Submission
from tests.forwarding.helpers import SECRET
from tests.forwarding.receiver import Receiver

ITEMS = 300
KILLS = 12


def worker_env(app, receiver):
    env = dict(os.environ)
    env.update({
        "PORTAL_DATA_DIR": app.config["PORTAL_DATA_DIR"], "PORTAL_SINK": "webhook",
        "PORTAL_WEBHOOK_URL": receiver.url, "PORTAL_WEBHOOK_SECRET": SECRET,
        "PORTAL_WEBHOOK_CONNECT_TIMEOUT": "0.5", "PORTAL_WEBHOOK_READ_TIMEOUT": "0.5",
        "PORTAL_RELAY_LEASE_SECONDS": "3", "PORTAL_RELAY_BATCH": "10",
        "PORTAL_RELAY_BACKOFF_BASE": "0.05", "PORTAL_RELAY_BACKOFF_CAP": "0.3",
        "PORTAL_RATE_LIMITS": "off", "PYTHONPATH": str(ROOT_DIR)})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        env["PORTAL_DATABASE_URL"] = uri
    return env


def start_worker(env, log: Path):
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "worker",
             "--interval", "0.05"], cwd=ROOT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)


def sent_count():
    count = db.session.execute(db.select(db.func.count()).select_from(Delivery)
                               .filter_by(state="sent")).scalar()
    db.session.rollback()  # end the read so the next poll sees new commits
    return count


def test_relays_killed_at_random_deliver_every_item_exactly_once(
        app, app_ctx, make_submission, accept, tmp_path):
    assert app.config["SQLALCHEMY_DATABASE_URI"] != "sqlite://"
    for i in range(ITEMS):
        accept(make_submission(title=f"路灯 {i}"))
    # 80 ms per request: 300 items take longer than the kill rounds, so kills land while items
    # are still being delivered (often mid-request, after the receiver stored it).
    receiver = Receiver(secret=SECRET, faults={"500": 0.05, "drop": 0.05}, seed=7,
                        delay=0.08).start()
    env = worker_env(app, receiver)
    log = tmp_path / "workers.log"
    rng = random.Random(11)
    kills_in_flight = 0
    try:
        for _round in range(KILLS):
            workers = [start_worker(env, log) for _ in range(rng.choice((1, 1, 2)))]
            time.sleep(rng.uniform(0.8, 2.5))
            for worker in workers:
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
            kills_in_flight += sent_count() < ITEMS
        survivor = start_worker(env, log)
        deadline = time.monotonic() + 120
        while sent_count() < ITEMS and time.monotonic() < deadline:
            assert survivor.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
        survivor.send_signal(signal.SIGKILL)
        survivor.wait(timeout=10)
    finally:
        receiver.stop()

    deliveries = db.session.execute(db.select(Delivery)).scalars().all()
    states = [d.state for d in deliveries]
    summary = (f"states {dict((s, states.count(s)) for s in set(states))}, kills in flight "
               f"{kills_in_flight}, requests {len(receiver.requests)}, bad signatures "
               f"{receiver.bad_signatures}, errors "
               f"{ {d.last_error for d in deliveries if d.state != 'sent'} }, worker log: "
               f"{log.read_text(errors='replace')[-2000:] if log.exists() else ''}")
    assert len(deliveries) == ITEMS, summary  # every acceptance got its delivery row
    assert states.count("sent") == ITEMS, summary
    assert set(receiver.stored) == {d.idempotency_key for d in deliveries}, summary
    assert receiver.bodies_differ == [] and receiver.bad_signatures == 0, summary
    assert set(db.session.execute(db.select(Submission.status)).scalars()) == {"forwarded"}
    assert kills_in_flight >= KILLS - 2, summary  # rounds killed with items still in flight
    assert len(receiver.requests) > ITEMS, summary  # re-sends happened and were deduplicated
