"""Real gunicorn servers (and `flask portal worker` processes) on loopback for load and fault tests.

Each server is set up as an operator would: `flask db upgrade`, `flask portal seed`, then
`gunicorn -c gunicorn.conf.py wsgi:app` on a free port. The database is a file SQLite database
in the test's directory, or the suite's PostgreSQL database when PORTAL_TEST_DATABASE_URL is set.
An in-process app on the same database (`Deployment.app()`) reads what the servers stored.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal import create_app
from portal.config import ROOT_DIR
from tests.helpers import PG_URL, postgres_url_or_skip, reset_postgres_schema
from tests.scale.helpers import http

START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Deployment:
    """One database and data directory shared by the servers and workers a test starts."""

    def __init__(self, root: Path, database_url: str = ""):
        self.root = root
        self.database_url = database_url
        self.processes = []

    def env(self, name="a", **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env.update({"PORTAL_DATA_DIR": str(self.root / "data"),
                    "PORTAL_INDEX_DIR": str(self.root / f"index-{name}"),
                    "PORTAL_SECRET_KEY": "scale-tests-secret", "PORTAL_EMBEDDED_WORKER": "0",
                    "PORTAL_RATE_LIMITS": "off", "PYTHONPATH": str(ROOT_DIR)})
        if self.database_url:
            env["PORTAL_DATABASE_URL"] = self.database_url
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def log(self, name) -> Path:
        return self.root / f"{name}.log"

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")
                         for path in sorted(self.root.glob("*.log")))

    def flask(self, *args):
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                                cwd=ROOT_DIR, env=self.env(), capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        return result.stdout

    def prepare(self):
        self.flask("db", "upgrade")
        self.flask("portal", "seed")

    def _spawn(self, args, name, env):
        with open(self.log(name), "ab") as out:
            process = subprocess.Popen(args, cwd=ROOT_DIR, env=env, stdout=out,
                                       stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def server(self, name="a", workers=4, **extra):
        """Start gunicorn and wait until /healthz answers."""
        port = free_port()
        env = self.env(name, PORT=port, PORTAL_WEB_WORKERS=workers, **extra)
        process = self._spawn([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "wsgi:app"], name, env)
        server = Server(process, f"http://127.0.0.1:{port}", self.log(name))
        server.wait_ready()
        return server

    def worker(self, name="worker", index="a", only="", **extra):
        """Start `flask portal worker` (all tasks, or `only` these)."""
        args = [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "worker",
                "--interval", "0.05"]
        if only:
            args += ["--only", only]
        return self._spawn(args, name, self.env(index, **extra))

    def app(self, name="a", **config):
        """An in-process app on the same database, data and index directory as server `name`."""
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env(name))
        try:
            return create_app({"TESTING": True, **config})
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def stop_all(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


class Server:
    def __init__(self, process, url, log):
        self.process, self.url, self.log = process, url, log

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if http("GET", self.url + "/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("gunicorn did not answer /healthz: "
                             + self.log.read_text(errors="replace")[-3000:])

    def worker_pids(self) -> list:
        """The gunicorn worker processes (children of the master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


@pytest.fixture
def deployment(tmp_path):
    """A prepared (migrated, seeded) database with nothing running yet; stopped at the end."""
    url = ""
    if PG_URL:
        url = postgres_url_or_skip(PG_URL)
        reset_postgres_schema(url)
    deployment = Deployment(tmp_path, url)
    deployment.prepare()
    yield deployment
    deployment.stop_all()


@pytest.fixture
def pg_deployment(tmp_path):
    """Like `deployment`, but always on PostgreSQL (skipped without one; failed in CI)."""
    url = postgres_url_or_skip(PG_URL or None)
    reset_postgres_schema(url)
    deployment = Deployment(tmp_path, url)
    deployment.prepare()
    yield deployment
    deployment.stop_all()
