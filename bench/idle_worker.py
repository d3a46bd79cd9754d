"""CPU an idle background worker takes: the whole `flask portal worker` process, every task in
its thread, with nothing to do.

    .venv/bin/python bench/idle_worker.py [--seconds 20] [--runs 3] [--data-dir DIR]
                                          [--pg-url URL]

Without `--data-dir`, a fresh SQLite database in a temporary folder (migrated, reference data
seeded); with it, a copy of that folder (e.g. one `run_all.py`'s seed made, for the idle cost
at its size). `--pg-url` runs the same on PostgreSQL (its schema is dropped and migrated) and
adds the CPU of the PostgreSQL server's processes over the same seconds (anything else using
PostgreSQL then counts too). What is due is drained first (`worker --once`); then one worker
runs, is left to settle, and its CPU time (user + system, from /proc) is read over `--runs`
consecutive windows of `--seconds`: a share of one core, printed per window and as the
median. Never part of the tests.
"""
import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run_all import (  # noqa: E402
    base_env,
    flask,
    postgres_cpu_seconds,
    process_cpu_seconds,
    reset_postgres,
)

SETTLE_SECONDS = 20  # start-up, the first rounds' catching up, the longest idle pauses


def idle_shares(env, seconds, runs, pg) -> list:
    """[(worker's share of a core, PostgreSQL's share or None)] over `runs` consecutive windows
    of `seconds`, in one worker process left to settle first."""
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "portal",
                               "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        time.sleep(SETTLE_SECONDS)
        shares = []
        for _ in range(runs):
            before, pg_before = process_cpu_seconds(worker.pid), postgres_cpu_seconds()
            time.sleep(seconds)
            shares.append(((process_cpu_seconds(worker.pid) - before) / seconds,
                           (postgres_cpu_seconds() - pg_before) / seconds if pg else None))
        return shares
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", default="", help="a data folder to copy (SQLite)")
    parser.add_argument("--pg-url", default="", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="idle-worker-") as tmp:
        data = Path(tmp) / "data"
        if args.data_dir:
            shutil.copytree(args.data_dir, data)
        if args.pg_url:
            reset_postgres(args.pg_url)
        env = base_env(data, args.pg_url)
        if not args.data_dir or args.pg_url:
            flask(env, "db", "upgrade")
            flask(env, "portal", "seed")
        flask(env, "portal", "worker", "--once")  # what is due now (a seeded backlog), drained
        shares = idle_shares(env, args.seconds, args.runs, bool(args.pg_url))
    where = "PostgreSQL" if args.pg_url else f"SQLite ({args.data_dir or 'empty'})"
    worker = [100 * w for w, _ in shares]
    print(f"idle background worker on {where}, {args.runs} windows of {args.seconds:.0f} s: "
          f"{statistics.median(worker):.1f} % of one core (each: "
          + ", ".join(f"{w:.1f}" for w in worker) + ")")
    if args.pg_url:
        server = [100 * p for _, p in shares]
        print(f"PostgreSQL's processes meanwhile: {statistics.median(server):.1f} % of one core "
              "(each: " + ", ".join(f"{p:.1f}" for p in server) + ")")


if __name__ == "__main__":
    main()
