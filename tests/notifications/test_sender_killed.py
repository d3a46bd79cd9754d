"""The sender worker (`flask portal worker`, a real process) is SIGKILLed while it sends a batch
of 300 e-mails to the loopback SMTP server, then started again: every message arrives, each
under its own Message-ID, and none is lost. A message that the server accepted in the instant
before the kill (its outcome not yet recorded) is sent again with the same Message-ID, which
is how a receiver recognises the repeat: at most that one."""
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from portal.extensions import db
from portal.notifications.models import Notification, Subscriber, Subscription
from tests.notifications.helpers import BASE

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 300


def _start_worker(smtp_url: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PORTAL_SMTP_URL=smtp_url, PORTAL_BASE_URL=BASE,
               PORTAL_MAIL_FROM="portal@portal.example.cn", PORTAL_NOTIFY_HOURLY_CAP="100000",
               PORTAL_NOTIFY_TIMEOUT="3", PORTAL_NOTIFY_LEASE_SECONDS="12",
               PORTAL_NOTIFY_BATCH="20", PORTAL_RELAY_BACKOFF_BASE="0.05",
               PORTAL_RELAY_BACKOFF_CAP="0.2")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal:create_app", "portal", "worker",
         "--only", "notifications", "--interval", "0.05"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))


def _wait(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


def _queue_batch(app) -> set:
    """300 due e-mails to 30 addresses (the same shape the notifier writes)."""
    with app.app_context():
        keys = set()
        for n in range(30):
            subscriber = Subscriber(channel="email", address=f"r{n}@example.org",
                                    address_key=secrets.token_hex(16), language="en",
                                    token_nonce=secrets.token_hex(8))
            db.session.add(subscriber)
            db.session.flush()
            subscription = Subscription(subscriber_id=subscriber.id, kind="alert",
                                        filter_key="alert:area:riverside", state="confirmed",
                                        language="en", token_nonce=secrets.token_hex(8))
            db.session.add(subscription)
            db.session.flush()
            for m in range(TOTAL // 30):
                key = f"kill{n}.{m}"
                keys.add(key)
                db.session.add(Notification(
                    subscriber_id=subscriber.id, subscription_id=subscription.id,
                    kind="manage", channel="email", language="en", context={},
                    idempotency_key=key))
        db.session.commit()
    return keys


def test_a_killed_sender_loses_nothing_and_repeats_no_message_id(app, smtp_server, tmp_path):
    keys = _queue_batch(app)
    log = tmp_path / "worker.log"
    worker = _start_worker(smtp_server.url, log)
    try:
        _wait(lambda: len(smtp_server.messages) >= 100 or worker.poll() is not None, 90,
              "the first hundred messages")
        assert worker.poll() is None, log.read_text()[-2000:]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        at_kill = len(smtp_server.messages)
        assert at_kill < TOTAL  # killed in the middle of the batch
        worker = _start_worker(smtp_server.url, log)

        def all_sent():
            with app.app_context():
                return db.session.execute(db.select(db.func.count()).select_from(Notification)
                                          .filter_by(state="sent")).scalar() == TOTAL
        _wait(all_sent, 120, lambda: f"every message to be sent; log: {log.read_text()[-1000:]}")
    finally:
        worker.kill()
        worker.wait(10)
    ids = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert set(ids) == {f"<{key}@portal.example.cn>" for key in keys}
    repeated = sum(count - 1 for count in ids.values())
    assert repeated <= 1, ids.most_common(3)
