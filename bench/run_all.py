"""The whole load benchmark in one command: gunicorn on loopback, driven by wrk, one table.

    .venv/bin/python bench/run_all.py [--n 10000] [--duration 5] [--runs 3] [--connections 16]
                                      [--workers 2] [--pg-url URL | --no-pg]

For each setup -- the embedded default (SQLite, Whoosh, embedded worker) and PostgreSQL (with
Redis configured for rate limits) -- it migrates and seeds a fresh database, adds N synthetic
published/unpublished submissions (bench/search_bench.py's generator: mixed Chinese and
English), builds the index, starts `gunicorn -c gunicorn.conf.py wsgi:app` with `--workers`
processes and measures, with wrk (`apt-get install wrk`) at `--connections` connections for
`--duration` seconds, `--runs` times (medians printed):
  home page, a published submission's page, the tracking page, a search with two terms and an
  area filter, the JSON API POST (new submissions, varied text), the form POST (CSRF token and
  session cookie fetched once, a fresh idempotency key per request).
A minimal Flask app under the same gunicorn settings gives the ceiling; every rate is also
printed as a share of it. Also: start-up time (gunicorn started -> /healthz answers) and peak
RSS per gunicorn worker (VmHWM). Rate limits are off (PORTAL_RATE_LIMITS=off): the anonymous
API limit would otherwise answer 429 after five posts. Never part of CI: figures are printed.
"""
import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d errors=%d status=%d p50=%d p95=%d p99=%d\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status, latency:percentile(50),
    latency:percentile(95), latency:percentile(99)))
end
"""
LUA_API_POST = """
local n = 0
local seed = 0
setup = function(thread) seed = seed + 1; thread:set("tid", seed) end
request = function()
  n = n + 1
  local body = string.format('{"kind": "issue", "category": "street-lighting", "area": ' ..
    '"riverside", "title": "Lamp %d-%d dark near gate %d", "body": "Lamp number %d on ' ..
    'path %d by the ferry has been dark since day %d, please repair."}',
    tid or 0, n, n % 9, n, math.random(1, 100000), n % 31)
  return wrk.format("POST", "/api/v1/submissions?lang=en",
                    {["Content-Type"] = "application/json"}, body)
end
"""
LUA_FORM_POST = """
local n = 0
setup = function(thread) thread:set("tid", math.random(1, 1000000)) end
request = function()
  n = n + 1
  local body = "csrf_token=%(csrf)s&rendered=%(rendered)s&kind=issue&category=street-lighting" ..
    "&area=riverside&website=&idempotency_key=" ..
    string.format("bench%%s-%%d-%%d", nonce, tid or 0, n) ..
    "&title=" .. string.format("Bench+form+post+%%d", n) ..
    "&body=" .. string.format("The+lamp+number+%%d+near+gate+%%d+has+been+dark+for+%%d+days.",
                              math.random(1, 100000), n %% 9, n %% 30)
  return wrk.format("POST", "/submit?lang=en", {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "%(cookie)s"}, body)
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(data_dir, database_url="", **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({"PORTAL_DATA_DIR": str(data_dir), "PORTAL_RATE_LIMITS": "off",
                "PORTAL_SECRET_KEY": "bench-secret", "PYTHONPATH": str(ROOT)})
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask(env, *args):
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, capture_output=True)


class Gunicorn:
    def __init__(self, env, app="wsgi:app", workers=2, log=None):
        self.port = free_port()
        env = dict(env, PORT=str(self.port), PORTAL_WEB_WORKERS=str(workers))
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log or os.devnull, "ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start ({app})")
                time.sleep(0.05)
        self.startup = time.perf_counter() - started

    def workers(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def peak_rss_mb(self):
        peaks = []
        for pid in self.workers():
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        return max(peaks) if peaks else 0.0

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wrk(url, path, args, script="", lua_dir=None):
    lua = Path(lua_dir) / f"wrk-{abs(hash((path, script)))}.lua"
    # A fresh seed and nonce per run: Lua's random sequence is otherwise the same every run, and
    # a repeated idempotency key would measure the cheap replay instead of a new submission.
    nonce = secrets.token_hex(4)
    lua.write_text(f'nonce = "{nonce}"\nmath.randomseed({secrets.randbelow(2**31)})\n'
                   + script + LUA_REPORT)
    result = subprocess.run(["wrk", "-t", "2", "-c", str(args.connections), "-d",
                             f"{args.duration}s", "--timeout", "10s", "-s", str(lua), url + path],
                            capture_output=True, text=True, check=True)
    out = result.stdout
    match = re.search(r"BENCH requests=(\d+) errors=(\d+) status=(\d+) p50=(\d+) p95=(\d+) "
                      r"p99=(\d+)", out)
    if match is None:
        raise RuntimeError(f"wrk said nothing usable for {path}: {out} {result.stderr}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests, errors, bad_status, p50, p95, p99 = map(int, match.groups())
    return {"rps": rate, "p50": p50 / 1000, "p95": p95 / 1000, "p99": p99 / 1000,
            "errors": errors + bad_status, "requests": requests}


def medians(samples):
    keys = ("rps", "p50", "p95", "p99")
    result = {k: statistics.median(s[k] for s in samples) for k in keys}
    result["errors"] = sum(s["errors"] for s in samples)
    result["requests"] = sum(s["requests"] for s in samples)
    return result


def seed(env, n):
    """Migrate, seed, add N submissions, build the index; returns (published id, code)."""
    flask(env, "db", "upgrade")
    flask(env, "portal", "seed")
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from bench.search_bench import Generator, populate
        from portal import create_app
        from portal.extensions import db
        from portal.search.indexer import apply_changes, rebuild_index
        from portal.stations.models import Area
        from portal.submissions.models import Submission

        app = create_app()
        with app.app_context():
            places = [a.name_zh for a in db.session.execute(db.select(Area)).scalars()]
        populate(app, n, Generator(7, places))
        with app.app_context():
            if db.engine.dialect.name == "postgresql":  # ids were given explicitly
                for table in ("submission", "change_log"):
                    db.session.execute(db.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"))
                db.session.commit()
            rebuild_index()
            apply_changes()
            published = db.session.execute(db.select(Submission.id, Submission.code).filter_by(
                published=True).order_by(Submission.id.desc())).first()
            db.session.remove()
            db.engine.dispose()
        return published
    finally:
        os.environ.clear()
        os.environ.update(saved)


def form_session(url):
    """A session cookie, its CSRF token and the form's render token, as a browser gets them."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(url + "/submit?lang=en").read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    rendered = re.search(r'name="rendered" type="hidden" value="([^"]*)"', html).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    time.sleep(3.5)  # a person takes longer than the form's minimum to fill it in
    return {"csrf": urllib.parse.quote(csrf, safe=""),
            "rendered": urllib.parse.quote(rendered, safe=""), "cookie": cookie}


def measure_portal(label, env, args, tmp):
    published_id, code = seed(env, args.n)
    server = Gunicorn(env, workers=args.workers, log=tmp / f"{label}.log")
    try:
        targets = [
            ("home", "/?lang=en", ""),
            ("published page", f"/submissions/{published_id}?lang=en", ""),
            ("tracking page", f"/track/{code}?lang=en", ""),
            ("search: 2 terms + filter", "/search?q=" + urllib.parse.quote("路灯 垃圾")
             + "&area=riverside", ""),
            ("API POST", "/api/v1/submissions?lang=en", LUA_API_POST),
        ]
        session = form_session(server.url)
        targets.append(("form POST (CSRF)", "/submit?lang=en", LUA_FORM_POST % session))
        rows = {}
        for name, path, script in targets:
            rows[name] = medians([wrk(server.url, path, args, script, tmp)
                                  for _ in range(args.runs)])
        return rows, server.startup, server.peak_rss_mb()
    finally:
        server.stop()


def reset_postgres(url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": target.database}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def print_table(results, hello, args):
    print()
    print(f"n={args.n} submissions, {args.workers} gunicorn workers, {args.connections} "
          f"connections, {args.duration} s x {args.runs} runs (medians); "
          f"hello world: {hello['rps']:.0f} req/s, p50 {hello['p50']:.1f} ms, "
          f"p99 {hello['p99']:.1f} ms")
    header = f"{'setup':<10} {'endpoint':<26} {'req/s':>8} {'% hello':>8} {'p50 ms':>8} " \
             f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header)
    print("-" * len(header))
    for setup, (rows, startup, rss) in results.items():
        for name, row in rows.items():
            print(f"{setup:<10} {name:<26} {row['rps']:>8.1f} "
                  f"{100 * row['rps'] / hello['rps']:>7.1f}% {row['p50']:>8.1f} "
                  f"{row['p95']:>8.1f} {row['p99']:>8.1f} {row['errors']:>7d}")
        print(f"{setup:<10} start-up to /healthz {startup:.2f} s, peak RSS per worker "
              f"{rss:.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="synthetic submissions")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/"
                                            "portal_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--no-pg", action="store_true", help="only the embedded default")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        hello_env = base_env(tmp / "hello", PORTAL_EMBEDDED_WORKER=0)
        hello = Gunicorn(hello_env, app="bench.hello_app:app", workers=args.workers)
        try:
            hello_row = medians([wrk(hello.url, "/", args, "", tmp) for _ in range(args.runs)])
        finally:
            hello.stop()
        results = {}
        sqlite_env = base_env(tmp / "sqlite")
        results["sqlite"] = measure_portal("sqlite", sqlite_env, args, tmp)
        if not args.no_pg:
            reset_postgres(args.pg_url)
            pg_env = base_env(tmp / "pg", args.pg_url, PORTAL_REDIS_URL=args.redis_url)
            results["postgres"] = measure_portal("postgres", pg_env, args, tmp)
        print_table(results, hello_row, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
