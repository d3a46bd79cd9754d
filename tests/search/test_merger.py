"""The index's merger: joins small segments beside the indexer, losing no change made meanwhile."""
import threading
from collections import Counter
from contextlib import contextmanager

from whoosh.filedb.filestore import FileStorage
from whoosh.util.filelock import try_for

from portal.core.unit_of_work import unit_of_work
from portal.extensions import db
from portal.search import index as search_index
from portal.search.engine import FilterCache
from portal.search.indexer import apply_changes, current_generation, index_root, rebuild_index
from portal.search.merger import merge_segments, prepare_merge, segments_to_merge, swap_in
from portal.search.searchers import holder, refresh_searcher
from portal.search.services import search
from portal.submissions.models import Submission
from portal.submissions.services import set_publication
from portal.submissions.supports import add_support
from tests.search.helpers import cache_contents


def segments(app):
    """The current index generation's segments, in the table of contents' order."""
    with app.app_context():
        return search_index.open_index(current_generation(index_root()))._segments()


def index_batches(app, publish, titles):
    """Publish each title and index it in a batch of its own (one segment each)."""
    for title in titles:
        publish(title)
        with app.app_context():
            while apply_changes():
                pass


def searched(app, query, *, staff=False):
    with app.app_context():
        refresh_searcher()
        result = search(query, staff=staff)
        return result.total, sorted(h.submission.id for h in result.hits)


def small_segments(app, publish, index_now, count=12):
    """A large first segment and `count` one-document segments after it."""
    for number in range(40):
        publish(f"公园第{number}号座椅油漆剥落")
    index_now()
    index_batches(app, publish, [f"路灯 第{n}盏不亮" for n in range(count)])


def test_batches_are_committed_without_merging(app, publish, index_now):
    """Each indexer batch adds a segment; rewriting earlier ones is left to the merger."""
    small_segments(app, publish, index_now)
    assert len(segments(app)) == 13


def test_the_merger_joins_small_segments_and_search_finds_the_same(app, publish, index_now):
    small_segments(app, publish, index_now)
    before = searched(app, "路灯"), searched(app, "座椅")
    with app.app_context():
        rounds = []
        while joined := merge_segments():
            rounds.append(joined)
    # Whoosh's rule: the smallest five segments while they hold fewer than fib(9) = 55
    # documents together: five one-document ones twice, then 1 + 1 + 5 + 5 + 40.
    assert rounds == [5, 5, 5]
    assert [s.doc_count_all() for s in segments(app)] == [52]
    assert (searched(app, "路灯"), searched(app, "座椅")) == before
    assert before[0][0] == 12 and before[1][0] == 40


def test_changes_indexed_while_a_merge_is_written_are_kept(app, publish, index_now):
    """A document updated after the merger read its segment is replaced in the merged
    segment too: it is found once, as it is now."""
    small_segments(app, publish, index_now)
    with app.app_context():
        lamp = db.session.execute(db.select(Submission.id).where(
            Submission.title == "路灯 第3盏不亮")).scalar()
        prepared = prepare_merge(current_generation(index_root()))
        assert len(prepared.joined) == 5  # the first five small ones, 第3盏 among them
        add_support(db.session.get(Submission, lamp), visitor="test:merge", address="192.0.2.1")
        db.session.commit()
        while apply_changes():  # the update deletes the copy in a segment being merged
            pass
        assert swap_in(prepared) == 5
    merged = segments(app)[-1]
    assert (merged.doc_count_all(), merged.doc_count()) == (5, 4)
    assert sum(s.doc_count() for s in segments(app)) == 52
    assert searched(app, "第3盏") == (1, [lamp])
    with app.app_context():
        refresh_searcher()
        assert search("第3盏").hits[0].submission.support_count == 1
    assert searched(app, "路灯")[0] == 12


def test_a_merge_the_index_moved_past_is_dropped(app, publish, index_now):
    """Prepared before a rebuild replaced the generation: the swap leaves the new index be."""
    small_segments(app, publish, index_now, count=6)
    with app.app_context():
        prepared = prepare_merge(current_generation(index_root()))
        rebuild_index()
        assert swap_in(prepared) == 0
        assert not (prepared.generation / "merging").exists()
    assert searched(app, "路灯")[0] == 6


def test_a_merge_of_segments_already_merged_is_dropped(app, publish, index_now):
    small_segments(app, publish, index_now, count=6)
    with app.app_context():
        generation = current_generation(index_root())
        first, second = prepare_merge(generation), prepare_merge(generation)
        assert swap_in(second) == 5
        assert swap_in(first) == 0
    assert [s.doc_count_all() for s in segments(app)] == [40, 1, 5]
    assert searched(app, "路灯")[0] == 6


def test_segments_whose_documents_were_all_replaced_are_dropped(app, publish, index_now):
    small_segments(app, publish, index_now, count=6)
    with app.app_context():
        for number in range(5):
            lamp = db.session.execute(db.select(Submission).where(
                Submission.title == f"路灯 第{number}盏不亮")).scalar_one()
            add_support(lamp, visitor=f"test:{number}", address="192.0.2.1")
        db.session.commit()
        while apply_changes():  # one batch: the five replaced documents in a new segment
            pass
        assert merge_segments() == 5
    assert [(s.doc_count_all(), s.doc_count()) for s in segments(app)] == [
        (40, 40), (1, 1), (5, 5)]
    assert searched(app, "路灯")[0] == 6


def test_what_an_interrupted_merge_left_is_cleared(app, publish, index_now):
    small_segments(app, publish, index_now, count=6)
    with app.app_context():
        staging = current_generation(index_root()) / "merging"
        staging.mkdir()
        (staging / "MAIN_leftover.trm").write_bytes(b"half a segment")
        assert merge_segments() == 5
        assert not staging.exists()
    assert searched(app, "路灯")[0] == 6


def test_the_merge_rule_is_whooshs(app):
    """The smallest segments, once five or more are small together; a lone large one stays."""
    class Segment:
        def __init__(self, count):
            self.count = count

        def doc_count_all(self):
            return self.count

    few = [Segment(1) for _ in range(4)]
    assert segments_to_merge(few) == []
    many = [Segment(100_000)] + [Segment(1) for _ in range(5)]
    assert [s.count for s in segments_to_merge(many)] == [1] * 5
    assert segments_to_merge([Segment(100_000)] + [Segment(60) for _ in range(5)]) == []


def test_a_host_running_only_the_indexer_runs_the_merger(app, publish, index_now):
    small_segments(app, publish, index_now, count=6)
    result = app.test_cli_runner().invoke(args=["portal", "worker", "--once",
                                                "--only", "search-indexer"])
    assert result.exit_code == 0, result.output
    assert [s.doc_count_all() for s in segments(app)] == [40, 1, 5]


@contextmanager
def index_locked():
    """The current index's write lock, as a writer holds it (no commit meanwhile)."""
    lock = FileStorage(str(current_generation(index_root()))).lock("MAIN_WRITELOCK")
    assert try_for(lock.acquire, timeout=10, delay=0.01)
    try:
        yield
    finally:
        lock.release()


KEYS = [("area", "daqiao"), ("published", True)]
WORDS = [("content", "路灯"), ("content", "座椅")]


def test_indexer_and_merger_running_together_keep_every_document_once(app, publish, index_now):
    """The worker's two threads at full speed while submissions arrive and are updated: in
    the end the index holds each submission exactly once, as it is now; meanwhile each
    reopened searcher's caches, carried over from the one before, say what the index holds."""
    for number in range(40):
        publish(f"公园第{number}号座椅油漆剥落")
    index_now()
    stop, merged = threading.Event(), []

    def loop(task, counts=None):
        with app.app_context():
            while not stop.is_set():
                with unit_of_work():
                    handled = task()
                db.session.remove()
                if counts is not None and handled:
                    counts.append(handled)

    threads = [threading.Thread(target=loop, args=(apply_changes,)),
               threading.Thread(target=loop, args=(merge_segments, merged))]
    for thread in threads:
        thread.start()
    try:
        ids = []
        for number in range(150):
            ids.append(publish(f"路灯 第{number}盏不亮"))
            if number % 3 == 0:  # an update: the indexer replaces a document, maybe one
                with app.app_context():  # the merger is copying
                    add_support(db.session.get(Submission, ids[number // 2]),
                                visitor=f"test:{number}", address="192.0.2.1")
                    db.session.commit()
            if number % 10 == 9:  # no merge may remove files while a cache is read here
                with app.app_context(), index_locked():
                    refresh_searcher()
                    cache = holder().state().cache
                    assert cache_contents(cache, KEYS, WORDS) == cache_contents(
                        FilterCache(cache.searcher), KEYS, WORDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    index_now()
    assert merged, "the merger never merged while the indexer ran"
    with app.app_context():
        ix = search_index.open_index(current_generation(index_root()))
        with ix.reader() as reader:
            support = reader.column_reader("support")
            indexed = [(reader.stored_fields(d)["id"], support[d]) for d in reader.all_doc_ids()]
        current = dict(db.session.execute(db.select(Submission.id, Submission.support_count)).all())
    assert max(Counter(i for i, _support in indexed).values()) == 1
    assert dict(indexed) == {str(i): count for i, count in current.items()}
    assert max(current.values()) > 0  # updates were among the changes
    assert searched(app, "路灯")[0] == 150


def test_a_searcher_whose_segments_were_merged_away_while_it_was_read_is_opened_again(
        app, publish, index_now, monkeypatch, caplog):
    """A merge swapped in while a web worker's searcher was being read removed the files of
    segments it had not read yet (Whoosh reads columns on first use): that searcher would show
    those documents without area or status, or fail as if the index were unreadable. It is
    opened again instead."""
    small_segments(app, publish, index_now, count=6)
    real_carry_over, merges = FilterCache.carry_over, []

    def carry_over_during_a_merge(cache, previous):
        if not merges:
            merges.append(merge_segments())
        return real_carry_over(cache, previous)

    monkeypatch.setattr(FilterCache, "carry_over", carry_over_during_a_merge)
    with app.app_context():
        refresh_searcher()
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
        cache = holder().state().cache
        assert merges == [5]
        assert set(cache.column("area")) == {"daqiao"}
        assert set(cache.column("status")) == {"received"}
        assert search("路灯").total == 6


def field_lengths(app):
    """{(id, field): length} of every live document of the current index, per field."""
    with app.app_context():
        ix = search_index.open_index(current_generation(index_root()))
        with ix.reader() as reader:
            names = ix.schema.names()
            return {(stored["id"], name): reader.doc_field_length(number, name)
                    for number, stored in reader.iter_docs() for name in names}


def test_a_merge_keeps_every_documents_field_lengths(app, publish, index_now, make_submission):
    """Ranking reads a field's length per document: the merged segment has the lengths its
    documents had, the staff field's included where only some documents have one."""
    small_segments(app, publish, index_now, count=6)
    with app.app_context():  # a document whose original differs from its public text
        submission = make_submission(title="路灯 第七盏", body="原文 张三 13800000000",
                                     category_code="other", area_code="daqiao")
        set_publication(submission, True, actor="test", public_title=submission.title,
                        public_body="原文 张** 138****0000")
        db.session.commit()
        while apply_changes():
            pass
    before = field_lengths(app)
    assert {length for (_id, name), length in before.items() if name == "staff"} > {0}
    with app.app_context():
        while merge_segments():
            pass
    assert len(segments(app)) < 8
    assert field_lengths(app) == before


def test_a_segment_without_a_fields_lengths_is_asked_once(app, publish, index_now):
    """A segment has no lengths file for a field none of its documents fills (keyword fields;
    staff text when every text was published as written): its absence is looked up once per
    reader, not once per document copied."""
    for number in range(30):
        publish(f"公园第{number}号座椅油漆剥落")
    index_now()
    with app.app_context():
        ix = search_index.open_index(current_generation(index_root()))
        with ix.reader() as reader:
            per_document = reader._perdoc
            looked_up = Counter()
            exists = per_document._storage.file_exists

            def counted(name):
                looked_up[name] += 1
                return exists(name)

            per_document._storage.file_exists = counted
            try:
                lengths = [reader.doc_field_length(n, name) for n in range(30)
                           for name in ("staff", "kind")]
            finally:
                per_document._storage.file_exists = exists
    assert set(lengths) == {0}
    assert looked_up and max(looked_up.values()) == 1
