"""Median latency of the API's main calls, in process (Flask test client, SQLite in a temp dir).

Run: .venv/bin/python bench/api_requests.py [N]   (prints medians; never part of the tests)
"""
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["PORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="portal-bench-")
os.environ.pop("PORTAL_DATABASE_URL", None)

from portal import create_app
from portal.api.services import issue_api_key
from portal.extensions import db
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.services import find_by_code, set_publication


def median_ms(fn, n):
    timings = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main(n=200):
    app = create_app({"PORTAL_RATE_LIMITS": "off"})
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        _key, secret = issue_api_key("bench")
        db.session.commit()
    client = app.test_client()
    codes = []

    def post_json(i):
        response = client.post("/api/v1/submissions", json={
            "kind": "issue", "category": "street-lighting", "area": "riverside",
            "title": f"Lamp {i} out", "body": f"The lamp number {i} by the river is dark."})
        codes.append(response.get_json()["code"])

    def post_open311(i):
        client.post("/open311/v2/requests.json", data={
            "api_key": secret, "service_code": "litter", "lat": "31.25", "long": "121.51",
            "description": f"Bins {i} overflow near the pier.", "attribute[area]": "riverside"})

    results = {"POST /api/v1/submissions": median_ms(post_json, n),
               "POST /open311/v2/requests.json": median_ms(post_open311, n)}
    with app.app_context():
        for code in codes:
            submission = find_by_code(code)
            set_publication(submission, True, actor="bench", public_title=submission.title,
                            public_body=submission.body)
        db.session.commit()
    results["GET /api/v1/submissions/{code}"] = median_ms(
        lambda i: client.get(f"/api/v1/submissions/{codes[i % len(codes)]}"), n)
    results["GET /api/v1/search?q=lamp"] = median_ms(
        lambda i: client.get("/api/v1/search?q=lamp"), n)
    results[f"GET /open311/v2/requests.xml ({n} published)"] = median_ms(
        lambda i: client.get("/open311/v2/requests.xml"), max(n // 10, 5))
    for name, value in results.items():
        print(f"{name:48s} median {value:7.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
