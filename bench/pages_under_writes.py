"""Kept public pages while residents' reports keep arriving: req/s with and without the stream.

    .venv/bin/python bench/pages_under_writes.py [--n 10000] [--rate 20] [--duration 5]
                                                 [--runs 3] [--connections 16] [--workers 2]

SQLite in a temporary folder, seeded as bench/run_all.py seeds it (N synthetic submissions,
indexed), `gunicorn -c gunicorn.conf.py wsgi:app` with `--workers` processes and its background
worker. For the home page, a published submission's page and the published list, wrk at
`--connections` connections for `--duration` seconds, `--runs` times each way, alternating:
with nothing else happening, and while a thread posts `--rate` new reports a second through the
JSON API (they wait for review: not published, as most new reports are until a moderator has
read them). Printed: medians of req/s, p99 and web CPU per page, and the share the stream keeps.
Never part of the tests: figures are printed.
"""
import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run_all import Gunicorn, base_env, flask, measured_wrk, seed  # noqa: E402


class ReportStream:
    """Posts new reports through the JSON API at a steady rate until stopped."""

    def __init__(self, url, rate):
        self.url, self.every, self.sent, self.failed = url, 1.0 / rate, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        due = time.monotonic()
        while not self._stop.is_set():
            body = json.dumps({"kind": "issue", "category": "street-lighting", "area": "riverside",
                               "title": f"Lamp {self.sent} dark near gate {self.sent % 9}",
                               "body": f"Lamp number {self.sent} on path {self.sent * 7} by the "
                                       f"ferry has been dark for days, please repair."}).encode()
            request = urllib.request.Request(self.url + "/api/v1/submissions?lang=en", data=body,
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    self.sent += response.status == 201
            except OSError:
                self.failed += 1
            due += self.every
            self._stop.wait(max(0.0, due - time.monotonic()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="synthetic submissions")
    parser.add_argument("--rate", type=float, default=20.0, help="new reports a second")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="portal-pages-writes-"))
    env = base_env(tmp / "data")
    published_id, _code, _places, _timings = seed(env, args.n)
    flask(env, "portal", "worker", "--once")
    server = Gunicorn(env, workers=args.workers, log=tmp / "gunicorn.log")
    rows = []
    try:
        for name, path in (("home", "/?lang=en"),
                           ("published page", f"/submissions/{published_id}?lang=en"),
                           ("published list", "/submissions?lang=en")):
            quiet, stream, posted = [], [], 0
            for _ in range(args.runs):
                quiet.append(measured_wrk(server, path, args, "", tmp))
                with ReportStream(server.url, args.rate) as reports:
                    stream.append(measured_wrk(server, path, args, "", tmp))
                posted += reports.sent
            rows.append((name, quiet, stream, posted / (args.runs * args.duration)))
    finally:
        server.stop()
    print(f"{args.n} submissions, SQLite, {args.workers} gunicorn workers, wrk -c"
          f"{args.connections}, {args.duration} s x {args.runs} runs each way (medians); "
          f"stream: {args.rate:g} reports/s asked")
    print("| page | req/s quiet | req/s under reports | kept | p99 ms quiet / under | "
          "web CPU ms per page quiet / under (the reports' own included) | reports/s sent |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for name, quiet, stream, sent in rows:
        def median(samples, key):
            return statistics.median(sample[key] for sample in samples)
        q, s = median(quiet, "rps"), median(stream, "rps")
        print(f"| {name} | {q:,.0f} | {s:,.0f} | {100 * s / q:.0f} % | "
              f"{median(quiet, 'p99'):.1f} / {median(stream, 'p99'):.1f} | "
              f"{median(quiet, 'cpu_web'):.2f} / {median(stream, 'cpu_web'):.2f} | {sent:.1f} |")


if __name__ == "__main__":
    main()
