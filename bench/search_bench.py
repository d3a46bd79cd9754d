"""Search benchmark: Whoosh (our analyzer, indexer and search service) beside SQLite FTS5.

    .venv/bin/python bench/search_bench.py [--n 20000] [--queries 200] [--seed 7] [--data DIR]

Generates N realistic synthetic submissions (mixed Chinese and English, built from the jieba
dictionary, the reference data's place names and an English word list, not copied text),
stores them in a throw-away SQLite database, then measures and prints:
  - full rebuild (`rebuild_index`, the code behind `flask portal reindex`): docs/s, size;
  - incremental indexing through the change log (`apply_changes`, the worker task): docs/s;
  - reopening a searcher, and the memory of a process that holds one;
  - query latency p50/p95 for one term, two terms, a term with filters, a frequent term with
    counts per category, the first page highlighted, and the whole public search
    (`services.search`: query, filters, counts per filter value, highlighted first page);
  - SQLite FTS5 over the same jieba tokens and the same queries, and Whoosh/FTS5 ratios.
Figures are printed, never asserted: this is not a test.
"""
import argparse
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ENGLISH = ("street light lamp broken dark litter rubbish bin overflowing noise night "
           "construction parking car bike lane blocked vendor stall smell water leak flood "
           "riverside path bench tree branch fallen dog sign missing crossing traffic signal "
           "children playground elevator stairs repair please urgent week since residents "
           "ferry wharf gate pavement crack hole smoke fire exit security guard cleaning "
           "property manager complaint suggestion more seats shade toilet public open late").split()
CHINESE_SEEDS = ("路灯 垃圾 噪声 停车 摊贩 绿化 积水 防汛 消防 安全 隐患 物业 保洁 保安 电梯 楼道 "
                 "井盖 道路 破损 人行道 自行车 共享单车 违章 施工 扰民 晚上 白天 小区 居民 老人 "
                 "儿童 公园 步道 栏杆 垃圾桶 异味 污水 漏水 树枝 倒伏 信号灯 斑马线 公交站 "
                 "座椅 厕所 开放 时间 建议 增加 希望 尽快 处理 修理 反映 多次 一周 好几天").split()
STATUSES = ["received"] * 2 + ["accepted"] * 3 + ["forwarded"] * 2 + ["in_progress"] * 2 + \
    ["resolved"] * 4 + ["closed"] * 3 + ["held"]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dictionary_frequencies() -> dict:
    """{word: frequency} of jieba's dictionary (a development dependency), the same words the
    portal's segmenter knows."""
    from importlib.resources import files

    frequencies = {}
    with (files("jieba") / "dict.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, frequency = line.split(" ")[:2]
            frequencies[word] = int(frequency)
    return frequencies


class Generator:
    """Synthetic submissions: frequency-weighted dictionary words around a few topic words."""

    def __init__(self, seed, places):
        self.rng = random.Random(seed)
        freq = dictionary_frequencies()
        words = [(w, f) for w, f in freq.items()
                 if f > 2000 and 2 <= len(w) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in w)]
        words.sort()
        self.words = [w for w, _ in words]
        self.weights = [f for _, f in words]
        self.places = places

    def chinese(self, n):
        picked = self.rng.choices(self.words, self.weights, k=n)
        picked += self.rng.choices(CHINESE_SEEDS, k=max(1, n // 4))
        if self.rng.random() < 0.5:
            picked.append(self.rng.choice(self.places))
        self.rng.shuffle(picked)
        out, cut = [], self.rng.randint(5, 12)
        for i, word in enumerate(picked, 1):
            out.append(word)
            if i % cut == 0:
                out.append(self.rng.choice("，，。！？"))
        return "".join(out) + "。"

    def english(self, n):
        words = self.rng.choices(ENGLISH, k=n)
        return " ".join(words).capitalize() + "."

    def text(self, n):
        roll = self.rng.random()
        if roll < 0.7:
            return self.chinese(n)
        if roll < 0.9:
            return self.english(n)
        return self.chinese(n // 2) + " " + self.english(n // 2)


HISTORY = timedelta(days=730)


def populate(app, n, gen, store=True, first=1):
    """Insert N submissions (ids from `first` on) and their 'created' change-log rows directly
    (bench only).

    With `store=False` the submissions are only generated (advancing the random generator
    exactly as a first run did), for a database kept from an earlier run with --data.
    """
    from portal.extensions import db
    from portal.stations.models import Area, Category, Station
    from portal.submissions.models import ChangeLog, Submission

    with app.app_context():
        categories = [c.id for c in db.session.execute(
            db.select(Category).where(Category.parent_id.is_not(None))).scalars()]
        areas = [a.id for a in db.session.execute(db.select(Area)).scalars()]
        stations = [s.id for s in db.session.execute(db.select(Station)).scalars()]
        # Spread over the two years before now (five minutes apart at most), so every case
        # lies in the past as a district's history would: deadlines, windows and months see
        # what they would see in service.
        step = min(timedelta(minutes=5), HISTORY / max(n, 1))
        start = datetime.now(UTC).replace(microsecond=0) - step * (n + 1)
        rows, logs = [], []
        for i in range(first, first + n):
            title = gen.text(gen.rng.randint(3, 7))[:120]
            body = gen.text(gen.rng.randint(15, 60))[:2000]
            published = gen.rng.random() < 0.8
            created = start + step * (i - first + 1)
            rows.append({
                "id": i, "code": f"B{i:09d}", "kind": gen.rng.choice(["issue"] * 3 + ["idea"]),
                "channel": gen.rng.choice(["web"] * 6 + ["kiosk"] * 3 + ["api"]),
                "language": "zh", "status": gen.rng.choice(STATUSES),
                "category_id": gen.rng.choice(categories), "area_id": gen.rng.choice(areas),
                "station_id": gen.rng.choice(stations) if gen.rng.random() < 0.3 else None,
                "title": title, "body": body, "place": "",
                "public_title": title if published else None,
                "public_body": body if published else None, "published": published,
                "published_at": created if published else None,
                "support_count": gen.rng.randint(0, 5), "screening_score": 0.0,
                "screening_reasons": [], "created_at": created, "updated_at": created})
            logs.append({"submission_id": i, "change": "created", "status": "received",
                         "created_at": created})
            if len(rows) == 5000:
                if store:
                    db.session.execute(db.insert(Submission), rows)
                    db.session.execute(db.insert(ChangeLog), logs)
                rows, logs = [], []
        if rows and store:
            db.session.execute(db.insert(Submission), rows)
            db.session.execute(db.insert(ChangeLog), logs)
        db.session.commit()


def fts5_build(app, path):
    """SQLite FTS5 over the same jieba tokens (index mode, sub-words included)."""
    from portal.core.text import segment
    from portal.extensions import db
    from portal.submissions.models import Submission

    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE doc USING fts5(title, body, category UNINDEXED, "
                "area UNINDEXED, status UNINDEXED, published UNINDEXED, id UNINDEXED, "
                "tokenize='unicode61 remove_diacritics 0')")
    start = time.perf_counter()
    with app.app_context():
        rows = db.session.execute(db.select(Submission).options(
            db.selectinload(Submission.category), db.selectinload(Submission.area)))
        batch = []
        for (s,) in rows:
            batch.append((" ".join(x.text for x in segment(s.title)),
                          " ".join(x.text for x in segment(s.body)), s.category.code,
                          s.area.code, s.status, int(s.published), s.id))
            if len(batch) == 2000:
                con.executemany("INSERT INTO doc VALUES (?,?,?,?,?,?,?)", batch)
                batch = []
        con.executemany("INSERT INTO doc VALUES (?,?,?,?,?,?,?)", batch)
    con.commit()
    return con, time.perf_counter() - start


FRESH = """
import os, sys
sys.path.insert(0, {root!r})
os.environ["PORTAL_DATA_DIR"] = {data!r}
def rss():
    line = [x for x in open("/proc/self/status") if x.startswith("VmRSS")][0]
    return int(line.split()[1]) // 1024
base = rss()
from portal import create_app
from portal.search.words import ensure_place_words
app = create_app()
ensure_place_words()
loaded = rss()
from portal.search.services import search
with app.app_context():
    for q in ("路灯", "垃圾", "light", "处理", "小区"):
        search(q, filters={{"area": "riverside"}})
print(f"{{base}} MB bare Python, {{loaded}} MB with the app, jieba and OpenCC, "
      f"{{rss()}} MB holding a searcher with warm caches")
"""


def freshness(app, rounds):
    """Seconds from a commit until a search finds the change: the worker loop (idle poll
    0.2 s, as `flask portal worker`) in one thread, searches polling in this one."""
    import threading

    from portal.extensions import db
    from portal.search.indexer import apply_changes
    from portal.search.services import search
    from portal.submissions.models import Submission
    from portal.submissions.services import record_change

    stop = threading.Event()

    def worker():
        with app.app_context():
            while not stop.is_set():
                if not apply_changes():
                    db.session.remove()
                    stop.wait(0.2)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    delays = []
    run = time.time_ns() % 10**9  # a database kept with --data holds the markers of earlier runs
    with app.app_context():
        for i in range(rounds):
            word = f"fresh{i}marker{run}"
            submission = db.session.get(Submission, i + 1)
            submission.public_title, submission.published = f"{word} 路灯", True
            record_change(submission, "edited")
            db.session.commit()
            start = time.perf_counter()
            while not search(word).total and time.perf_counter() - start < 30:
                time.sleep(0.01)
            delays.append(time.perf_counter() - start)
    stop.set()
    thread.join()
    return (f"freshness (commit to searchable, {rounds} changes): p50 "
            f"{statistics.median(delays):.2f} s, p95 {percentile(delays, 0.95):.2f} s")


def fresh_process_memory(data_dir):
    import subprocess

    code = FRESH.format(root=str(Path(__file__).resolve().parent.parent), data=data_dir)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return out.stdout.strip() or out.stderr.strip()[-300:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--incremental", type=int, default=2000)
    parser.add_argument("--freshness", type=int, default=20)
    parser.add_argument("--procs", type=int, default=1, help="processes for the rebuild")
    parser.add_argument("--data", help="keep the generated database in DIR and reuse it when it "
                        "already holds N submissions (generation takes a while at 100,000)")
    args = parser.parse_args()

    data_dir = args.data or tempfile.mkdtemp(prefix="search-bench-")
    os.makedirs(data_dir, exist_ok=True)
    for stale in ("fts.db",):  # rebuilt by every run
        Path(data_dir, stale).unlink(missing_ok=True)
    os.environ["PORTAL_DATA_DIR"] = data_dir
    os.environ.pop("PORTAL_DATABASE_URL", None)
    from portal import create_app
    from portal.extensions import db
    from portal.search import index as search_index
    from portal.search import query as search_query
    from portal.search.highlight import snippet
    from portal.search.indexer import apply_changes, current_generation, index_root, rebuild_index
    from portal.search.searchers import holder, refresh_searcher
    from portal.search.services import search
    from portal.search.words import ensure_place_words
    from portal.stations.services import load_reference_file, seed_reference_data
    from portal.submissions.models import ChangeLog

    app = create_app({"PORTAL_RATE_LIMITS": "off"})
    with app.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.commit()
    ensure_place_words()
    ref = load_reference_file()
    places = [x["name_zh"] for x in ref["areas"] + ref["landmarks"]]
    gen = Generator(args.seed, places)
    print(f"# search benchmark: {args.n} synthetic submissions, {args.queries} runs per query, "
          f"python {sys.version.split()[0]}, data in {data_dir}")
    t0 = time.perf_counter()
    with app.app_context():
        stored = db.session.execute(db.text("SELECT count(*) FROM submission")).scalar()
        db.session.rollback()  # every transaction holds SQLite's write lock (BEGIN IMMEDIATE)
    if stored and stored != args.n:
        sys.exit(f"{data_dir} holds {stored} submissions, not {args.n}: use another --data")
    # The same seed gives the same submissions; the generator's state must match too.
    populate(app, args.n, gen, store=stored != args.n)
    print(f"generated{'' if stored != args.n else ' (database reused)'} and stored in "
          f"{time.perf_counter() - t0:.1f} s")

    rows = []

    def row(name, whoosh, fts=None):
        rows.append((name, whoosh, fts))

    with app.app_context():
        t0 = time.perf_counter()
        rebuild_index(procs=args.procs)
        rebuild_s = time.perf_counter() - t0
        generation = current_generation(index_root())
        size_mb = sum(p.stat().st_size for p in generation.iterdir()) / 1e6
        print(f"full rebuild ({args.procs} process(es)): {rebuild_s:.1f} s "
              f"({args.n / rebuild_s:.0f} docs/s), "
              f"index {size_mb:.0f} MB")

        # Incremental: the worker applying the change log (one 'edited' row per submission).
        ids = gen.rng.sample(range(1, args.n + 1), min(args.incremental, args.n))
        db.session.execute(db.insert(ChangeLog), [
            {"submission_id": i, "change": "edited", "status": "accepted"} for i in ids])
        db.session.commit()
        t0 = time.perf_counter()
        applied = 0
        while (count := apply_changes()):
            applied += count
        inc_s = time.perf_counter() - t0
        print(f"incremental (change log, batches of 500): {applied} in {inc_s:.1f} s "
              f"({applied / inc_s:.0f} docs/s)")

        before = rss_mb()
        open_ms = timed(lambda: search_index.open_searcher(generation).close(), 5)
        refresh_searcher()
        search("路灯")  # warm the filter caches once, as the first request of a process would
        print(f"reopen a searcher: p50 {open_ms[0]:.0f} ms; process RSS {before:.0f} MB before "
              f"the searcher, {rss_mb():.0f} MB holding it with warm caches")

        state = holder().state()
        cache = state.cache
        published = cache.docs("published", True)
        fields = search_index.PUBLIC_FIELDS
        rare_terms = gen.rng.sample(gen.words[:4000], 50)
        frequent = ["路灯", "垃圾", "light", "处理", "小区"]
        pairs = [f"{a} {b}"
                 for a, b in zip(frequent, ["坏", "垃圾桶", "broken", "希望", "噪声"], strict=True)]

        def pick(values):
            return values[gen.rng.randrange(len(values))]

        def rank(text, within, limit=20):
            # The portal's own path for one query, uncached: the word's postings read, matched
            # within the filters' documents, scored (BM25), the best `limit` taken.
            cache.forget_words()
            groups = search_query.parse_query(text)
            matched = cache.matching(groups, fields, within)
            cache.ranking(groups, fields, matched, limit)

        def one_term():
            rank(pick(rare_terms), (published,))

        def two_terms():
            rank(pick(pairs), (published,))

        def term_filter():
            rank(pick(frequent), (published, cache.docs("category", "street-lighting"),
                                  cache.docs("status", "resolved")))

        def counts():
            cache.forget_words()
            matched = cache.matching(search_query.parse_query(pick(frequent)), fields,
                                     (published,))
            cache.facet_counts(matched, ("category",))

        sample_body = db.session.execute(db.text(
            "SELECT public_body FROM submission WHERE public_body LIKE '%路灯%' LIMIT 20")
        ).scalars().all() or ["路灯"]

        def highlight():
            for body in sample_body:
                snippet(body, {"路灯"})

        def whole_request():
            search(pick(frequent), filters={"area": pick(["riverside", "daqiao", ""])},
                   page=1, per_page=20)

        def whole_request_cold():
            # A frequency-weighted dictionary word with the word-set cache emptied first: the
            # cost of a query nobody asked since the searcher was (re)opened.
            cache.forget_words()
            word = gen.rng.choices(gen.words, gen.weights)[0]
            search(word, filters={"area": pick(["riverside", "daqiao", ""])},
                   page=1, per_page=20)

        def whole_request_frequent_cold():
            cache.forget_words()  # the frequent words again, caches emptied each time
            search(pick(frequent), filters={"area": pick(["riverside", "daqiao", ""])},
                   page=1, per_page=20)

        n = args.queries
        w = {"one term": timed(one_term, n), "two terms": timed(two_terms, n),
             "term + category + status filter": timed(term_filter, n),
             "frequent term, counts per category": timed(counts, n),
             "highlight first page (20 snippets)": timed(highlight, max(20, n // 5)),
             "whole public search (services.search)": timed(whole_request, n),
             "whole public search, uncached word": timed(whole_request_cold, n),
             "whole public search, frequent word, uncached": timed(
                 whole_request_frequent_cold, n)}

    print(f"memory of a fresh process holding a searcher: {fresh_process_memory(data_dir)}")
    print(freshness(app, rounds=args.freshness))
    fts_path = str(Path(data_dir) / "fts.db")
    con, fts_s = fts5_build(app, fts_path)
    print(f"FTS5 build (segmentation + insert): {fts_s:.1f} s ({args.n / fts_s:.0f} docs/s), "
          f"{os.path.getsize(fts_path) / 1e6:.0f} MB")

    def f_one():
        con.execute("SELECT id FROM doc WHERE doc MATCH ? AND published=1 ORDER BY rank "
                    "LIMIT 20", (f'"{pick(rare_terms)}"',)).fetchall()

    def f_two():
        a, b = pick(pairs).split()
        con.execute("SELECT id FROM doc WHERE doc MATCH ? AND published=1 ORDER BY rank "
                    "LIMIT 20", (f'"{a}" AND "{b}"',)).fetchall()

    def f_filter():
        con.execute("SELECT id FROM doc WHERE doc MATCH ? AND published=1 AND "
                    "category='street-lighting' AND status='resolved' ORDER BY rank LIMIT 20",
                    (f'"{pick(frequent)}"',)).fetchall()

    def f_counts():
        con.execute("SELECT category, count(*) FROM doc WHERE doc MATCH ? AND published=1 "
                    "GROUP BY category", (f'"{pick(frequent)}"',)).fetchall()

    def f_highlight():
        con.execute("SELECT highlight(doc, 1, '<mark>', '</mark>') FROM doc WHERE doc MATCH ? "
                    "AND published=1 ORDER BY rank LIMIT 20", ('"路灯"',)).fetchall()

    def f_whole():
        term = f'"{pick(frequent)}"'
        area = pick(["riverside", "daqiao", ""])
        extra = " AND area=?" if area else ""
        params = (term, area) if area else (term,)
        for col in ("category", "area", "status"):
            con.execute(f"SELECT {col}, count(*) FROM doc WHERE doc MATCH ? AND published=1"
                        f"{extra} GROUP BY {col}", params).fetchall()
        con.execute("SELECT id, snippet(doc, 1, '<mark>', '</mark>', '…', 16) FROM doc WHERE "
                    f"doc MATCH ? AND published=1{extra} ORDER BY rank LIMIT 20",
                    params).fetchall()

    n = args.queries
    f = {"one term": timed(f_one, n), "two terms": timed(f_two, n),
         "term + category + status filter": timed(f_filter, n),
         "frequent term, counts per category": timed(f_counts, n),
         "highlight first page (20 snippets)": timed(f_highlight, max(20, n // 5)),
         "whole public search (services.search)": timed(f_whole, n)}
    f["whole public search, uncached word"] = f["whole public search (services.search)"]
    f["whole public search, frequent word, uncached"] = f["whole public search (services.search)"]

    print()
    print(f"{'query (ms)':46} {'Whoosh p50':>10} {'p95':>8} {'FTS5 p50':>9} {'p95':>8} "
          f"{'ratio p50':>9} {'ratio p95':>9}")
    for name, (wp50, wp95) in w.items():
        fp50, fp95 = f[name]
        print(f"{name:46} {wp50:10.1f} {wp95:8.1f} {fp50:9.1f} {fp95:8.1f} "
              f"{wp50 / max(fp50, 1e-3):9.1f} {wp95 / max(fp95, 1e-3):9.1f}")
    print("\n(The first three rows are one query through the portal's search path with its "
          "word caches emptied (postings read a block at a time and scored with BM25, filter "
          "sets as warmed when the searcher opened); the 'whole public search' rows are "
          "services.search: query, filters, counts per filter value, ranking, database rows "
          "and highlighted snippets of the first page; 'uncached' empties the per-searcher word "
          "and ranking caches before each run. "
          "FTS5's whole search runs three GROUP BY counts and one snippet query.)")


if __name__ == "__main__":
    main()
