"""The one transaction boundary: every request, command and worker round is one unit of work.

Services add and flush; they never commit. A view's request commits once, when the view returns,
and rolls back on any exception (domain errors included, which error handlers then turn into
responses), so an error can never leave half of a change stored. Commands and worker rounds
use the same `unit_of_work()` block.
"""
from contextlib import contextmanager

from flask import current_app, has_request_context, request

from portal.extensions import db


@contextmanager
def unit_of_work():
    """Commit when the block ends normally; roll back and re-raise on any exception."""
    try:
        yield db.session
    except BaseException:
        db.session.rollback()
        raise
    # A block that neither read nor wrote (a kept page served from memory) has nothing to
    # commit: committing would begin and end an empty transaction on every such request.
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        session.commit()


def init_unit_of_work(app) -> None:
    """Run every view of `app` inside one unit of work."""
    dispatch = app.dispatch_request

    def dispatch_in_unit_of_work():
        with unit_of_work():
            return dispatch()

    app.dispatch_request = dispatch_in_unit_of_work


def writes(view):
    """Mark a GET view that writes (an audited download): its transaction takes SQLite's write
    lock from the start instead of failing to upgrade a read transaction later."""
    view.portal_writes = True
    return view


def request_writes() -> bool:
    """Whether the current request may write: any unsafe method, or a view marked `writes`."""
    if not has_request_context():
        return False
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "portal_writes", False)
