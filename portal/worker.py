"""`flask portal worker`: runs the background tasks features register (indexer, relay).

A feature registers a task with `register_worker_task(app, name, fn)`; `fn()` does one batch of
due work inside a unit of work (committing between its own steps where it must, before any
I/O) and returns how many items it handled. `--only NAME,...`
runs a subset: a scaled deployment runs the search indexer on every host (each feeds its own
index) and the forwarding relay only where it wants it (docs/deployment.md).
"""
import threading
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core.memory import limit_malloc_arenas
from portal.core.unit_of_work import unit_of_work
from portal.extensions import db

# The pause after a queue's round that handled less than a full batch (see `full_round`): a
# delivery or message waits at most this much longer.
GATHER_SECONDS = 0.1


def register_worker_task(app, name: str, task, *, pause_when_busy: bool = True,
                         idle_seconds: float = 0, busy_seconds: float = 0,
                         full_round=None, runs_with: str = "") -> None:
    """Add a task the worker calls in each round.

    `pause_when_busy=False`: after a round that handled something the next starts at once
    (a queue whose items each wait for their turn); otherwise every round is followed by the
    interval (work that costs less in batches, like an index commit). `idle_seconds`: the
    pause after a round that found nothing, when longer than the interval (work that falls due
    by the calendar, which polling five times a second would only make cost more).
    `busy_seconds`: the pause after a round that handled something, when longer than the
    interval (work nobody waits for to the second, whose rounds cost about the same for one
    change as for many: figures recounted over a day's reports).
    `full_round` (with `pause_when_busy=False`): a callable giving the queue's batch size (read
    in the app context); after a round that handled fewer items the worker waits GATHER_SECONDS
    so that the next round takes several: a queue fed a few items at a time would otherwise pay
    its round's fixed statements and commits (and an SMTP session) per one or two. A full round
    goes on at once, so a backlog drains at full speed.
    `runs_with`: another task's name; `--only` selecting that task selects this one too (the
    index's merger works on the index its indexer feeds, wherever that is).
    """
    app.extensions.setdefault("portal_worker_tasks", {})[name] = task
    if runs_with:
        app.extensions.setdefault("portal_worker_companions", {})[name] = runs_with
    if not pause_when_busy:
        app.extensions.setdefault("portal_worker_eager", set()).add(name)
    if idle_seconds:
        app.extensions.setdefault("portal_worker_idle_seconds", {})[name] = idle_seconds
    if busy_seconds:
        app.extensions.setdefault("portal_worker_busy_seconds", {})[name] = busy_seconds
    if full_round is not None:
        app.extensions.setdefault("portal_worker_full_round", {})[name] = full_round


def worker_tasks() -> dict:
    """The registered tasks by name, in registration order."""
    return current_app.extensions.get("portal_worker_tasks", {})


def drain(only=None) -> int:
    """Do everything due now (`--once`); returns items handled.

    Each registered task (or those named in `only`) runs until it finds nothing, in
    registration order, and passes repeat until one finds nothing. A task that found nothing is
    not asked again while another drains a long queue (after a bulk import the deadline task
    makes deadlines 200 a round, and the follow-up check reads every resolved case); the next
    pass asks it again, after what the others did."""
    handled = 0
    while True:
        passed = 0
        for name, task in worker_tasks().items():
            if only is not None and name not in only:
                continue
            while True:
                count = _run_task(name, task)
                db.session.remove()
                if not count:
                    break
                passed += count
        if not passed:
            return handled
        handled += passed


def _run_task(name, task) -> int:
    """One round of one task, as a unit of work (a task may also commit between its steps,
    before any I/O); a failure is logged and the round's work retried next time."""
    try:
        with unit_of_work():
            return task() or 0
    except Exception:  # one failing task must not stop the others
        current_app.logger.exception("worker task %s failed", name)
        return 0


def _task_loop(app, name, task, interval) -> None:
    """Run one task for ever in its own thread, with its own application context and session."""
    with app.app_context():
        eager = name in app.extensions.get("portal_worker_eager", ())
        idle_pause = max(interval, app.extensions.get("portal_worker_idle_seconds", {})
                         .get(name, 0))
        busy_pause = max(interval, app.extensions.get("portal_worker_busy_seconds", {})
                         .get(name, 0))
        full_round = app.extensions.get("portal_worker_full_round", {}).get(name)
        while True:
            handled = _run_task(name, task)
            db.session.remove()
            if handled and eager:
                if full_round is not None and handled < full_round():
                    time.sleep(GATHER_SECONDS)  # a few items: let the next round take a batch
                continue
            # Pause after busy rounds too: under load each round then takes a batch instead of
            # one change, and a batch costs little more than one (an index commit has a fixed cost
            # that dwarfs each document's share).
            time.sleep(busy_pause if handled else idle_pause)


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
        companions = current_app.extensions.get("portal_worker_companions", {})
        selected |= {name for name, leader in companions.items() if leader in selected}
    if once:
        drain(selected)
        return
    # Each task in a thread of its own: a delivery never waits behind an index commit (which takes
    # long for a large batch in a large index), and the index never waits for a slow platform.
    limit_malloc_arenas()
    app = current_app._get_current_object()
    threads = [threading.Thread(target=_task_loop, args=(app, name, task, interval),
                                name=f"worker-{name}", daemon=True)
               for name, task in worker_tasks().items()
               if selected is None or name in selected]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
