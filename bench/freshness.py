"""How soon a submission accepted under the API POST load can be found and is delivered.

    .venv/bin/python bench/freshness.py --data-dir DIR [--runs 3] [--duration 15]

On a copy of a data folder `run_all.py`'s seeding filled (SQLite), gunicorn as `run_all.py`
starts it (2 web workers, the embedded worker, the loopback webhook receiver and SMTP server),
drives the JSON API POST load at 16 connections for `--duration` seconds `--runs` times, each
beside `run_all.py`'s probe (a submission every 0.25 s, timed until a moderator's search finds
it and until the receiver has it). Prints each run's rate, CPU per POST and percentiles, then the
percentiles of all runs' probes together: with about 60 probes a run, one run's p95 is its third
slowest, so compare the pooled figures of alternated runs. Never part of the tests.
"""
import argparse
import shutil
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run_all  # noqa: E402
from tests.forwarding.receiver import Receiver  # noqa: E402  (the loopback platform double)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="a data folder run_all.py seeded")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=15, help="seconds per run")
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    tmp = Path(tempfile.mkdtemp(prefix="portal-freshness-"))
    receiver = Receiver(secret=run_all.WEBHOOK_SECRET).start()
    mail, smtp_port = run_all.MailClock(), run_all.free_port()
    smtp = Controller(mail, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = run_all.base_env(
        tmp / "data", PORTAL_SINK="webhook", PORTAL_WEBHOOK_URL=receiver.url,
        PORTAL_WEBHOOK_SECRET=run_all.WEBHOOK_SECRET, PORTAL_AUTO_ACCEPT="api",
        PORTAL_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}?starttls=no",
        PORTAL_NOTIFY_HOURLY_CAP=str(10 ** 6))
    server = None
    try:
        _id, _code, places, _timings = run_all.seeded(env, args.data_dir)
        run_all.flask(env, "portal", "worker", "--once")
        server = run_all.Gunicorn(env, workers=2)
        moderator, _cookie = run_all.moderator_session(server.url)
        load = types.SimpleNamespace(connections=16, duration=args.duration)
        warm = types.SimpleNamespace(connections=16, duration=5)
        run_all.wrk(server.url, "/api/v1/submissions", warm, run_all.LUA_API_POST, tmp)
        searchable, delivered = [], []
        for number in range(args.runs):
            run_all.settle(server)
            probe = run_all.Probe(server.url, receiver, places, mail, moderator)
            before = server.cpu_seconds()
            with probe:
                result = run_all.wrk(server.url, "/api/v1/submissions", load,
                                     run_all.LUA_API_POST, tmp)
            after = server.cpu_seconds()
            found, sent = list(probe.searchable.values()), list(probe.delivered().values())
            searchable += found
            delivered += sent
            posts = max(result["requests"], 1)
            print(f"run {number}: {result['rps']:.0f} POSTs/s, p99 {result['p99']:.0f} ms, CPU "
                  f"per POST web {1000 * (after['web'] - before['web']) / posts:.2f} + background "
                  f"{1000 * (after['background'] - before['background']) / posts:.2f} ms; "
                  f"searchable p50 / p95 {_seconds(found)} ({len(found)} of "
                  f"{len(probe.accepted)}); delivered p50 / p95 {_seconds(sent)}", flush=True)
        peak = server.peak_rss_mb()["background"]["rss"]
        print(f"all runs: searchable p50 / p95 {_seconds(searchable)} ({len(searchable)} "
              f"probes); delivered p50 / p95 {_seconds(delivered)}; background worker peak RSS "
              f"{peak:.0f} MB")
    finally:
        if server is not None:
            server.stop()
        receiver.stop()
        smtp.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _seconds(values) -> str:
    return (f"{run_all.percentile(values, 0.5):.2f} / {run_all.percentile(values, 0.95):.2f} s"
            if values else "none")


if __name__ == "__main__":
    main()
