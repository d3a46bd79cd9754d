"""`flask portal worker --only`: a host runs the indexer, the relay, or both (the default)."""
from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.search.indexer import index_lag
from portal.submissions.services import change_status


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
    assert "search-indexer, forwarding-relay" in result.output
    assert run(app, "--only", ",").exit_code == 2  # naming nothing is a mistake, not "idle"
