"""Rate limits hold across every gunicorn worker (the database-backed counters on SQLite)."""
import threading
import time
from collections import Counter

from portal.api.auth import ANONYMOUS_LIMIT
from tests.scale.helpers import http, run_threads

ATTEMPTS = 24


def per_minute(limits: str) -> int:
    (value,) = [int(part.split()[0]) for part in limits.split(";") if "minute" in part]
    return value


def test_anonymous_api_limit_is_shared_by_four_workers(deployment):
    server = deployment.server(workers=4, PORTAL_RATE_LIMITS="on")
    # Four workers are up before the burst, so the requests spread over separate processes.
    deadline = time.monotonic() + 20
    while len(server.worker_pids()) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(server.worker_pids()) == 4
    statuses, lock = Counter(), threading.Lock()
    barrier = threading.Barrier(ATTEMPTS)

    def post(i, _deadline):
        barrier.wait()  # all at once, so they land on different workers
        body = {"kind": "issue", "category": "street-lighting", "area": "riverside",
                "title": f"Rate limit check {i}", "body": f"Lamp {i} by the ferry is dark."}
        status, _answer = http("POST", server.url + "/api/v1/submissions?lang=en", body)
        with lock:
            statuses[status] += 1

    run_threads(ATTEMPTS, post, 30)
    limit = per_minute(ANONYMOUS_LIMIT)
    assert set(statuses) <= {201, 429}, statuses
    assert abs(statuses[201] - limit) <= 1, statuses
    assert statuses[429] == ATTEMPTS - statuses[201]
    # Another batch later in the same minute is still refused on every worker.
    later = Counter(http("POST", server.url + "/api/v1/submissions", {"kind": "issue"})[0]
                    for _ in range(8))
    assert later == Counter({429: 8}), later
