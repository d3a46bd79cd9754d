"""Schema-driven fuzzing of the JSON API (schemathesis, bounded): no 5xx, no conformance failure.

schemathesis's own runner goes over the whole OpenAPI document, as an outside tester runs it,
with a staff token and an API key, every check and every phase; a bounded, seeded number of
examples keeps the run short. Valid data must be accepted and invalid data refused, so the
schema states every rule the API enforces.
"""
import os
import subprocess
import sys
import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from werkzeug.serving import WSGIRequestHandler, make_server

from portal.config import ROOT_DIR
from portal.extensions import db
from portal.submissions.models import Submission

EXAMPLES, SEED = 15, 20261201  # bounded and seeded: the same cases on every run


@pytest.fixture
def app_config():
    """A platform secret, so the events endpoint checks signatures (401) instead of saying it is
    not configured (503, a server-side condition the fuzzer would count as an error)."""
    return {"PORTAL_PLATFORM_SECRET": "fuzz-secret"}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # a thousand requests: the report says enough
        pass


def serve(app):
    """The app on a loopback port in a thread (schemathesis's runner speaks HTTP)."""
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def test_the_whole_document_holds_under_every_check(app, staff_token, api_key, index_now,
                                                    tmp_path):
    """schemathesis over every operation with a staff token and an API key, every check it
    has (server errors, status codes, content types, response schemas and headers, valid data
    accepted, invalid data rejected, 405 with Allow, missing headers), all phases, seeded and
    bounded: no failure at all."""
    token = staff_token("moderator")
    index_now()  # search answers 503 (retry later) until an index exists
    server, thread = serve(app)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run",
             f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json",
             "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", str(SEED),
             "--generation-deterministic", "--workers", "1", "--no-color",
             "-H", f"Authorization: Bearer {token}", "-H", f"X-API-Key: {api_key}"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,  # its cache stays there
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
                 "PYTHONPATH": str(ROOT_DIR)})
    finally:
        server.shutdown()
        thread.join()
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert " 0 failures" in report or "No issues found" in report or "passed" in report, report


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_rejected_submissions_store_nothing(app, mode):
    """Whatever the fuzzer sends to POST /submissions, a 4xx leaves no row behind."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/submissions"]["POST"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES * 2, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        with app.app_context():
            before = db.session.query(Submission).count()
        response = case.call()
        with app.app_context():
            after = db.session.query(Submission).count()
            db.session.remove()
        assert response.status_code < 500
        if response.status_code >= 400:
            assert after == before
        elif "true" not in str(response.headers.get("idempotent-replayed")
                               or response.headers.get("Idempotent-Replayed")):
            assert after == before + 1

    run()
