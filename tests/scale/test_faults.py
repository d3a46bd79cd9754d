"""Faults under load: gunicorn workers SIGKILLed mid-request, the background worker killed.

A submission is stored whole or not at all: with its timeline entry and its change-log (outbox)
row, and an acceptance with its own change-log row. A killed `flask portal worker` loses
nothing: once restarted, the search index and forwarding catch up with every change.
"""
import os
import random
import signal
import threading
import time
from collections import Counter

from portal.accounts.services import create_user
from portal.accounts.tokens import issue_staff_token
from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.search import services as search_service
from portal.search.indexer import index_lag
from portal.submissions.models import ChangeLog, StatusEvent, Submission
from tests.scale.helpers import count_rows, http, run_threads

WORDS = ("bench shade river ferry lamp tree path rail gate dock stair wall fence kiosk garden "
         "fountain market crossing square pier bridge tunnel station corner lane court").split()


def distinct_text(i, n) -> str:
    """Words in an order of their own, so screening sees no duplicates."""
    rng = random.Random(i * 1000 + n)
    return " ".join(rng.sample(WORDS, 9))


def killer(server, stop: threading.Event, kills: list, every=0.6):
    """SIGKILL a random gunicorn worker every `every` seconds until stopped."""
    rng = random.Random(5)
    while not stop.wait(every):
        pids = server.worker_pids()
        if pids:
            pid = rng.choice(pids)
            try:
                os.kill(pid, signal.SIGKILL)
                kills.append(pid)
            except ProcessLookupError:
                pass


def under_kills(server, threads, seconds, target):
    stop, kills = threading.Event(), []
    thread = threading.Thread(target=killer, args=(server, stop, kills))
    thread.start()
    try:
        run_threads(threads, target, seconds)
    finally:
        stop.set()
        thread.join()
    return kills


def staff_token(app):
    with app.app_context():
        create_user("moderator", "moderator", "river-lamp-4821")
        _token, secret = issue_staff_token("moderator")
        db.session.commit()
        db.session.remove()
    return secret


def changes(app):
    """{submission id: Counter of (change, status)} from the change log, plus timelines."""
    with app.app_context():
        log = {}
        for sid, change, status in db.session.execute(
                db.select(ChangeLog.submission_id, ChangeLog.change, ChangeLog.status)):
            log.setdefault(sid, Counter())[(change, status)] += 1
        events = Counter(db.session.execute(
            db.select(StatusEvent.submission_id, StatusEvent.to_status)).all())
        rows = db.session.execute(db.select(Submission.id, Submission.code,
                                            Submission.status)).all()
        db.session.remove()
    return rows, log, events


def test_killed_web_workers_leave_every_submission_whole(deployment):
    server = deployment.server(workers=4, GUNICORN_CMD_ARGS="--timeout 10")
    app = deployment.app()
    token = staff_token(app)
    created, cut, lock = [], Counter(), threading.Lock()

    def submit(i, deadline):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            body = {"kind": "issue", "category": "street-lighting", "area": "riverside",
                    "title": f"Kill test {i}-{n}", "body": distinct_text(i, n)}
            try:
                status, answer = http("POST", server.url + "/api/v1/submissions?lang=en", body)
            except OSError:
                with lock:
                    cut["create"] += 1
                continue
            assert status < 500 or status == 502, (status, answer)
            if status == 201:
                with lock:
                    created.append(answer["code"])

    kills = under_kills(server, 12, 4, submit)
    rows, _log, _events = changes(app)
    codes = [code for _id, code, status in rows if status in ("received", "held")]
    accepted, pending = [], list(codes)

    def accept(i, deadline):
        while time.monotonic() < deadline:
            with lock:
                if not pending:
                    return
                code = pending.pop()
            try:
                status, answer = http(
                    "POST", f"{server.url}/api/v1/staff/submissions/{code}/decision?lang=en",
                    {"action": "accept"}, headers={"Authorization": f"Bearer {token}"})
            except OSError:
                with lock:
                    cut["accept"] += 1
                continue
            if status == 200:
                with lock:
                    accepted.append(code)

    kills += under_kills(server, 12, 4, accept)
    assert http("GET", server.url + "/healthz")[0] == 200  # the master replaced its workers
    accepted_under_kills = len(accepted)

    # Without kills, every submission still waiting (never reached, or its decision cut off
    # before it committed) is accepted: a killed worker left nothing locked or half-changed.
    rows, _log, _events = changes(app)
    pending[:] = [code for _id, code, status in rows if status in ("received", "held")]
    run_threads(4, accept, 120)

    rows, log, events = changes(app)
    summary = (f"kills {len(kills)}, cut {dict(cut)}, created {len(created)}, accepted "
               f"{accepted_under_kills} under kills and {len(accepted)} in all, statuses "
               f"{Counter(s for _i, _c, s in rows)}")
    assert len(kills) >= 6 and sum(cut.values()) >= 1, summary  # requests were cut off
    stored = {code: (sid, status) for sid, code, status in rows}
    assert set(created) <= set(stored), summary  # every 201 was stored
    for code, (sid, status) in stored.items():
        entries = log.get(sid, Counter())
        assert entries[("created", "received")] + entries[("created", "held")] == 1, (code, entries)
        assert events[(sid, "received")] + events[(sid, "held")] == 1, code
        was_accepted = status == "accepted"
        assert entries[("status", "accepted")] == int(was_accepted), (code, status, entries)
        assert events[(sid, "accepted")] == int(was_accepted), (code, status)
    assert {c for c in accepted} <= {c for c, (_s, st) in stored.items() if st == "accepted"}
    assert accepted_under_kills >= 12, summary  # acceptances went on while workers died
    assert {status for _sid, status in stored.values()} == {"accepted"}, summary


def caught_up(app, expected_accepted) -> tuple:
    with app.app_context():
        lag = index_lag()
        sent = db.session.execute(db.select(db.func.count()).select_from(Delivery)
                                  .filter_by(state="sent")).scalar()
        db.session.remove()
    return lag["behind"] == 0 and sent == expected_accepted, lag, sent


def test_killed_background_worker_catches_up_without_loss(deployment):
    # Clean API submissions are accepted at once, so each one is indexed and forwarded.
    server = deployment.server(workers=2, PORTAL_AUTO_ACCEPT="api")
    worker = deployment.worker()
    app = deployment.app(PORTAL_AUTO_ACCEPT="api")
    created, lock = [], threading.Lock()

    def submit(i, deadline):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            body = {"kind": "idea", "category": "street-lighting", "area": "riverside",
                    "title": f"Kestrel {distinct_text(i, n)[:40]}",
                    "body": f"A kestrel nesting box near the {distinct_text(n, i)}."}
            status, answer = http("POST", server.url + "/api/v1/submissions?lang=en", body)
            assert status == 201, answer
            with lock:
                created.append(answer["code"])

    kill_at = threading.Timer(1.5, lambda: worker.send_signal(signal.SIGKILL))
    kill_at.start()
    run_threads(4, submit, 4)
    kill_at.join()
    assert worker.wait(timeout=10) == -signal.SIGKILL
    expected = count_rows(app, ChangeLog, change="status", status="accepted")
    assert expected >= 10 and count_rows(app, Submission) == len(created)
    assert not caught_up(app, expected)[0]  # work was left behind by the killed worker

    worker = deployment.worker()
    deadline = time.monotonic() + 60
    while not (state := caught_up(app, expected))[0] and time.monotonic() < deadline:
        assert worker.poll() is None, deployment.logs()[-3000:]
        time.sleep(0.2)
    assert state[0], (state, expected, deployment.logs()[-3000:])
    with app.app_context():
        found = search_service.search("kestrel", staff=True, per_page=1)
        assert found.state == "ok" and found.total == len(created)
        assert db.session.execute(db.select(db.func.count()).select_from(Delivery)).scalar() \
            == expected  # each acceptance delivered once
        assert db.session.execute(db.select(db.func.count()).select_from(Submission).filter_by(
            status="forwarded")).scalar() == expected
        db.session.remove()
