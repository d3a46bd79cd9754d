"""Several relays at once on PostgreSQL: FOR UPDATE SKIP LOCKED hands each row to one relay."""
import threading
import time

import pytest

from portal.extensions import db
from portal.forwarding import relay
from tests.helpers import PG_URL


@pytest.mark.postgres
def test_two_relays_claim_disjoint_rows_without_waiting(app, make_submission, accept):
    if not PG_URL:
        pytest.skip("runs in the PostgreSQL pass (make test-postgres); SQLite serialises relays "
                    "with BEGIN IMMEDIATE instead")
    with app.app_context():
        for _ in range(6):
            accept(make_submission())
        relay.consume_changes()
        db.session.commit()
    first_claimed, release_first, results = threading.Event(), threading.Event(), {}

    def first_relay():
        with app.app_context():
            results["first"] = relay.claim("relay-a", 4, lease_seconds=60)
            first_claimed.set()
            release_first.wait(10)  # keep the row locks, uncommitted, while relay-b claims
            db.session.commit()

    thread = threading.Thread(target=first_relay)
    thread.start()
    assert first_claimed.wait(10)
    started = time.monotonic()
    with app.app_context():
        results["second"] = relay.claim("relay-b", 4, lease_seconds=60)
        db.session.commit()
    waited = time.monotonic() - started
    release_first.set()
    thread.join(10)
    first = {i.id for i in results["first"]}
    second = {i.id for i in results["second"]}
    assert len(first) == 4 and len(second) == 2 and not first & second
    assert waited < 5, "relay-b waited for relay-a's locks instead of skipping them"
