"""Two portal hosts on one PostgreSQL database, each with its own search index directory.

Host A runs the embedded worker (indexer and relay); host B serves with PORTAL_EMBEDDED_WORKER=0
and a separate `flask portal worker --only search-indexer` feeding its own replica. A
submission sent to A and published through B is found by a search on both.
"""
import time

from tests.scale.helpers import http
from tests.scale.test_faults import staff_token

WORD = "kingfisher"
TITLE = f"A {WORD} perch by the ferry"


def index_caught_up(server) -> bool:
    _status, report = http("GET", server.url + "/readyz")
    search = report.get("checks", report).get("search", {}) if isinstance(report, dict) else {}
    return search.get("ready") is True and search.get("behind") == 0


def test_each_host_finds_what_the_other_accepted(pg_deployment):
    a = pg_deployment.server("a", workers=1, PORTAL_EMBEDDED_WORKER=1)
    b = pg_deployment.server("b", workers=1)
    pg_deployment.worker("worker-b", index="b", only="search-indexer")
    token = staff_token(pg_deployment.app("b"))

    status, created = http("POST", a.url + "/api/v1/submissions?lang=en", {
        "kind": "idea", "category": "street-lighting", "area": "riverside",
        "title": TITLE, "body": f"Old piles where a {WORD} could rest."})
    assert status == 201, created
    code = created["code"]
    for action in ("accept", "publish"):
        status, answer = http(
            "POST", f"{b.url}/api/v1/staff/submissions/{code}/decision?lang=en",
            {"action": action, "public_title": TITLE,
             "public_body": f"Old piles where a {WORD} could rest."},
            headers={"Authorization": f"Bearer {token}"})
        assert status == 200, answer

    deadline = time.monotonic() + 30
    while not (index_caught_up(a) and index_caught_up(b)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for server in (a, b):
        assert index_caught_up(server), http("GET", server.url + "/readyz")
        status, page = http("GET", f"{server.url}/search?q={WORD}+ferry&area=riverside&lang=en")
        assert status == 200 and WORD in page and "perch" in page, server.url
        status, found = http("GET", f"{server.url}/api/v1/search?q={WORD}&lang=en")
        assert [r["title"] for r in found["results"]] == [TITLE], found
    # Two replicas, built independently, each by its own host's indexer.
    roots = [pg_deployment.root / "index-a", pg_deployment.root / "index-b"]
    assert all(any(root.glob("gen-*")) for root in roots), roots
