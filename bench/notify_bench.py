"""Notifications per second to a loopback SMTP server (aiosmtpd), through the real sender
(lease, compose from templates, send, record), SQLite in a temp dir; median of 3 runs.

Run: .venv/bin/python bench/notify_bench.py [N]   (prints the rate; never part of the tests)
"""
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["PORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="portal-bench-")
os.environ.pop("PORTAL_DATABASE_URL", None)

from aiosmtpd.controller import Controller

from portal import create_app
from portal.core.unit_of_work import unit_of_work
from portal.extensions import db
from portal.notifications.models import Notification, Subscriber, Subscription
from portal.notifications.sender import notifications_task
from portal.stations.services import load_reference_file, seed_reference_data


class Counter:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def queue(n: int, run: int) -> None:
    for a in range(10):
        subscriber = Subscriber(channel="email", address=f"bench{run}.{a}@example.org",
                                address_key=secrets.token_hex(16), language="zh",
                                token_nonce=secrets.token_hex(8))
        db.session.add(subscriber)
        db.session.flush()
        subscription = Subscription(subscriber_id=subscriber.id, kind="alert",
                                    filter_key="alert:area:riverside", state="confirmed",
                                    language="zh", token_nonce=secrets.token_hex(8))
        db.session.add(subscription)
        db.session.flush()
        for m in range(n // 10):
            db.session.add(Notification(
                subscriber_id=subscriber.id, subscription_id=subscription.id,
                kind="alert_new", channel="email", language="zh",
                context={"own": False, "alert": True, "submission_id": 1,
                         "title": f"滨江路灯不亮 {m}", "group": "alert:area:riverside"},
                idempotency_key=f"bench{run}.{a}.{m}"))
    db.session.commit()


def main(n=500):
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app({"PORTAL_SMTP_URL": f"smtp://127.0.0.1:{port}?starttls=no",
                      "PORTAL_NOTIFY_HOURLY_CAP": 10 ** 6, "PORTAL_NOTIFY_BATCH": 50,
                      "PORTAL_BASE_URL": "https://portal.example.cn"})
    rates = []
    try:
        with app.app_context():
            db.create_all()
            seed_reference_data(load_reference_file())
            db.session.commit()
            for run in range(int(os.environ.get("BENCH_RUNS", 3))):
                queue(n, run)
                before = counter.count
                start = time.perf_counter()
                deadline = start + 300
                while counter.count - before < n:
                    if time.perf_counter() > deadline:
                        raise SystemExit("not all messages arrived within 300 s")
                    with unit_of_work():
                        notifications_task()
                    db.session.remove()
                rates.append(n / (time.perf_counter() - start))
    finally:
        controller.stop()
    print(f"notifications to loopback SMTP: {statistics.median(rates):.0f}/s "
          f"(median of 3 runs of {n}; runs {', '.join(f'{r:.0f}' for r in rates)})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
