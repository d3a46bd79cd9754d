"""Searcher reopens under writes: CPU per reopen, and what the searches after it pay.

    .venv/bin/python bench/reopen_bench.py --data DIR [--rounds 40] [--batch 20] [--queries 300]
    .venv/bin/python bench/reopen_bench.py --n 100000

Works on a copy of DIR, a data folder seeded by `bench/run_all.py`'s `seed` (database and index
of N generated submissions), or seeds one of N submissions itself. A web worker is imitated in
this process: varied public searches (distinct two-word queries, half with an area filter)
fill its searcher's caches, as the varied-search load does. Then each round commits a batch of
new submissions and one support (`add_support`: the submission is re-indexed, which leaves a
deleted document), lets the real indexer apply them, reopens the searcher as a web worker's
background thread does, and runs a staff search for a word of the newest submission (the
freshness probe's search) and a public search for a query seen before (its words' caches
carried over).

Printed, per round, as medians and p95 of thread CPU: the reopen, each search after it, and
their sum; beside them, the baseline measured in the same run: opening the same index anew and
warming its caches from the previous searcher's (a reopen that carries nothing over, as
after a merge of the first segment; it reads the character tables of segments no search has
needed yet, so it is not comparable across versions that read them at different times); at
the end, the resident memory of the process.
Figures are printed, never asserted: this is not a test.
"""
import argparse
import cProfile
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import (  # noqa: E402
    CHINESE_SEEDS,
    Generator,
    percentile,
    populate,
    rss_mb,
)

PROFILES = {}  # what is profiled (--profile) -> its cProfile.Profile


def cpu_ms(call, profile=None):
    """(result, CPU milliseconds of this thread spent in call()); with `profile`, a name,
    the call is also profiled (and its CPU time includes the profiler's)."""
    profiler = PROFILES.setdefault(profile, cProfile.Profile()) if profile else None
    started = time.thread_time()
    if profiler is not None:
        profiler.enable()
    result = call()
    if profiler is not None:
        profiler.disable()
    return result, 1000 * (time.thread_time() - started)


def figures(name, values):
    return (f"{name:48s} median {statistics.median(values):7.2f} ms   "
            f"p95 {percentile(values, 0.95):7.2f} ms")


def varied_queries(rng, count, areas):
    """Distinct two-word queries, half of them with an area filter."""
    queries = set()
    while len(queries) < count:
        words = " ".join(rng.sample(CHINESE_SEEDS, 2))
        queries.add((words, rng.choice(areas) if rng.random() < 0.5 else ""))
    return sorted(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a seeded data folder (copied, never changed)")
    parser.add_argument("--n", type=int, default=100000, help="submissions to seed without --data")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=20, help="new submissions per commit")
    parser.add_argument("--queries", type=int, default=300, help="varied searches first")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile's top functions of the reopens and searches")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="portal-reopen-"))
    data = work / "data"
    if args.data:
        shutil.copytree(args.data, data)
    else:
        from bench.run_all import base_env, seed
        data.mkdir()
        seed(base_env(data), args.n)
    os.environ.update({"PORTAL_DATA_DIR": str(data), "PORTAL_SECRET_KEY": "bench-secret"})

    from portal import create_app
    from portal.extensions import db
    from portal.search import index as search_index
    from portal.search.engine import new_cache
    from portal.search.indexer import apply_changes
    from portal.search.searchers import holder, refresh_searcher
    from portal.search.services import search
    from portal.stations.models import Area
    from portal.submissions.models import Submission
    from portal.submissions.supports import add_support

    app = create_app()
    rng = random.Random(args.seed)
    with app.app_context():
        areas = db.session.execute(db.select(Area.code, Area.name_zh)).all()
        last = db.session.execute(db.select(db.func.max(Submission.id))).scalar()
        db.session.remove()
    generator = Generator(args.seed, [name for _code, name in areas])
    queries = varied_queries(rng, args.queries, [code for code, _name in areas])
    reopen, probe, repeat, full = [], [], [], []
    with app.app_context():
        for words, area in queries:
            search(words, filters={"area": area})
        for round_ in range(args.rounds):
            db.session.remove()  # outside requests a SQLite transaction holds the write lock
            populate(app, args.batch, generator, first=last + 1)
            last += args.batch
            supported = db.session.execute(
                db.select(Submission).filter_by(published=True)
                .where(Submission.id >= rng.randint(1, last - args.batch))
                .order_by(Submission.id).limit(1)).scalar_one()
            add_support(supported, visitor=f"bench:{round_}", address=f"192.0.2.{round_ % 250}")
            db.session.commit()
            while apply_changes():
                pass
            db.session.remove()
            _none, spent = cpu_ms(refresh_searcher, args.profile and "reopen")
            reopen.append(spent)
            title = db.session.get(Submission, last).title
            db.session.remove()
            newest_word = max(title.split() or [title], key=len)
            _page, spent_probe = cpu_ms(lambda word=newest_word: search(word, staff=True),
                                        args.profile and "staff search")
            words, area = queries[round_ % len(queries)]
            _page, spent_repeat = cpu_ms(lambda w=words, a=area: search(w, filters={"area": a}))
            probe.append(spent_probe)
            repeat.append(spent_repeat)
            if round_ % 4 == 3:  # the baseline: the same index opened anew, nothing carried
                state = holder().state()

                def reopen_carrying_nothing(state=state):
                    cache = new_cache(search_index.open_searcher(state.generation),
                                      state.cache.memo)
                    cache.warm(state.cache)
                    return cache

                cache, spent = cpu_ms(reopen_carrying_nothing)
                full.append(spent)
                cache.searcher.close()
    print(f"{last} submissions; {args.rounds} rounds of {args.batch} new submissions and one "
          f"support; {args.queries} varied searches first")
    print(figures("reopen (carried over)", reopen))
    print(figures("staff search for the newest word, after it", probe))
    print(figures("repeated public search, after it", repeat))
    print(figures("reopen + both searches", [a + b + c for a, b, c in zip(
        reopen, probe, repeat, strict=True)]))
    print(figures("baseline: open anew and warm (nothing carried)", full))
    print(f"reopen / baseline: {statistics.median(reopen) / statistics.median(full):.2f}")
    print(f"resident memory of this process at the end: {rss_mb():.0f} MB")
    for name, profiler in PROFILES.items():
        print(f"\n--- {name}: cProfile, {args.rounds} calls, by own time ---")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
