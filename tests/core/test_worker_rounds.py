"""Worker rounds: a round that finds nothing to do never takes SQLite's write lock; `--once`
drains each task in turn and passes again until nothing is left; a queue's round with less than
a full batch waits a moment for more."""
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.submissions.services import change_status
from portal.worker import _run_task, drain, register_worker_task, worker_tasks
from tests.helpers import write_transactions


def test_an_idle_round_of_every_task_takes_no_write_lock(app, make_submission, use_webhook):
    """Every task polls a few times a second; residents' submissions would otherwise wait
    behind idle rounds holding the lock the whole time."""
    with app.app_context():
        for code in ("litter", "noise", "fire-risk"):
            case = make_submission(category_code=code, contact={"email": "r@example.org",
                                                                "notify": True})
            change_status(case, "accepted", actor="user:dora")
        db.session.commit()
        # Everything due is done: deliveries, index, deadlines, messages.
        assert drain() >= 1
        writing = {}
        for name, task in worker_tasks().items():
            with write_transactions(db.engine) as locked:
                assert _run_task(name, task) == 0
                db.session.remove()
            if locked:
                writing[name] = locked
        names = set(worker_tasks())
    assert names >= {"search-indexer", "forwarding-relay", "notifications",
                                   "service-levels", "hotspots", "figures"}
    assert {name: [s[:60] for t in found for s in t] for name, found in writing.items()} == {}


def test_once_drains_each_task_before_asking_an_idle_one_again(app):
    """A long queue is drained without a check that found nothing being run after each of its
    rounds; work one task leaves for an earlier one is done in the next pass."""
    calls, queue, made = [], [5], []

    def consumer():  # registered first: it only finds what the producer made
        calls.append("consumer")
        handled, made[:] = len(made), []
        return handled

    def long_queue():
        calls.append("queue")
        if queue[0]:
            queue[0] -= 1
            return 1
        return 0

    def producer():
        calls.append("producer")
        if not made and "produced" not in calls:
            calls.append("produced")
            made.extend(["a", "b"])
            return 2
        return 0

    app.extensions["portal_worker_tasks"] = {}
    for name, task in (("consumer", consumer), ("queue", long_queue), ("producer", producer)):
        register_worker_task(app, name, task)
    with app.app_context():
        assert drain() == 5 + 2 + 2
        assert calls == ["consumer"] + ["queue"] * 6 + ["producer", "produced", "producer",
                         "consumer", "consumer", "queue", "producer",
                         "consumer", "queue", "producer"]
        calls.clear()
        queue[0] = 3
        assert drain({"queue"}) == 3
    assert calls == ["queue"] * 5


def test_a_queue_round_with_less_than_a_full_batch_waits_for_more(app, monkeypatch):
    """A queue's task goes on at once after a full round (a backlog drains at full speed),
    waits a moment after a round with a few items (the next takes them together), and waits
    the interval when it found nothing."""
    import portal.worker as worker

    rounds = iter([20, 25, 3, 19, 0, 1])
    pauses = []

    class Stop(Exception):
        pass

    def queue():
        return next(rounds)

    def record_pause(seconds):
        pauses.append(seconds)
        if len(pauses) == 4:
            raise Stop

    register_worker_task(app, "queue", queue, pause_when_busy=False, full_round=lambda: 20)
    monkeypatch.setattr(worker, "time", SimpleNamespace(sleep=record_pause))
    with pytest.raises(Stop):
        worker._task_loop(app, "queue", queue, 0.2)
    assert pauses == [worker.GATHER_SECONDS, worker.GATHER_SECONDS, 0.2, worker.GATHER_SECONDS]
