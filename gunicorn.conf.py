"""Gunicorn settings. Bind from PORT (default 8000); the embedded worker starts alongside."""
import gc
import importlib
import os
import signal
import subprocess
import sys

bind = f"{os.environ.get('PORTAL_BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("PORTAL_WEB_WORKERS", "2"))
# Load the app (and its dictionaries) once in the master so forked workers share the memory.
preload_app = True
# Shared only while untouched: a garbage collection writes into every object it visits, which
# copies the page holding it into the worker. The master collects nothing while it loads (no
# freed holes among the shared objects); before each fork its objects are frozen, out of the
# collector's reach, and each worker collects its own objects as usual.
gc.disable()
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


def pre_fork(server, worker):
    """Load the libraries only the web uses, compile the templates and load every locale's
    data, then freeze the master's objects, so that every worker shares them and its
    collections leave their pages shared."""
    app = worker.app.wsgi()
    if "PORTAL_INDEX_DIR" in getattr(app, "config", {}):  # the portal
        from portal import WEB_ONLY_LIBRARIES
        from portal.core.i18n import load_locale_data
        from portal.core.templating import compile_templates

        for name in WEB_ONLY_LIBRARIES:
            importlib.import_module(name)
        compile_templates(app)
        load_locale_data()
    gc.freeze()


def post_fork(server, worker):
    """Collect garbage again in the worker; open and warm its search index before its first
    search needs it."""
    gc.enable()
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
