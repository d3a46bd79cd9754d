"""Gunicorn settings. Bind from PORT (default 8000); the embedded worker starts alongside."""
import os
import signal
import subprocess
import sys

bind = f"{os.environ.get('PORTAL_BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("PORTAL_WEB_WORKERS", "2"))
# Load the app (and its dictionaries) once in the master so forked workers share the memory.
preload_app = True
timeout = 30
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

_worker_process = None


def _embedded_worker_enabled() -> bool:
    return os.environ.get("PORTAL_EMBEDDED_WORKER", "1").strip().lower() not in {"0", "false", "no",
                                                                                 "off"}


def when_ready(server):
    """Start `flask portal worker` beside the web workers unless PORTAL_EMBEDDED_WORKER=0."""
    global _worker_process
    if _embedded_worker_enabled():
        _worker_process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "worker"])
        server.log.info("embedded worker started (pid %s)", _worker_process.pid)


def post_fork(server, worker):
    """Open and warm this web worker's search index before its first search needs it."""
    app = worker.app.wsgi()
    if "PORTAL_INDEX_DIR" not in getattr(app, "config", {}):
        return  # not the portal (bench/hello_app.py runs under these settings too)
    from portal.search.searchers import open_in_background

    open_in_background(app)


def on_exit(server):
    """Stop the embedded worker with the server."""
    if _worker_process and _worker_process.poll() is None:
        _worker_process.send_signal(signal.SIGTERM)
        try:
            _worker_process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _worker_process.kill()
