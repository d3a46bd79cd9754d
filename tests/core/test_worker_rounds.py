"""Worker rounds: a round that finds nothing to do never takes SQLite's write lock."""
from portal.extensions import db
from portal.submissions.services import change_status
from portal.worker import _run_task, run_round, worker_tasks
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
        rounds = 0
        while run_round():  # everything due is done: deliveries, index, deadlines, messages
            db.session.remove()
            rounds += 1
        assert rounds >= 1
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
