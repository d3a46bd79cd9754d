"""Relay benchmark (loopback only; prints figures, gates nothing).

    .venv/bin/python bench/relay_bench.py [--items 500] [--database-url URL] [--skip-amqp]

1. Throughput of the relay to a loopback webhook receiver (the test receiver: signature check,
   dedup by Idempotency-Key) and to RabbitMQ (127.0.0.1:5672, a queue of its own, deleted
   afterwards), in messages per second, draining a backlog of accepted submissions in-process.
2. Acceptance -> delivery latency (p50, p95) with the worker as it runs in production: a separate
   `flask --app wsgi portal worker` process (what gunicorn starts beside itself), submissions
   accepted one by one at a steady rate, timed until the receiver has them.
Each figure is the median of --repeat runs.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.forwarding.receiver import Receiver  # noqa: E402

SECRET = "bench-secret"


def make_app(data_dir, database_url, **config):
    os.environ["PORTAL_DATA_DIR"] = str(data_dir)
    if database_url:
        os.environ["PORTAL_DATABASE_URL"] = database_url
    from portal import create_app
    from portal.extensions import db
    from portal.stations.services import load_reference_file, seed_reference_data

    app = create_app({"PORTAL_RATE_LIMITS": "off", "PORTAL_WEBHOOK_SECRET": SECRET, **config})
    with app.app_context():
        if database_url:
            db.drop_all()
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.commit()
    return app


def accept_backlog(app, n):
    from portal.extensions import db
    from portal.submissions.services import change_status, create_submission

    with app.app_context():
        for i in range(n):
            submission = create_submission(
                kind="issue", category_code="street-lighting", area_code="daqiao",
                title=f"路灯不亮 {i}", body="杨树浦路 100 号门口的路灯坏了一周。",
                place="滨江步道").submission
            change_status(submission, "accepted", actor="bench")
            if i % 50 == 49:
                db.session.commit()
        db.session.commit()


def drain_seconds(app, n):
    from portal.extensions import db
    from portal.forwarding.models import Delivery
    from portal.forwarding.relay import relay_task

    with app.app_context():
        started = time.perf_counter()
        while True:
            handled = relay_task()
            if handled == 0:
                sent = db.session.execute(db.select(db.func.count()).select_from(Delivery)
                                          .filter_by(state="sent")).scalar()
                db.session.rollback()
                if sent >= n:
                    return time.perf_counter() - started
                time.sleep(0.01)


def throughput_webhook(n, database_url):
    receiver = Receiver(secret=SECRET).start()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            app = make_app(data_dir, database_url, PORTAL_SINK="webhook",
                           PORTAL_WEBHOOK_URL=receiver.url, PORTAL_RELAY_BATCH=50)
            accept_backlog(app, n)
            seconds = drain_seconds(app, n)
            assert len(receiver.stored) == n
            app.extensions["forwarding_sink"].close()
            return n / seconds
    finally:
        receiver.stop()


def throughput_amqp(n, database_url, url):
    import pika

    queue = f"portal-bench-{uuid.uuid4().hex[:8]}"
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            app = make_app(data_dir, database_url, PORTAL_SINK="amqp", PORTAL_AMQP_URL=url,
                           PORTAL_AMQP_QUEUE=queue, PORTAL_RELAY_BATCH=50)
            accept_backlog(app, n)
            seconds = drain_seconds(app, n)
            app.extensions["forwarding_sink"].close()
    finally:
        connection = pika.BlockingConnection(pika.URLParameters(url))
        declared = connection.channel().queue_declare(queue=queue, passive=True)
        count = declared.method.message_count
        connection.channel().queue_delete(queue=queue)
        connection.close()
    assert count == n, (count, n)
    return n / seconds


def latency_with_worker(n, rate, database_url):
    from portal.extensions import db
    from portal.submissions.services import change_status, create_submission

    receiver = Receiver(secret=SECRET).start()
    with tempfile.TemporaryDirectory() as data_dir:
        app = make_app(data_dir, database_url, PORTAL_SINK="webhook",
                       PORTAL_WEBHOOK_URL=receiver.url)
        env = dict(os.environ, PORTAL_DATA_DIR=data_dir, PORTAL_SINK="webhook",
                   PORTAL_WEBHOOK_URL=receiver.url, PORTAL_WEBHOOK_SECRET=SECRET,
                   PYTHONPATH=str(ROOT))
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "portal",
                                   "worker"], cwd=ROOT, env=env)
        accepted = {}
        try:
            with app.app_context():
                time.sleep(3)  # let the worker start
                for i in range(n):
                    submission = create_submission(
                        kind="issue", category_code="litter", area_code="yinhang",
                        title=f"垃圾 {i}", body="小区门口的垃圾桶满了两天。").submission
                    db.session.commit()
                    change_status(submission, "accepted", actor="bench")
                    code = submission.code  # read before the commit expires it
                    db.session.commit()
                    accepted[code] = time.time()
                    time.sleep(1 / rate)
            deadline = time.time() + 60
            while len(receiver.stored) < n and time.time() < deadline:
                time.sleep(0.05)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
            receiver.stop()
    first_seen = {}
    for when, key, outcome in receiver.requests:
        if outcome == "200":
            first_seen.setdefault(key.rsplit("-", 1)[0], when)
    latencies = sorted(first_seen[code] - accepted[code] for code in accepted)
    if os.environ.get("BENCH_DEBUG"):
        print([round(first_seen[c] - accepted[c], 3) for c in accepted])
    return (statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--latency-items", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="acceptances per second")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    parser.add_argument("--skip-amqp", action="store_true")
    args = parser.parse_args()
    db_name = "PostgreSQL" if args.database_url else "SQLite"

    webhook = [throughput_webhook(args.items, args.database_url) for _ in range(args.repeat)]
    print(f"webhook (loopback, {db_name}): {statistics.median(webhook):.0f} msg/s "
          f"(median of {args.repeat} x {args.items})", flush=True)
    if not args.skip_amqp:
        amqp = [throughput_amqp(args.items, args.database_url, args.amqp_url)
                for _ in range(args.repeat)]
        print(f"RabbitMQ (publisher confirms, {db_name}): {statistics.median(amqp):.0f} msg/s "
              f"(median of {args.repeat} x {args.items})", flush=True)
    runs = [latency_with_worker(args.latency_items, args.rate, args.database_url)
            for _ in range(args.repeat)]
    p50 = statistics.median(r[0] for r in runs) * 1000
    p95 = statistics.median(r[1] for r in runs) * 1000
    print(f"acceptance -> delivery with the worker process ({db_name}, {args.rate:g}/s): "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (median of {args.repeat} x "
          f"{args.latency_items})", flush=True)


if __name__ == "__main__":
    main()
