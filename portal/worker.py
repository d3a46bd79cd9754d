"""`flask portal worker`: runs the background tasks features register (indexer, relay).

A feature registers a task with `register_worker_task(app, name, fn)`; `fn()` does one batch of
due work, commits its own transaction, and returns how many items it handled. `--only NAME,...`
runs a subset: a scaled deployment runs the search indexer on every host (each feeds its own
index) and the forwarding relay only where it wants it (docs/deployment.md).
"""
import time

import click
from flask.cli import with_appcontext
from flask import current_app

from portal.extensions import db


def register_worker_task(app, name: str, task) -> None:
    """Add a task the worker calls in each round."""
    app.extensions.setdefault("portal_worker_tasks", {})[name] = task


def worker_tasks() -> dict:
    """The registered tasks by name, in registration order."""
    return current_app.extensions.get("portal_worker_tasks", {})


def run_round(only=None) -> int:
    """Run every registered task (or those named in `only`) once; returns items handled."""
    handled = 0
    for name, task in worker_tasks().items():
        if only is not None and name not in only:
            continue
        try:
            handled += task() or 0
        except Exception:  # one failing task must not stop the others; it is retried next round
            db.session.rollback()
            current_app.logger.exception("worker task %s failed", name)
    return handled


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Drain what is due now, then exit.")
@click.option("--interval", default=0.2, show_default=True, help="Seconds between rounds.")
@click.option("--only", "only", default="", metavar="NAME[,NAME]",
              help="Run only these tasks (e.g. search-indexer, forwarding-relay); default all.")
def worker_command(once, interval, only):
    """Run the background worker (search indexer and forwarding relay)."""
    selected = None
    if only.strip():
        selected = {name.strip() for name in only.split(",") if name.strip()}
        unknown = sorted(selected - set(worker_tasks()))
        if unknown or not selected:
            raise click.BadParameter(
                f"unknown task {', '.join(unknown) or '(none named)'}; choose from "
                f"{', '.join(worker_tasks())}", param_hint="--only")
    while True:
        handled = run_round(selected)
        db.session.remove()
        if once:
            if handled == 0:
                break
            continue
        # Pause after busy rounds too: under load each round then takes a batch instead of one
        # change, and a batch costs little more than one (an index commit is a fixed 8 ms of CPU
        # at 10,000 submissions, about 1 ms per document added in a batch of 100; bench/).
        time.sleep(interval)
