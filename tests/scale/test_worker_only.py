"""`flask portal worker --only`: a host runs the indexer, the relay, or both (the default)."""
import threading
import time

from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.search.indexer import index_lag
from portal.submissions.services import change_status
from portal.worker import _task_loop, register_worker_task


def accepted(make_submission):
    submission = make_submission(title="路灯 worker only")
    change_status(submission, "accepted", actor="user:moderator")
    db.session.commit()
    return submission


def deliveries():
    count = db.session.execute(db.select(db.func.count()).select_from(Delivery)).scalar()
    db.session.rollback()
    return count


def run(app, *args):
    return app.test_cli_runner().invoke(args=["portal", "worker", "--once", *args])


def start_loops(app, interval, **tasks):
    """Each task's loop in a thread of its own, as `flask portal worker` runs them."""
    for name, task in tasks.items():
        threading.Thread(target=_task_loop, args=(app, name, task, interval), daemon=True).start()


def wait_until(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_only_the_indexer_leaves_forwarding_alone(app, app_ctx, make_submission):
    accepted(make_submission)
    result = run(app, "--only", "search-indexer")
    assert result.exit_code == 0, result.output
    assert index_lag()["behind"] == 0
    assert deliveries() == 0  # the relay did not run

    result = run(app, "--only", "forwarding-relay")
    assert result.exit_code == 0, result.output
    assert deliveries() == 1
    assert db.session.execute(db.select(Delivery.state)).scalar() == "sent"


def test_only_the_relay_leaves_the_index_alone(app, app_ctx, make_submission):
    accepted(make_submission)
    assert run(app, "--only", " forwarding-relay ").exit_code == 0
    assert deliveries() == 1
    assert index_lag()["ready"] is False  # no index was built on this host


def test_default_runs_every_task(app, app_ctx, make_submission):
    accepted(make_submission)
    assert run(app).exit_code == 0
    assert deliveries() == 1 and index_lag()["behind"] == 0


def test_unknown_task_name_is_refused(app, app_ctx):
    result = run(app, "--only", "search-indexer,indexer")
    assert result.exit_code == 2
    assert "unknown task indexer" in result.output
    assert "search-indexer, search-merger, forwarding-relay" in result.output
    assert run(app, "--only", ",").exit_code == 2  # naming nothing is a mistake, not "idle"


def test_a_busy_queue_task_goes_on_at_once_and_a_batching_task_pauses(app):
    """The relay's deliveries wait in a queue: after a round that sent something the next
    round starts at once; the indexer pauses the interval after every round (batches)."""
    calls = {"queue": 0, "batches": 0}

    def queue_task():
        calls["queue"] += 1
        return 1 if calls["queue"] < 4 else 0  # three busy rounds, then nothing due

    def batching_task():
        calls["batches"] += 1
        return 1

    register_worker_task(app, "queue", queue_task, pause_when_busy=False)
    register_worker_task(app, "batches", batching_task)
    start_loops(app, 30, queue=queue_task, batches=batching_task)
    wait_until(lambda: calls["queue"] >= 4)
    assert calls["queue"] == 4  # rounds 2-4 did not wait the 30 s interval
    assert calls["batches"] == 1  # still waiting its 30 s after the first round


def test_a_calendar_task_pauses_longer_only_when_idle(app):
    """A task registered with `idle_seconds` goes on at once while busy (a backlog of cases to
    close) and waits the longer pause only after a round that found nothing."""
    calls = {"calendar": 0, "plain": 0}

    def calendar_task():
        calls["calendar"] += 1
        return 1 if calls["calendar"] < 3 else 0  # two busy rounds, then nothing due

    def plain_task():
        calls["plain"] += 1
        return 0

    register_worker_task(app, "calendar", calendar_task, pause_when_busy=False, idle_seconds=30)
    register_worker_task(app, "plain", plain_task)
    start_loops(app, 0.01, calendar=calendar_task, plain=plain_task)
    wait_until(lambda: calls["calendar"] >= 3 and calls["plain"] >= 10)
    time.sleep(0.2)
    assert calls["calendar"] == 3  # busy rounds went on; the idle one waits its 30 s
    assert calls["plain"] >= 10  # an idle task without it pauses only the interval


def test_a_figures_task_pauses_longer_after_busy_rounds(app):
    """A task registered with `busy_seconds` waits that long after a round that handled
    something, and only the interval after an idle one."""
    calls = {"figures": 0, "plain": 0}

    def figures_task():
        calls["figures"] += 1
        return 1 if calls["figures"] == 3 else 0  # idle, idle, then busy

    def plain_task():
        calls["plain"] += 1
        return 1

    register_worker_task(app, "figures", figures_task, busy_seconds=30)
    register_worker_task(app, "plain", plain_task)
    start_loops(app, 0.01, figures=figures_task, plain=plain_task)
    wait_until(lambda: calls["figures"] >= 3 and calls["plain"] >= 20)
    time.sleep(0.2)
    assert calls["figures"] == 3  # the idle rounds went on; the busy one waits its 30 s
    assert calls["plain"] >= 20  # busy rounds of a task without it pause only the interval


def test_only_the_queues_residents_wait_for_poll_at_the_interval(app):
    """Idle, the indexer, the relay and the notifier look again after the interval (a new
    submission is searchable, forwarded and told within a second); the tasks whose work falls
    due by the calendar or feeds staff figures wait at least a second, so an idle worker does
    not query the database five times a second for each of them; the deadline and hotspot
    tasks wait longer after busy rounds too."""
    idle = app.extensions.get("portal_worker_idle_seconds", {})
    for name in ("search-indexer", "forwarding-relay", "notifications"):
        assert idle.get(name, 0) == 0, name
    for name in ("search-merger", "notification-digests", "service-levels",
                 "follow-up-closing", "hotspots", "figures"):
        assert idle.get(name, 0) >= 1, name
    assert idle["notification-digests"] >= 60  # digests fall due once a day or a week
    busy = app.extensions.get("portal_worker_busy_seconds", {})
    assert set(busy) == {"hotspots", "service-levels"}
    assert busy["hotspots"] >= 1 and busy["service-levels"] >= 1
    # The queues go on at once after a full batch and gather for a moment after a smaller one.
    with app.app_context():
        full = {name: round_size() for name, round_size
                in app.extensions.get("portal_worker_full_round", {}).items()}
    assert full == {"forwarding-relay": app.config["PORTAL_RELAY_BATCH"],
                    "notifications": app.config["PORTAL_NOTIFY_BATCH"]}
