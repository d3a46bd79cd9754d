"""The public map's data endpoint at scale, in process: median latency of
/api/v1/submissions.geojson over N published submissions with points (a bounded view and a
filtered one), beside a hello-world Flask view in the same process for scale.

Run: .venv/bin/python bench/map_geojson.py [N] [REQUESTS]   (default 100000 rows, 50 requests;
prints medians; never part of the tests). Rows are inserted in bulk, not through the form.
"""
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["PORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="portal-bench-")
os.environ.pop("PORTAL_DATABASE_URL", None)

from flask import Flask

from portal import create_app
from portal.extensions import db
from portal.stations.models import Area, Category
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.models import Submission


def median_ms(get, path, n):
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        response = get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings)


def fill(app, rows):
    rng = random.Random(7)
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        areas = db.session.execute(db.select(Area.id)).scalars().all()
        categories = db.session.execute(
            db.select(Category.id).where(Category.parent_id.is_not(None))).scalars().all()
        now = datetime.now(UTC)
        batch = []
        for i in range(rows):
            batch.append({
                "code": f"B{i:09d}", "kind": "issue" if i % 3 else "idea", "channel": "api",
                "language": "zh", "status": "accepted", "category_id": rng.choice(categories),
                "area_id": rng.choice(areas), "title": f"Case {i}", "body": f"Case {i} body.",
                "public_title": f"Case {i}", "public_body": f"Case {i} body.",
                "place": "", "published": True, "published_at": now,
                "latitude": 31.25 + rng.random() * 0.09, "longitude": 121.49 + rng.random() * 0.07,
                "screening_score": 0.0, "screening_reasons": [], "support_count": 0,
                "created_at": now, "updated_at": now})
            if len(batch) == 5000:
                db.session.execute(db.insert(Submission), batch)
                batch = []
        if batch:
            db.session.execute(db.insert(Submission), batch)
        db.session.commit()


def main(rows=100_000, n=50):
    app = create_app({"PORTAL_RATE_LIMITS": "off", "PORTAL_PAGE_CACHE": False})
    start = time.perf_counter()
    fill(app, rows)
    print(f"{rows} published submissions inserted in {time.perf_counter() - start:.1f} s")
    hello = Flask("hello")
    hello.get("/")(lambda: "Hello, world!")
    base = median_ms(hello.test_client().get, "/", n)
    client = app.test_client()
    print(f"hello world (in process): {base:.2f} ms")
    for label, path in [
        ("bounded view (~1 km², limit 500)",
         "/api/v1/submissions.geojson?bbox=121.51,31.29,121.52,31.30"),
        ("whole district, limit 500", "/api/v1/submissions.geojson"),
        ("filtered: ideas in one area", "/api/v1/submissions.geojson?kind=idea&area=wujiaochang"),
    ]:
        ms = median_ms(client.get, path, n)
        print(f"{label:<36} {ms:8.2f} ms  ({base / ms * 100:5.1f}% of hello world's rate)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
