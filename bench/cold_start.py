"""A web worker's first searches: gunicorn started on a seeded copy, then varied searches.

    .venv/bin/python bench/cold_start.py --data-dir DIR [--runs 3] [--duration 5]
                                         [--connections 16] [--workers 2]
    .venv/bin/python bench/cold_start.py --n 100000 [...]

On a copy of DIR (one `run_all.py`-style seed: a migrated SQLite database with its index; the
index's files are hard-linked, never written to here) or on `--n` submissions generated and
indexed first, it starts `gunicorn -c gunicorn.conf.py wsgi:app` with `--workers` web workers
and no background worker, waits until its processes are quiet (each worker has opened and
warmed its searcher), then runs `run_all.py`'s varied searches (two of the generator's 40
words and one of six areas, a different URL each time) `--runs` times. It prints the time to
quiet and, per run, the rate, p50 / p95 / p99 and the web CPU per page: the first run is a
new worker's first searches, the later ones its steady state. Then the web workers' memory.
Never part of the tests.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run_all import (  # noqa: E402
    LUA_SEARCH_VARIED,
    VARIED_AREAS,
    VARIED_WORDS,
    Gunicorn,
    base_env,
    measured_wrk,
    seed,
    settle,
)


def copy_seed(source: Path, data: Path) -> None:
    """The seed's database and files copied, its index hard-linked (searches only read it)."""
    data.mkdir()
    for path in source.iterdir():
        if path.name == "index":
            subprocess.run(["cp", "-al", str(path), str(data / "index")], check=True)
        elif path.is_dir():
            shutil.copytree(path, data / path.name)
        else:
            shutil.copy2(path, data / path.name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="a seeded folder to copy (else --n is generated)")
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="portal-cold-start-"))
    server = None
    try:
        data = tmp / "data"
        if args.data_dir:
            copy_seed(Path(args.data_dir), data)
        else:
            seed(base_env(data), args.n)
        started = time.perf_counter()
        server = Gunicorn(base_env(data, PORTAL_EMBEDDED_WORKER=0), workers=args.workers)
        settle(server, window=1.0, quiet=0.05, longest=180)
        print(f"gunicorn with {args.workers} web workers: started, searchers opened and warmed, "
              f"quiet after {time.perf_counter() - started:.1f} s")
        script = LUA_SEARCH_VARIED % {
            "words": ", ".join(f'"{urllib.parse.quote(word)}"' for word in VARIED_WORDS),
            "areas": ", ".join(f'"{area}"' for area in VARIED_AREAS)}
        for number in range(1, args.runs + 1):
            result = measured_wrk(server, "/search", args, script, tmp)
            print(f"run {number}: {result['rps']:7.1f} req/s  p50 {result['p50']:6.1f}  p95 "
                  f"{result['p95']:6.1f}  p99 {result['p99']:6.1f} ms  web CPU "
                  f"{result['cpu_web']:.2f} ms a page  errors {result['errors']}")
        web = server.peak_rss_mb()["web"]
        print(f"web worker: peak RSS {web['rss']:.0f} MB, PSS {web['pss']:.0f} MB, "
              f"private (USS) {web['uss']:.0f} MB")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
