"""Plain helpers for the scale tests: HTTP calls, threads with a deadline, row counts."""
import json
import threading
import time
import urllib.error
import urllib.request
from http.client import HTTPException

from portal.extensions import db


def http(method, url, payload=None, headers=None, timeout=30):
    """(status, parsed JSON or text); a refused or cut connection raises ConnectionError."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except HTTPException as exc:  # cut mid-response (a worker was killed)
        raise ConnectionError(repr(exc)) from exc
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode("utf-8", "replace")


def run_threads(count, target, seconds):
    """Run `target(i, deadline)` in `count` threads, all stopping by the deadline."""
    deadline = time.monotonic() + seconds
    failures = []

    def guarded(i):
        try:
            target(i, deadline)
        except BaseException as exc:  # noqa: BLE001  (reported by the test thread below)
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    assert not any(thread.is_alive() for thread in threads), "a submitter hung"
    if failures:
        raise failures[0]


def count_rows(app, model, **filters) -> int:
    with app.app_context():
        count = db.session.execute(db.select(db.func.count()).select_from(model)
                                   .filter_by(**filters)).scalar()
        db.session.remove()
        return count
