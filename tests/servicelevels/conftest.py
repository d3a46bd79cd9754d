"""Fixtures for service levels: forwarding's (accept, relay, receiver, sign-in) and clock helpers."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.core.time import as_utc
from portal.extensions import db
from portal.servicelevels.deadlines import consume_changes
from portal.submissions.models import StatusEvent
from portal.submissions.services import change_status
from tests.forwarding.conftest import (  # noqa: F401  (fixtures shared with forwarding)
    FAST_RELAY,
    accept,
    drain,
    incident_schema,
    login,
    receiver,
    use_webhook,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    """A moment in Shanghai time (what the calendar rules are written in)."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def app_config():
    return dict(FAST_RELAY)


@pytest.fixture
def move(app):
    """Change a submission's status as if it happened at `moment` (a frozen clock)."""
    def do(submission, status, moment, actor="user:dora"):
        event = change_status(submission, status, actor=actor)
        event.created_at = as_utc(moment)  # the column keeps UTC (naive on SQLite)
        db.session.commit()
        consume_changes()
        db.session.commit()
        return event
    return do


def events_of(submission, kind=None):
    query = db.select(StatusEvent).filter_by(submission_id=submission.id)
    if kind:
        query = query.filter_by(kind=kind)
    return db.session.execute(query.order_by(StatusEvent.id)).scalars().all()
