"""`flask portal worker`: runs the background tasks features register (indexer, relay).

A feature registers a task with `register_worker_task(app, name, fn)`; `fn()` does one batch of
due work, commits its own transaction, and returns how many items it handled.
"""
import time

import click
from flask.cli import with_appcontext
from flask import current_app

from portal.extensions import db


def register_worker_task(app, name: str, task) -> None:
    """Add a task the worker calls in each round."""
    app.extensions.setdefault("portal_worker_tasks", {})[name] = task


def run_round() -> int:
    """Run every registered task once; returns the number of items handled."""
    handled = 0
    for name, task in current_app.extensions.get("portal_worker_tasks", {}).items():
        try:
            handled += task() or 0
        except Exception:  # one failing task must not stop the others; it is retried next round
            db.session.rollback()
            current_app.logger.exception("worker task %s failed", name)
    return handled


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Drain what is due now, then exit.")
@click.option("--interval", default=0.2, show_default=True, help="Seconds between idle polls.")
def worker_command(once, interval):
    """Run the background worker (search indexer and forwarding relay)."""
    while True:
        handled = run_round()
        db.session.remove()
        if once and handled == 0:
            break
        if handled == 0:
            time.sleep(interval)
