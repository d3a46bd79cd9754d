"""Background CPU per accepted submission, task by task, and web CPU per JSON API POST.

    .venv/bin/python bench/worker_bench.py [--n 600] [--batch 20] [--existing 2000]
                                           [--profile [TASK]] [--no-contact] [--form]
                                           [--replies]

In process, SQLite in a temporary folder (migrated, reference data seeded), the embedded page
cache on. `--existing` published submissions are generated first (bench/search_bench.py's
generator) and indexed, so the tasks work against a non-empty database. Then `--n` submissions
are posted through the JSON API (`PORTAL_AUTO_ACCEPT=api`, so clean ones are accepted and queued
for the loopback platform double at once; every one asks to be told of changes by e-mail, unless
`--no-contact` posts run_all's body, and an area alert in real time is confirmed, so the notifier
has work), or with `--form` through the web form as a browser posts it (run_all's fields: the
CSRF token and the form's render token fetched once; not auto-accepted, so nothing is
forwarded), `--batch` at a time, as a loaded
server would see them between two worker rounds; after each batch every worker task runs until
it has nothing left. With `--replies`, each batch's submissions then get an official reply
(a change the search index does not show) and every task runs again until it has nothing
left, as a moderator's replies between the worker's rounds. Printed: CPU milliseconds (this
thread's time: not the loopback doubles' threads, nor whatever else the machine does) per
posted submission for the web request and for each task, medians over the batches.
`--profile` adds cProfile's top functions for the web side and for all tasks (or only the task
named).
Never part of the tests.
"""
import argparse
import cProfile
import io
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="portal-worker-bench-")
os.environ.pop("PORTAL_DATABASE_URL", None)

from aiosmtpd.controller import Controller  # noqa: E402

from bench.run_all import MailClock, free_port  # noqa: E402
from bench.search_bench import Generator, populate  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.worker import _run_task, worker_tasks  # noqa: E402
from tests.forwarding.receiver import Receiver  # noqa: E402  (the loopback platform double)

SECRET = "bench-webhook-secret"


def body(rng, i, contact=True):
    street = rng.choice(["杨树浦路", "定海路", "长阳路", "平凉路", "Kongjiang Road"])
    return {"kind": "issue", "category": "street-lighting", "area": "riverside",
            "title": f"{street} lamp {i} dark near gate {rng.randint(1, 99)}",
            "body": f"Lamp number {i} on path {rng.randint(1, 10 ** 5)} by the ferry has "
                    f"been dark since day {i % 31}, please repair.",
            **({"notify": True, "contact": {"email": f"resident{i}@example.org"}}
               if contact else {})}


def form_poster(client):
    """A function posting run_all's form fields as one browser session does (the form fetched
    once, then posted after a person's minimum filling time)."""
    html = client.get("/submit?lang=en").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    rendered = re.search(r'name="rendered" type="hidden" value="([^"]*)"', html).group(1)
    time.sleep(3.5)

    def post(rng, i):
        response = client.post("/submit?lang=en", data={
            "csrf_token": csrf, "rendered": rendered, "kind": "issue",
            "category": "street-lighting", "area": "riverside", "website": "",
            "idempotency_key": f"bench-{i}-{rng.random()}", "title": f"Bench form post {i}",
            "body": f"The lamp number {rng.randint(1, 10 ** 5)} near gate {i % 9} has been "
                    f"dark for {i % 30} days."})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return post


def reply_to(codes):
    """An official reply to each submission, committed (outside the measured tasks)."""
    from portal.submissions.models import Submission
    from portal.submissions.services import add_official_reply
    for submission in db.session.execute(
            db.select(Submission).where(Submission.code.in_(codes))).scalars():
        add_official_reply(submission, actor="user:bench", text="已转交相关部门处理。")
    db.session.commit()
    db.session.remove()


def drain(profiler, totals, profiled="all"):
    """Every task until it has nothing left; CPU per task added to `totals`."""
    for name, task in worker_tasks().items():
        profiling = profiler is not None and profiled in ("all", name)
        start = time.thread_time()
        if profiling:
            profiler.enable()
        while _run_task(name, task):
            db.session.remove()
        db.session.remove()
        if profiling:
            profiler.disable()
        totals[name] = totals.get(name, 0.0) + time.thread_time() - start


def top(profiler, title):
    """cProfile's top functions (BENCH_SORT: tottime or cumulative; BENCH_TOP: how many)."""
    limit = int(os.environ.get("BENCH_TOP", 25))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_SORT", "tottime"))\
        .print_stats(limit)
    print(f"\n--- {title}: top {limit} ---")
    print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--existing", type=int, default=2000)
    parser.add_argument("--profile", nargs="?", const="all", default=None, metavar="TASK")
    parser.add_argument("--no-contact", action="store_true",
                        help="post run_all's body: no contact, nobody to tell")
    parser.add_argument("--form", action="store_true",
                        help="post through the web form (/submit) instead of the JSON API")
    parser.add_argument("--replies", action="store_true",
                        help="an official reply to each submission after its batch")
    args = parser.parse_args()

    receiver = Receiver(secret=SECRET).start()
    sink, port = MailClock(), free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    app = create_app({"PORTAL_SINK": "webhook", "PORTAL_WEBHOOK_URL": receiver.url,
                      "PORTAL_WEBHOOK_SECRET": SECRET, "PORTAL_AUTO_ACCEPT": "api",
                      "PORTAL_RATE_LIMITS": "off", "PORTAL_NOTIFY_HOURLY_CAP": 10 ** 6,
                      "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{port}?starttls=no",
                      "PORTAL_BASE_URL": "https://portal.example.cn"})
    rng = random.Random(7)
    web_profiler = cProfile.Profile() if args.profile else None
    task_profiler = cProfile.Profile() if args.profile else None
    try:
        with app.app_context():
            from flask_migrate import upgrade

            from portal.core.migrations import bind_migrations
            from portal.notifications.alerts import subscribe_alert
            from portal.notifications.models import Subscription
            from portal.stations.services import load_reference_file, seed_reference_data
            bind_migrations(app)
            upgrade()
            seed_reference_data(load_reference_file())
            db.session.commit()
            started = time.perf_counter()
            populate(app, args.existing, Generator(3, ["杨树浦路", "定海路", "平凉路"]))
            subscription = subscribe_alert("area", "riverside", "alerts@example.org",
                                           "realtime", "zh")
            db.session.execute(db.update(Subscription).where(
                Subscription.id == subscription.id).values(state="confirmed"))
            db.session.commit()
            drain(None, {})
            print(f"{args.existing} existing submissions generated and indexed in "
                  f"{time.perf_counter() - started:.1f} s")
        client = app.test_client()
        post = form_poster(client) if args.form else None
        web, per_task, posted = [], {}, []
        for first in range(0, args.n, args.batch):
            size = min(args.batch, args.n - first)
            start = time.thread_time()
            if web_profiler:
                web_profiler.enable()
            for i in range(first, first + size):
                if post:
                    post(rng, i)
                    continue
                response = client.post("/api/v1/submissions?lang=en",
                                       json=body(rng, i, not args.no_contact))
                assert response.status_code == 201, response.get_data(as_text=True)
                posted.append(response.get_json()["code"])
            if web_profiler:
                web_profiler.disable()
            web.append((time.thread_time() - start) * 1000 / size)
            totals = {}
            with app.app_context():
                drain(task_profiler, totals, args.profile)
                if args.replies:  # after what the first rounds started (deliveries) is done
                    drain(task_profiler, totals, args.profile)
                    reply_to(posted)
                    drain(task_profiler, totals, args.profile)
            posted.clear()
            for name, seconds in totals.items():
                per_task.setdefault(name, []).append(seconds * 1000 / size)
        kind = "form POST" if args.form else "JSON API POST"
        print(f"{args.n} {kind}s in batches of {args.batch}; CPU ms per submission, "
              f"medians of {len(web)} batches")
        print(f"{'web: ' + kind:32} {statistics.median(web):8.2f}")
        background = 0.0
        for name, values in per_task.items():
            background += statistics.median(values)
            print(f"{'task: ' + name:32} {statistics.median(values):8.2f}")
        print(f"{'background, all tasks':32} {background:8.2f}")
        print(f"delivered to the platform double: {len(receiver.stored)}; "
              f"e-mails to the loopback SMTP server: {sink.count}")
        if args.profile:
            top(web_profiler, f"web ({kind})")
            if args.profile != "web":
                top(task_profiler, f"worker tasks ({args.profile})")
    finally:
        smtp.stop()
        receiver.stop()


if __name__ == "__main__":
    main()
