"""An idea with 200 comments and 5,000 supports, in process: the idea page (from the page
cache, and rendered for a supporter, whose pages are never shared), a published submission's
page for comparison, and the support POST, each as a share of a hello-world Flask app's rate
measured in the same run (bench/hello_app.py, the ceiling run_all.py uses).

Run: .venv/bin/python bench/ideas_bench.py [--duration 2] [--runs 3] [--comments 200]
     [--supports 5000]
Each figure is measured for `--duration` seconds, `--runs` times; medians are printed. SQLite in
a temporary directory, rate limits off, CSRF off (the forms' tokens are not what is measured),
the per-address support cap raised so one test client address can support many times. Never
part of the tests. Comments and supports are inserted in bulk, not through the forms.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["PORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="portal-bench-ideas-")
os.environ.pop("PORTAL_DATABASE_URL", None)

from bench.hello_app import app as hello_app
from portal import create_app
from portal.extensions import db
from portal.participation.models import Comment
from portal.stations.services import load_reference_file, seed_reference_data
from portal.submissions.models import Submission, Support
from portal.submissions.services import create_submission, set_publication


def build(app, comments: int, supports: int) -> tuple[int, int]:
    """(idea id, published issue id): the idea with its comments and supports."""
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        idea = create_submission(kind="idea", category_code="greenery", area_code="riverside",
                                 title="在滨江步道多种些树",
                                 body="夏天步道太晒，希望每隔二十米种一棵树。").submission
        issue = create_submission(kind="issue", category_code="street-lighting",
                                  area_code="riverside", title="路灯不亮",
                                  body="杨树浦路 100 号门口的路灯坏了一周。").submission
        for row in (idea, issue):
            set_publication(row, True, actor="bench", public_title=row.title,
                            public_body=row.body)
        db.session.flush()
        start = datetime.now(UTC) - timedelta(days=30)
        db.session.execute(db.insert(Support), [
            {"submission_id": idea.id, "channel": "web", "visitor_key": f"web:bench-{i}",
             "address_hash": f"{i % 997:032x}", "created_at": start + timedelta(seconds=i)}
            for i in range(supports)])
        idea.support_count = supports
        top = max(1, comments * 3 // 4)  # a quarter of them are replies
        rows = [Comment(submission_id=idea.id, body=f"第 {i} 条意见：树荫很重要，建议选本地树种。",
                        display_name=f"居民{i}", show_name=i % 5 == 0, status="published",
                        official=i % 40 == 0, created_at=start + timedelta(minutes=i),
                        published_at=start + timedelta(minutes=i))
                for i in range(comments)]
        db.session.add_all(rows[:top])
        db.session.flush()
        for i, reply in enumerate(rows[top:]):
            reply.parent_id = rows[i % top].id
        db.session.add_all(rows[top:])
        db.session.commit()
        return idea.id, issue.id


def measure(call, duration: float) -> tuple[float, float]:
    """(median ms, requests per second) of `call` repeated for `duration` seconds."""
    timings = []
    end = time.perf_counter() + duration
    while time.perf_counter() < end:
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000, len(timings) / sum(timings)


def expect(response, status):
    assert response.status_code == status, (response.status_code, response.request.path)
    return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--supports", type=int, default=5000)
    args = parser.parse_args()
    app = create_app({"PORTAL_RATE_LIMITS": "off", "WTF_CSRF_ENABLED": False,
                      "PORTAL_SUPPORTS_PER_ADDRESS": 10**9})
    started = time.perf_counter()
    idea_id, issue_id = build(app, args.comments, args.supports)
    print(f"idea with {args.comments} comments and {args.supports} supports built in "
          f"{time.perf_counter() - started:.1f} s")

    hello = hello_app.test_client()
    visitor = app.test_client()  # anonymous: shared pages from the page cache
    supporter = app.test_client()  # has supported: the page is rendered for them
    expect(supporter.post(f"/ideas/{idea_id}/support"), 303)
    page = expect(supporter.get(f"/ideas/{idea_id}"), 200).get_data(as_text=True)
    assert f"第 {args.comments - 1} 条意见" in page, "the page does not show every comment"
    repeat = app.test_client()
    expect(repeat.post(f"/ideas/{idea_id}/support"), 303)
    loads = [
        ("hello world", lambda: expect(hello.get("/"), 200)),
        ("published submission's page (cached)",
         lambda: expect(visitor.get(f"/submissions/{issue_id}"), 200)),
        ("idea page (cached)", lambda: expect(visitor.get(f"/ideas/{idea_id}"), 200)),
        ("idea page rendered (a supporter's own)",
         lambda: expect(supporter.get(f"/ideas/{idea_id}"), 200)),
        ("support POST, a new supporter each",
         lambda: expect(app.test_client().post(f"/ideas/{idea_id}/support"), 303)),
        ("support POST, already counted",
         lambda: expect(repeat.post(f"/ideas/{idea_id}/support"), 303)),
    ]
    results = {label: [] for label, _call in loads}
    for _run in range(args.runs):
        for label, call in loads:
            call()  # warm: the first view after a change fills the page cache
            results[label].append(measure(call, args.duration))
    base_ms = statistics.median(ms for ms, _rate in results["hello world"])
    base_rate = statistics.median(rate for _ms, rate in results["hello world"])
    print(f"{args.runs} runs of {args.duration:g} s each; medians")
    print(f"{'request':<42} {'median':>10} {'req/s':>9} {'share of hello world':>21}")
    for label, rows in results.items():
        ms = statistics.median(m for m, _rate in rows)
        rate = statistics.median(r for _ms, r in rows)
        print(f"{label:<42} {ms:7.2f} ms {rate:9.0f} {rate / base_rate * 100:19.1f} %")
    with app.app_context():
        count = db.session.get(Submission, idea_id).support_count
        rows = db.session.execute(db.select(db.func.count()).select_from(Support).where(
            Support.submission_id == idea_id)).scalar()
    print(f"hello world median {base_ms:.2f} ms; supports counted {count}, rows {rows}")


if __name__ == "__main__":
    main()
