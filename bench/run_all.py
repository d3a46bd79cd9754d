"""The whole load benchmark in one command: gunicorn on loopback, driven by wrk, one table.

    .venv/bin/python bench/run_all.py [--n 100000] [--duration 5] [--runs 3] [--connections 16]
                                      [--workers 2] [--pg-url URL | --no-pg | --no-sqlite]
                                      [--seed-dir DIR]

For each setup -- the embedded default (SQLite, Whoosh, embedded worker) and PostgreSQL (with
Redis configured for rate limits) -- it migrates and seeds a fresh database, adds N synthetic
published/unpublished submissions (bench/search_bench.py's generator: mixed Chinese and
English), builds the index, starts `gunicorn -c gunicorn.conf.py wsgi:app` with `--workers`
processes and measures, with wrk (`apt-get install wrk`) at `--connections` connections for
`--duration` seconds, `--runs` times (medians printed):
  home page, a published submission's page, the tracking page, a search with two terms and an
  area filter, the public figures (/stats), the wall screen's data (/staff/wall.json, as a
  signed-in moderator), the JSON API POST (new submissions, varied text), the form POST (CSRF
  token and session cookie fetched once, a fresh idempotency key per request).
A minimal Flask app under the same gunicorn settings gives the ceiling; every rate is also printed
as a share of it, and the two POSTs' rates as a share of a minimal write app's (bench/write_app.py:
one ORM row inserted and committed per JSON POST, on the same kind of database). Both stay up
beside the portal, and each of the portal's runs follows one of its reference's (the write app's
for a POST, hello world's otherwise): column "% next" is the median of those pairs' shares, each
between runs seconds apart, where column "% hello" divides by a reference measured once at the
start (the machine's speed drifts over minutes). Printed with the CPU time the web workers and the
background worker spent per request (other processes' load does not add to it, though a host that
slows the machine raises it) and, on PostgreSQL, the CPU time of the database server's processes
over the same seconds (anything else using PostgreSQL counts too; SQLite's work is inside the
portal's processes). Also: start-up time (gunicorn started -> /healthz answers), a background
worker's start-up time (process started -> its first round done), and the memory of each kind of
worker: peak RSS (VmHWM) during the loads and from its start through the moderator's one sign-in
(argon2id hashes in 64 MiB), what its largest sampled RSS was made of, and at the end PSS and
private memory (USS), since preload_app shares the code and dictionaries.
Each POST load runs `--runs` times alone (its row), then `--runs` times more beside a probe
(the row "+ probe": the probe's requests add CPU the POST's figures would otherwise carry). The
probe submits a distinct submission through the API every 0.25 s and measures, per probe,
acceptance (the 201 response) -> searchable (a signed-in moderator's /staff/search finds it,
i.e. indexed by the worker and seen by a web worker's searcher), acceptance -> delivered (the
loopback webhook receiver has it: the portal runs with PORTAL_SINK=webhook and
PORTAL_AUTO_ACCEPT=api, so clean API submissions are forwarded at once) and acceptance ->
message (each probe asks to be told by e-mail; a loopback SMTP server, aiosmtpd,
times the first message to its address: "accepted").
Rate limits are off (PORTAL_RATE_LIMITS=off): the anonymous API limit would otherwise answer 429
after five posts. With `--seed-dir DIR`, the SQLite setup measures a copy of a data folder this
script's seeding filled before (a million takes half an hour to generate and index), instead of
seeding one; pass the `--n` it was seeded with, which the table names. Never part of CI: figures
are printed.
"""
import argparse
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import CHINESE_SEEDS  # noqa: E402
from tests.forwarding.receiver import Receiver  # noqa: E402  (the loopback platform double)

WEBHOOK_SECRET = "bench-webhook-secret"
MODERATOR, MODERATOR_PASSWORD = "benchmod", "bench-moderator-4821"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
WRITE_DATABASE = "portal_bench_write"  # the minimal write app's, beside the portal's on PostgreSQL

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
# Searches as residents make them: two words from the generator's vocabulary and one of the areas,
# different from request to request (a repeated URL would only measure the page cache).
LUA_WRITE_POST = """
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"title": "Lamp %d dark", "body": "Lamp number %d on path %d ' ..
    'by the ferry has been dark, please repair."}', n, n, math.random(1, 100000))
  return wrk.format("POST", "/write", {["Content-Type"] = "application/json"}, body)
end
"""
VARIED_WORDS = CHINESE_SEEDS[:40]
VARIED_AREAS = ("riverside", "dinghai-road", "pingliang-road", "jiangpu-road", "daqiao", "yinhang")
LUA_SEARCH_VARIED = """
local words = {%(words)s}
local areas = {%(areas)s}
request = function()
  local q = words[math.random(#words)] .. "%%20" .. words[math.random(#words)]
  return wrk.format("GET", "/search?q=" .. q .. "&area=" .. areas[math.random(#areas)])
end
"""
# A signed-in staff screen polling its data (the wall screen's JSON).
LUA_SIGNED_IN_GET = """
request = function()
  return wrk.format("GET", nil, {["Cookie"] = "%(cookie)s", ["Accept"] = "application/json"})
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


def process_cpu_seconds(pid, children=False) -> float:
    """CPU time (user + system) a process has spent so far, from /proc; with `children`, that
    of its children that have exited and been waited for too."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12])
    if children:
        used += int(fields[13]) + int(fields[14])
    return used / CLOCK_TICK


def postgres_cpu_seconds() -> float:
    """CPU time so far of every process of the PostgreSQL server on this machine, backends that
    have ended included (the server's main process has waited for them)."""
    spent = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip().startswith("postgres"):
                spent += process_cpu_seconds(entry.name, children=True)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return spent


def proc_sizes_mb(*paths) -> dict:
    """The "Name: N kB" lines of /proc files (status, smaps_rollup) as {name: MB}."""
    fields = {}
    for name in paths:
        for line in Path(name).read_text().splitlines():
            key, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


def worker_kind(pid) -> str:
    """Which kind of worker a gunicorn child is: the portal's background worker or web."""
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    return "background" if b"portal worker" in command else "web"


def base_env(data_dir, database_url="", **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({"PORTAL_DATA_DIR": str(data_dir), "PORTAL_RATE_LIMITS": "off",
                "PORTAL_SECRET_KEY": "bench-secret", "PYTHONPATH": str(ROOT)})
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask(env, *args, stdin=None):
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, capture_output=True, input=stdin)


def worker_startup_seconds(env):
    """A background worker process: started -> dictionaries loaded, first round done, exited."""
    started = time.perf_counter()
    flask(env, "portal", "worker", "--once")
    return time.perf_counter() - started


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
            except OSError as exc:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start ({app})") from exc
                time.sleep(0.05)
        self.startup = time.perf_counter() - started
        self.index_dir = str(Path(env.get("PORTAL_DATA_DIR", "/nonexistent")).resolve() / "index")
        self.postgres = any(env.get(name, "").startswith("postgresql")
                            for name in ("PORTAL_DATABASE_URL", "BENCH_WRITE_DATABASE_URL"))
        self.largest = {}  # kind -> what the process held when its RSS was largest
        self._sampling = threading.Event()
        self._sampler = threading.Thread(target=self._sample_memory, daemon=True)
        self._sampler.start()

    def _sample_memory(self):
        """Every 0.5 s, each worker's resident memory; at a kind's new largest, what it is made
        of: anonymous (the heap), the search index's files mapped into memory (page cache,
        shared with every process reading them), other files (code and libraries)."""
        while not self._sampling.wait(0.5):
            try:
                pids = self.workers()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for pid in pids:
                try:
                    kind = worker_kind(pid)
                    rss = proc_sizes_mb(f"/proc/{pid}/status")["VmRSS"]
                    if rss <= self.largest.get(kind, {}).get("rss", 0):
                        continue
                    self.largest[kind] = dict(self._made_of(pid), rss=rss)
                except (FileNotFoundError, ProcessLookupError, KeyError):
                    continue

    def _made_of(self, pid):
        made_of = {"anonymous": 0.0, "index files": 0.0, "other files": 0.0}
        part = "anonymous"
        for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
            head = line.split(maxsplit=5)
            if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:
                path = head[5] if len(head) == 6 else ""
                part = ("index files" if path.startswith(self.index_dir)
                        else "other files" if path.startswith("/") else "anonymous")
            elif line.startswith("Rss:"):
                made_of[part] += int(line.split()[1]) / 1024
        return made_of

    def workers(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def peak_rss_mb(self):
        """Per kind of worker (web, background), the largest of: peak RSS (VmHWM), and now,
        PSS (shared pages divided among the processes sharing them) and private memory (USS:
        what the process alone holds). gunicorn's preload_app loads the code and dictionaries
        once in the master; RSS counts those shared pages in every worker, USS does not."""
        peaks = {kind: {"rss": 0.0, "pss": 0.0, "uss": 0.0} for kind in ("web", "background")}
        for pid in self.workers():
            kind = worker_kind(pid)
            fields = proc_sizes_mb(f"/proc/{pid}/status", f"/proc/{pid}/smaps_rollup")
            now = {"rss": fields["VmHWM"], "pss": fields["Pss"],
                   "uss": fields["Private_Clean"] + fields["Private_Dirty"]}
            for measure, value in now.items():
                peaks[kind][measure] = max(peaks[kind][measure], value)
        return peaks

    def reset_peaks(self):
        """Start each worker's peak RSS (VmHWM) and the sampled largest again from now."""
        for pid in self.workers():
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        self.largest = {}

    def cpu_seconds(self):
        """CPU time (user + system) so far of the web workers, of the background worker and,
        on PostgreSQL, of the database server's processes (SQLite works inside the others)."""
        spent = {"web": 0.0, "background": 0.0,
                 "database": postgres_cpu_seconds() if self.postgres else 0.0}
        for pid in self.workers():
            try:
                spent[worker_kind(pid)] += process_cpu_seconds(pid)
            except FileNotFoundError:
                continue
        return spent

    def stop(self):
        self._sampling.set()
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


class MailClock:
    """An aiosmtpd handler: the time the first message to each address arrived, and how many
    messages arrived in all."""

    def __init__(self):
        self.first = {}
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        self.count += 1
        for address in envelope.rcpt_tos:
            self.first.setdefault(address.lower(), now)
        return "250 OK"


class Probe:
    """Submits distinct submissions through the API while a load runs; times each one until a
    moderator's search finds it, until the loopback webhook receiver has it and until the
    loopback SMTP server has the first message to the address it gave."""

    def __init__(self, url, receiver, places, mail, moderator, every=0.25):
        from bench.search_bench import Generator

        self.url, self.receiver, self.mail, self.every = url, receiver, mail, every
        self.generator = Generator(random.randrange(10**6), places)
        self.accepted = {}  # code -> (acceptance time, search word)
        self.searchable = {}  # code -> seconds after acceptance
        self.errors = []  # status codes of failed searches (there should be none)
        self.moderator = moderator  # an opener signed in as a moderator
        self._closing = threading.Event()  # the load is over: submit no more
        self._stop = threading.Event()
        # One thread submits on its clock; a few look for what is not found yet, each code at
        # most every 50 ms. A single thread doing both measured its own queue: with several
        # codes pending under load, each waited for the searches for the others.
        self._threads = [threading.Thread(target=self._submit_every, daemon=True)] + [
            threading.Thread(target=self._look, args=(number,), daemon=True)
            for number in range(self.LOOKERS)]
        self._last_look = {}  # code -> when a search for it was last sent

    LOOKERS = 3

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._closing.set()  # no more submissions: the pending ones get up to 10 s more
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (len(self.searchable) < len(self.accepted)
                                               or len(self.delivered()) < len(self.accepted)
                                               or len(self.messaged()) < len(self.accepted)):
            time.sleep(0.1)
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _submit(self):
        word = "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
        body = json.dumps({"kind": "issue", "category": "street-lighting", "area": "riverside",
                           "title": f"{self.generator.text(12)[:60]} {word}",
                           "body": f"{self.generator.text(60)} {word}", "notify": True,
                           "contact": {"email": f"probe-{word}@example.org"}}).encode()
        request = urllib.request.Request(self.url + "/api/v1/submissions?lang=en", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            code = json.load(response)["code"]
        self.accepted[code] = (time.time(), word)

    def _submit_every(self):
        next_submit = 0.0
        while not self._closing.is_set():
            if time.monotonic() >= next_submit:
                next_submit = time.monotonic() + self.every
                self._submit()
            time.sleep(0.01)

    def _next_code(self, number):
        """A pending code this looker owns (codes are shared out by their order of acceptance),
        searched for longest ago and not in the last 50 ms; None when there is none."""
        now = time.monotonic()
        owned = [code for index, code in enumerate(list(self.accepted))
                 if index % self.LOOKERS == number and code not in self.searchable
                 and now - self._last_look.get(code, 0.0) >= 0.05]
        return min(owned, key=lambda code: self._last_look.get(code, 0.0), default=None)

    def _look(self, number):
        while not self._stop.is_set():
            code = self._next_code(number)
            if code is None:
                time.sleep(0.01)
                continue
            at, word = self.accepted[code]
            self._last_look[code] = time.monotonic()
            try:
                page = self.moderator.open(f"{self.url}/staff/search?q={word}&lang=en",
                                           timeout=30).read().decode()
            except urllib.error.HTTPError as exc:
                self.errors.append(exc.code)
                continue
            if code[:5] in page and code[5:] in page:
                self.searchable[code] = time.time() - at

    def messaged(self):
        """Seconds from acceptance to the first message at the probe's address."""
        seconds = {}
        for code, (at, word) in list(self.accepted.items()):
            arrived = self.mail.first.get(f"probe-{word}@example.org")
            if arrived is not None:
                seconds[code] = arrived - at
        return seconds

    def delivered(self):
        """Seconds from acceptance to the receiver's first copy, per probe delivered."""
        first = {}
        for at, key, outcome in list(self.receiver.requests):
            if outcome == "200" and key not in first:
                first[key] = at
        seconds = {}
        for key, body in list(self.receiver.stored.items()):
            reference = json.loads(body)["reference"]
            if reference in self.accepted and key in first:
                seconds[reference] = first[key] - self.accepted[reference][0]
        return seconds


def moderator_session(url):
    """An opener signed in as the bench's moderator through the real login form, and its
    Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(url + "/staff/login?lang=en").read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "username": MODERATOR,
                                   "password": MODERATOR_PASSWORD}).encode()
    opener.open(url + "/staff/login?lang=en", data=form).read()
    return opener, "; ".join(f"{c.name}={c.value}" for c in jar)


def percentile(values, share):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def medians(samples):
    keys = ("rps", "p50", "p95", "p99", "cpu_web", "cpu_background", "cpu_database")
    result = {k: statistics.median(s[k] for s in samples) for k in keys}
    if all("share" in s for s in samples):
        result["share"] = statistics.median(s["share"] for s in samples)
    result["errors"] = sum(s["errors"] for s in samples)
    result["requests"] = sum(s["requests"] for s in samples)
    return result


@contextlib.contextmanager
def environment(env):
    """This process's environment replaced by `env` inside the block (create_app reads it)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def area_names() -> list:
    """The seeded areas' Chinese names (the generator's places), in an app context."""
    from portal.extensions import db
    from portal.stations.models import Area

    return [area.name_zh for area in db.session.execute(db.select(Area)).scalars()]


def latest_published():
    """(id, code) of the newest published submission, in an app context."""
    from portal.extensions import db
    from portal.submissions.models import Submission

    return db.session.execute(db.select(Submission.id, Submission.code).filter_by(
        published=True).order_by(Submission.id.desc()).limit(1)).first()


def seed(env, n):
    """Migrate, seed, add N submissions, build the index, add the moderator; returns (published
    id, its code, the area names, {"generated": s, "indexed": s} wall seconds)."""
    flask(env, "db", "upgrade")
    flask(env, "portal", "seed")
    flask(env, "portal", "create-user", MODERATOR, "--role", "moderator", "--password-stdin",
          stdin=f"{MODERATOR_PASSWORD}\n".encode())
    with environment(env):
        from bench.search_bench import Generator, populate
        from portal import create_app
        from portal.extensions import db
        from portal.search.indexer import apply_changes, rebuild_index

        app = create_app()
        with app.app_context():
            places = area_names()
        started = time.perf_counter()
        populate(app, n, Generator(7, places))
        timings = {"generated": time.perf_counter() - started}
        with app.app_context():
            if db.engine.dialect.name == "postgresql":  # ids were given explicitly
                for table in ("submission", "change_log"):
                    db.session.execute(db.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"))
                db.session.commit()
            started = time.perf_counter()
            rebuild_index()
            apply_changes()
            timings["indexed"] = time.perf_counter() - started
            published = latest_published()
            db.session.remove()
            db.engine.dispose()
    return published.id, published.code, places, timings


def seeded(env, folder):
    """A copy of a folder `seed` filled (SQLite only) in place of seeding: the same return
    values, without the timings (not measured here)."""
    shutil.copytree(folder, env["PORTAL_DATA_DIR"])
    flask(env, "db", "upgrade")  # a seed made by an older tree
    with environment(env):
        from portal import create_app
        from portal.extensions import db

        app = create_app()
        with app.app_context():
            places, published = area_names(), latest_published()
            db.session.remove()
            db.engine.dispose()
    return published.id, published.code, places, {}


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


def measure_portal(label, env, args, tmp, references):
    from aiosmtpd.controller import Controller

    receiver = Receiver(secret=WEBHOOK_SECRET).start()
    mail, smtp_port = MailClock(), free_port()
    smtp = Controller(mail, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = dict(env, PORTAL_SINK="webhook", PORTAL_WEBHOOK_URL=receiver.url,
               PORTAL_WEBHOOK_SECRET=WEBHOOK_SECRET, PORTAL_AUTO_ACCEPT="api",
               PORTAL_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}?starttls=no",
               PORTAL_NOTIFY_HOURLY_CAP=str(10 ** 6))
    if args.seed_dir:
        published_id, code, places, timings = seeded(env, args.seed_dir)
    else:
        published_id, code, places, timings = seed(env, args.n)
    flask(env, "portal", "worker", "--once")  # the relay's backlog from the seeded data
    worker_startup = statistics.median(worker_startup_seconds(env) for _ in range(3))
    server = Gunicorn(env, workers=args.workers, log=tmp / f"{label}.log")
    try:
        # One sign-in, as a moderator keeps a session: argon2id takes 64 MiB while it hashes,
        # which the peaks below would otherwise count once per probe. The peaks since start,
        # this sign-in included, are kept apart.
        moderator, moderator_cookie = moderator_session(server.url)
        since_start = server.peak_rss_mb()
        server.reset_peaks()
        targets = [
            ("home", "/?lang=en", ""),
            ("published page", f"/submissions/{published_id}?lang=en", ""),
            ("tracking page", f"/track/{code}?lang=en", ""),
            ("search: 2 terms + filter", "/search?q=" + urllib.parse.quote("路灯 垃圾")
             + "&area=riverside", ""),
            ("search: varied queries", "/search", LUA_SEARCH_VARIED % {
                "words": ", ".join(f'"{urllib.parse.quote(word)}"' for word in VARIED_WORDS),
                "areas": ", ".join(f'"{area}"' for area in VARIED_AREAS)}),
            ("stats page", "/stats?lang=en", ""),
            ("wall screen data", "/staff/wall.json?lang=en",
             LUA_SIGNED_IN_GET % {"cookie": moderator_cookie}),
            ("API POST", "/api/v1/submissions?lang=en", LUA_API_POST),
        ]
        session = form_session(server.url)
        targets.append(("form POST (CSRF)", "/submit?lang=en", LUA_FORM_POST % session))
        rows, probes = {}, []
        for name, path, script in targets:
            reference = references["write" if "POST" in name else "hello"]
            rows[name] = medians([beside(reference, server, path, args, script, tmp)
                                  for _ in range(args.runs)])
            if "POST" not in name:
                continue
            # The probe's own requests (a submission every 0.25 s, and its searches until
            # each is found) cost web CPU the POST load's requests would be charged with, so
            # its runs are extra ones, in a row of their own.
            samples = []
            for _ in range(args.runs):
                probe = Probe(server.url, receiver, places, mail, moderator)
                samples.append(beside(reference, server, path, args, script, tmp, during=probe))
                probes.append(probe)
            rows[f"{name} + probe"] = medians(samples)
        searchable = [v for probe in probes for v in probe.searchable.values()]
        delivered = [v for probe in probes for v in probe.delivered().values()]
        messaged = [v for probe in probes for v in probe.messaged().values()]
        accepted = sum(len(probe.accepted) for probe in probes)
        extra = {"startup": server.startup, "worker_startup": worker_startup,
                 "timings": timings, "disk": disk_used_mb(env),
                 "rss": server.peak_rss_mb(), "largest": dict(server.largest),
                 "since_start": since_start,
                 "probes": accepted,
                 "searchable": searchable, "delivered": delivered, "messaged": messaged,
                 "search_errors": [code for probe in probes for code in probe.errors]}
        return rows, extra
    finally:
        server.stop()
        receiver.stop()
        smtp.stop()


def disk_used_mb(env):
    """Megabytes on disk: the search index, uploads and (SQLite) the database in the data folder;
    on PostgreSQL the database's own size."""
    data = Path(env["PORTAL_DATA_DIR"])
    used = {"index": sum(f.stat().st_size for f in (data / "index").rglob("*") if f.is_file())}
    used["data folder"] = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
    url = env.get("PORTAL_DATABASE_URL", "")
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            used["database"] = conn.execute(text(
                "SELECT pg_database_size(current_database())")).scalar()
        engine.dispose()
    return {name: size / 2 ** 20 for name, size in used.items()}


def measured_wrk(server, path, args, script, tmp):
    """One wrk run, with the CPU the portal's processes spent per request during it."""
    before = server.cpu_seconds()
    result = wrk(server.url, path, args, script, tmp)
    after = server.cpu_seconds()
    for kind in ("web", "background", "database"):
        result[f"cpu_{kind}"] = 1000 * (after[kind] - before[kind]) / max(result["requests"], 1)
    return result


def settle(server, window=0.5, quiet=0.1, longest=30.0):
    """Wait (at most `longest` seconds) until the portal's processes spend less than `quiet` of
    a core over `window` seconds: the background worker catching up on a POST load's backlog
    would otherwise take CPU from the reference's run that follows, and flatter the share."""
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        before = sum(server.cpu_seconds().values())
        time.sleep(window)
        if sum(server.cpu_seconds().values()) - before < quiet * window:
            return


def beside(reference, server, path, args, script, tmp, during=None):
    """One wrk run of the portal right after one of its reference (hello world, or the minimal
    write app for a POST), with the rate as a share of that reference's: the machine's speed
    drifts over minutes, so a share between two runs seconds apart says more than one against
    a reference measured at the start. `during`: a context (the probe) around the portal's run
    only."""
    reference_server, reference_path, reference_script = reference
    settle(server)
    before = measured_wrk(reference_server, reference_path, args, reference_script, tmp)
    with during or contextlib.nullcontext():
        result = measured_wrk(server, path, args, script, tmp)
    result["share"] = result["rps"] / max(before["rps"], 1e-9)
    return result


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


def print_table(results, hello, args, writes):
    print()
    print(f"n={args.n} submissions, {args.workers} gunicorn workers, {args.connections} "
          f"connections, {args.duration} s x {args.runs} runs (medians); \"% next\": the "
          f"median share of the reference run just before each run (hello world; the minimal "
          f"write app for a POST); "
          f"hello world: {hello['rps']:.0f} req/s, p50 {hello['p50']:.1f} ms, "
          f"p99 {hello['p99']:.1f} ms, {hello['cpu_web']:.2f} ms CPU per request")
    header = f"{'setup':<9} {'endpoint':<25} {'req/s':>7} {'% hello':>7} {'% next':>7} " \
             f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'err':>4} {'CPU ms/req web+bg+db':>22}"
    print(header)
    print("-" * len(header))
    for setup, (rows, extra) in results.items():
        rows = dict(rows, **{"minimal write app": writes[setup]})
        for name, row in rows.items():
            next_share = f"{100 * row['share']:>6.1f}%" if "share" in row else f"{'':>7}"
            print(f"{setup:<9} {name:<25} {row['rps']:>7.1f} "
                  f"{100 * row['rps'] / hello['rps']:>6.1f}% {next_share} {row['p50']:>7.1f} "
                  f"{row['p95']:>7.1f} {row['p99']:>7.1f} {row['errors']:>4d} "
                  f"{row['cpu_web']:>9.2f}+{row['cpu_background']:.2f}+"
                  f"{row.get('cpu_database', 0.0):.2f}")
        for name in ("API POST", "form POST (CSRF)"):
            print(f"{setup:<9} {name}: {100 * rows[name]['share']:.1f} % of the minimal write "
                  f"app's rate in the run just before each of its runs "
                  f"({100 * rows[name]['rps'] / writes[setup]['rps']:.1f} % of the write app's "
                  f"median at the start)")
        searchable, delivered = extra["searchable"], extra["delivered"]
        print(f"{setup:<9} under the POST loads, {extra['probes']} probes: acceptance -> "
              f"searchable p50 {percentile(searchable, 0.5):.2f} s p95 "
              f"{percentile(searchable, 0.95):.2f} s ({len(searchable)} found); -> delivered "
              f"p50 {percentile(delivered, 0.5):.2f} s p95 {percentile(delivered, 0.95):.2f} s "
              f"({len(delivered)} delivered); failed searches: "
              f"{len(extra['search_errors'])} {sorted(set(extra['search_errors']))}")
        messaged = extra["messaged"]
        print(f"{setup:<9} under the POST loads: acceptance -> first message to the probe's "
              f"address p50 {percentile(messaged, 0.5):.2f} s p95 "
              f"{percentile(messaged, 0.95):.2f} s ({len(messaged)} told)")
        timings = extra["timings"]
        made = (f"{args.n} submissions generated in {timings['generated']:.0f} s, index built "
                f"in {timings['indexed']:.0f} s" if timings else f"a copy of {args.seed_dir}")
        print(f"{setup:<9} {made}; on disk at the end: " + ", ".join(
            f"{name} {size:,.0f} MB" for name, size in extra["disk"].items()))
        print(f"{setup:<9} start-up: gunicorn to /healthz {extra['startup']:.2f} s, background "
              f"worker to its first round {extra['worker_startup']:.2f} s")
        for kind in ("web", "background"):
            memory = extra["rss"][kind]
            # The background worker is still starting at the sign-in: its peak covers its life.
            before = (f" ({extra['since_start'][kind]['rss']:.0f} MB from its start through the "
                      f"moderator's sign-in)" if kind == "web" else "")
            print(f"{setup:<9} memory of a {kind} worker: peak RSS {memory['rss']:.0f} MB "
                  f"during the loads{before}; at the end PSS {memory['pss']:.0f} MB, private "
                  f"(USS) {memory['uss']:.0f} MB")
            largest = extra["largest"].get(kind)
            if largest:
                print(f"{setup:<9} {kind} worker at its largest sampled RSS "
                      f"({largest['rss']:.0f} MB): " + ", ".join(
                          f"{part} {largest[part]:.0f} MB"
                          for part in ("anonymous", "index files", "other files")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100000, help="synthetic submissions")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/"
                                            "portal_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--no-pg", action="store_true", help="only the embedded default")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--seed-dir", help="measure a copy of this seeded folder (a data folder "
                                           "this script's seeding filled; SQLite only)")
    args = parser.parse_args()
    if args.seed_dir:
        args.no_pg = True
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    hello = None
    try:
        hello_env = base_env(tmp / "hello", PORTAL_EMBEDDED_WORKER=0)
        hello = Gunicorn(hello_env, app="bench.hello_app:app", workers=args.workers)
        hello_row = medians([measured_wrk(hello, "/", args, "", tmp) for _ in range(args.runs)])
        setups = {"sqlite": (base_env(tmp / "write", PORTAL_EMBEDDED_WORKER=0),
                             base_env(tmp / "sqlite"))}
        if not args.no_pg:
            from sqlalchemy.engine import make_url

            write_url = make_url(args.pg_url).set(database=WRITE_DATABASE).render_as_string(
                hide_password=False)
            setups["postgres"] = (
                base_env(tmp / "write-pg", PORTAL_EMBEDDED_WORKER=0,
                         BENCH_WRITE_DATABASE_URL=write_url),
                base_env(tmp / "pg", args.pg_url, PORTAL_REDIS_URL=args.redis_url))
        if args.no_sqlite:
            del setups["sqlite"]
        results, writes = {}, {}
        for setup, (write_env, portal_env) in setups.items():
            if setup == "postgres":
                reset_postgres(write_env["BENCH_WRITE_DATABASE_URL"])
                reset_postgres(args.pg_url)
            # The minimal write app stays up beside the portal: each POST run is preceded by
            # one of its runs, as each other run is by one of hello world's.
            write = Gunicorn(write_env, app="bench.write_app:app", workers=args.workers)
            try:
                writes[setup] = medians([measured_wrk(write, "/write", args, LUA_WRITE_POST, tmp)
                                         for _ in range(args.runs)])
                references = {"hello": (hello, "/", ""),
                              "write": (write, "/write", LUA_WRITE_POST)}
                results[setup] = measure_portal(setup, portal_env, args, tmp, references)
            finally:
                write.stop()
        print_table(results, hello_row, args, writes)
    finally:
        if hello is not None:
            hello.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
