"""50 concurrent submitters against 4 gunicorn workers: no 5xx, no lock errors, nothing lost.

Bounded in time (SUBMIT_SECONDS); runs on SQLite, and on PostgreSQL in the suite's PG pass.
"""
import threading
import time
from collections import Counter

from portal.submissions.models import ChangeLog, Contact, Submission
from tests.scale.helpers import count_rows, http, run_threads

SUBMITTERS = 50
SUBMIT_SECONDS = 6


def payload(i, n):
    return {"kind": "issue" if n % 3 else "idea", "category": "street-lighting",
            "area": "riverside", "title": f"Lamp {i}-{n} dark near gate {n % 9}",
            "body": f"Submitter {i} reports lamp number {n} near the ferry has been dark "
                    f"since day {n % 7}.", "contact": {"email": f"r{i}@example.org"}}


def test_concurrent_api_submitters(deployment):
    server = deployment.server(workers=4)
    statuses, errors, created = Counter(), [], []
    lock = threading.Lock()

    def submitter(i, deadline):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                status, body = http("POST", server.url + "/api/v1/submissions?lang=en",
                                     payload(i, n))
            except OSError as exc:
                with lock:
                    errors.append(repr(exc))
                continue
            with lock:
                statuses[status] += 1
                if status == 201:
                    created.append(body["code"])

    run_threads(SUBMITTERS, submitter, SUBMIT_SECONDS)
    logs = deployment.logs()
    summary = f"statuses {dict(statuses)}, errors {errors[:5]}, log tail {logs[-2000:]}"
    app = deployment.app()
    assert statuses[201] >= SUBMITTERS, summary  # every submitter got through at least once
    assert not [s for s in statuses if s >= 500] and not errors, summary
    assert set(statuses) == {201}, summary
    assert "database is locked" not in logs.lower(), summary
    assert "Traceback" not in logs, summary
    assert len(set(created)) == statuses[201]
    assert count_rows(app, Submission) == statuses[201], summary
    assert count_rows(app, ChangeLog, change="created") == statuses[201], summary
    assert count_rows(app, Contact) == statuses[201], summary
