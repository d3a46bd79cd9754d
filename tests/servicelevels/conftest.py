"""Fixtures for service levels: fast relay settings and status changes at a given moment
(accepting, the receiver and sign-in: tests/conftest.py)."""
import pytest

from portal.core.time import as_utc
from portal.extensions import db
from portal.servicelevels.deadlines import consume_changes
from portal.submissions.services import change_status
from tests.forwarding.helpers import FAST_RELAY


@pytest.fixture
def app_config():
    return dict(FAST_RELAY)


@pytest.fixture
def move(app):
    """Change a submission's status as if it happened at `moment` (a frozen clock)."""
    def do(submission, status, moment, actor="user:dora"):
        change_status(submission, status, actor=actor)
        event = submission.events[-1]  # the entry just written
        event.created_at = as_utc(moment)  # the column keeps UTC (naive on SQLite)
        db.session.commit()
        consume_changes()
        db.session.commit()
        return event
    return do
