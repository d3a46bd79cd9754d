"""The index as a derived view of the change log: positions, rebuilds, crashes, replicas."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.extensions import db
from portal.reference.services import save_category
from portal.search import index as search_index
from portal.search.indexer import (
    _documents,
    apply_changes,
    current_generation,
    document_for,
    index_lag,
    index_root,
    read_position,
    rebuild_index,
)
from portal.search.searchers import holder, refresh_searcher
from portal.search.services import search
from portal.stations.models import Category
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import (
    add_official_reply,
    change_status,
    set_publication,
)
from portal.submissions.supports import add_support
from tests.helpers import reference_values
from tests.search.helpers import cache_contents, drain

QUERIES = ["路灯", "垃圾", "滨江", "light", '"路灯坏了"', "长椅"]


def all_terms(app):
    """Every (field, term) in the current index generation."""
    with app.app_context():
        ix = search_index.open_index(current_generation(index_root()))
        with ix.reader() as reader:
            return {(f, t.decode()) for f, t in reader.all_terms()
                    if f in search_index.STAFF_FIELDS}


def snapshot(app):
    """What public and staff searches return for a set of queries (ids and totals)."""
    with app.app_context():
        refresh_searcher()
        result = {}
        for q in QUERIES:
            for staff in (False, True):
                page = search(q, staff=staff, per_page=50)
                result[(q, staff)] = ([h.submission.id for h in page.hits], page.total,
                                      sorted(page.facets["status"]))
        return result


def make_history(app, make_submission):
    """Submissions that were created, published, held, supported, unpublished."""
    with app.app_context():
        a = make_submission(title="路灯坏了", body="滨江步道的路灯坏了。", publish=True)
        b = make_submission(title="垃圾桶满了", body="Litter everywhere, street light too.",
                            publish=True)
        c = make_submission(title="长椅破损", body="长椅坏了。")
        change_status(c, "held", actor="test", public=False)
        add_support(a, visitor="test:a", address="192.0.2.1")
        set_publication(b, False, actor="test")
        change_status(a, "accepted", actor="test")
        db.session.commit()
        return [a.id, b.id, c.id]


def documents_read_by_query(ids) -> list:
    """The index documents built from rows every relationship reads by query."""
    db.session.expire_all()
    return [(i, document_for(db.session.get(Submission, i))) for i in ids]


def test_documents_equal_those_built_from_rows_read_by_query(app_ctx, make_submission):
    """The indexer takes categories, areas and stations from the process's reference snapshot,
    and follows an administrator's change to them."""
    ids = [make_submission(**values).id for values in (
        {"category_code": "street-lighting", "area_code": "riverside"},
        {"category_code": "food-safety", "area_code": "yinhang",
         "station_slug": "service-station-1"},
        {"category_code": "litter", "area_code": "daqiao", "publish": True})]
    documents = _documents(ids)
    assert [d["category"] for _i, d in documents] == ["street-lighting", "food-safety", "litter"]
    assert documents[1][1]["station"] == "service-station-1"
    assert documents == documents_read_by_query(ids)
    row = db.session.execute(db.select(Category).filter_by(code="street-lighting")).scalar_one()
    other = db.session.execute(db.select(Category).filter_by(code="food-safety")).scalar_one()
    save_category(actor="admin", code=row.code,
                  values=reference_values(row, parent=other.parent.code))
    db.session.commit()
    moved = _documents(ids[:1])
    assert moved[0][1]["parent_category"] == other.parent.code
    assert moved == documents_read_by_query(ids[:1])


def test_contact_details_are_never_indexed(app, make_submission, index_now):
    with app.app_context():
        make_submission(title="路灯坏了", body="门口路灯坏了。", publish=True,
                        contact={"name": "欧阳娜娜", "phone": "13912345678",
                                 "email": "nana.ouyang@example.com", "consent": True})
    index_now()
    terms = {t for _field, t in all_terms(app)}
    assert "路灯" in terms
    for secret in ("欧阳", "娜娜", "13912345678", "nana.ouyang", "ouyang", "example", "nana"):
        assert secret not in terms
    with app.app_context():
        assert search("13912345678", staff=True).total == 0


def test_a_rebuild_gives_the_same_results_as_incremental_indexing(app, make_submission,
                                                                   index_now):
    index_now()  # the first run builds an empty index, later changes are applied one by one
    make_history(app, make_submission)
    index_now()
    incremental = snapshot(app)
    assert incremental[("路灯", False)][1] == 1 and incremental[("长椅", True)][1] == 1
    with app.app_context():
        old = current_generation(index_root())
        assert rebuild_index() == 3
        new = current_generation(index_root())
        assert new != old and not old.exists()  # swapped, the old generation removed
    assert snapshot(app) == incremental


def test_the_position_is_recorded_in_the_index_directory(app, make_submission, index_now):
    make_history(app, make_submission)
    index_now()
    with app.app_context():
        latest = db.session.execute(db.select(db.func.max(ChangeLog.id))).scalar()
        position = read_position(current_generation(index_root()))
        assert position["last_id"] == latest
        assert index_lag() == {"ready": True, "applied": latest, "latest": latest, "behind": 0}
        assert apply_changes() == 0  # nothing left to do


def test_applying_changes_twice_is_harmless(app, make_submission, index_now):
    make_history(app, make_submission)
    index_now()
    before = snapshot(app)
    with app.app_context():
        generation = current_generation(index_root())
        (generation / "position.json").write_text(json.dumps({"last_id": 0, "gaps": {}}))
    index_now()
    assert snapshot(app) == before


KILLED_WRITER = r"""
import os, signal
from portal import create_app
from portal.search import index as search_index
from portal.search.indexer import apply_changes, current_generation, index_root
app = create_app()
with app.app_context():
    apply_changes(batch_size=3)
    apply_changes(batch_size=3)
    # Killed while holding the write lock with a half-written batch.
    writer = search_index.writer(search_index.open_index(current_generation(index_root())))
    writer.add_document(id="999999", content="half written")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_writer_resumes_from_its_position(app, make_submission, tmp_path):
    index_now_ids = []
    with app.app_context():
        rebuild_index()  # an empty index at position 0
        for i in range(8):
            index_now_ids.append(make_submission(title=f"路灯第{i}号坏了", publish=True).id)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    env.pop("PORTAL_EMBEDDED_WORKER", None)
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER], env=env, timeout=120,
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with app.app_context():
        assert read_position(current_generation(index_root()))["last_id"] == 6  # two batches
    drain(app)
    with app.app_context():
        page = search("路灯", per_page=50)
        assert sorted(h.submission.id for h in page.hits) == sorted(index_now_ids)
        assert search("half written", staff=True).total == 0
        latest = db.session.execute(db.select(db.func.max(ChangeLog.id))).scalar()
        assert read_position(current_generation(index_root()))["last_id"] == latest


def test_a_second_index_directory_catches_up_from_the_log(app, make_submission, tmp_path):
    make_history(app, make_submission)
    drain(app)
    first = snapshot(app)
    app.config["PORTAL_INDEX_DIR"] = str(tmp_path / "second-host-index")
    drain(app)  # a new host: nothing there yet, built from the database
    assert snapshot(app) == first
    with app.app_context():  # later changes reach both directories through the log
        late = make_submission(title="新的路灯问题", body="又一盏路灯坏了。", publish=True).id
    drain(app)
    second = snapshot(app)
    assert late in second[("路灯", False)][0]
    app.config["PORTAL_INDEX_DIR"] = str(Path(app.config["PORTAL_DATA_DIR"]) / "index")
    drain(app)
    assert snapshot(app) == second
    with app.app_context():
        assert index_lag()["behind"] == 0


def test_a_missing_or_corrupt_index_is_rebuilt_not_a_500(app, client, publish, index_now):
    publish("路灯坏了")
    index_now()
    root = Path(app.config["PORTAL_INDEX_DIR"])
    for path in root.glob("gen-*/*.toc"):
        path.write_bytes(b"garbage")
    app.extensions.pop("portal_search", None)  # a fresh web process
    response = client.get("/search?q=路灯&lang=en")
    assert response.status_code == 200
    assert "Search is being prepared" in response.get_data(as_text=True)
    index_now()  # the worker notices and rebuilds
    assert "<mark>路灯</mark>" in client.get("/search?q=路灯").get_data(as_text=True)
    import shutil
    shutil.rmtree(root)
    app.extensions.pop("portal_search", None)
    assert client.get("/search?q=路灯").status_code == 200
    index_now()
    assert "<mark>路灯</mark>" in client.get("/search?q=路灯").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"PORTAL_SEARCH_REOPEN": 0.2}])
def test_new_documents_appear_without_a_request_reopening_the_searcher(app, publish,
                                                                       index_now):
    publish("路灯坏了")
    index_now()
    later = publish("长椅坏了")
    with app.app_context():
        while apply_changes():
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and later not in [h.submission.id
                                                            for h in search("坏").hits]:
            time.sleep(0.05)  # each search returns at once; a background thread reopens
        assert later in [h.submission.id for h in search("坏").hits]
        assert holder().state().shows_latest()


def _wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


@pytest.mark.parametrize("app_config", [{"PORTAL_SEARCH_REOPEN": 0.05}])
def test_a_searched_process_sees_a_new_commit_before_its_next_search(app, publish, index_now):
    publish("路灯坏了")
    index_now()
    with app.app_context():
        search("路灯")  # this process is being searched: it keeps its searcher current
        searchers = holder()
        opened = searchers.opened
    later = publish("长椅坏了")
    with app.app_context():
        while apply_changes():
            pass
    # No search in between: the reopen happens on the holder's clock.
    assert _wait_for(lambda: searchers.opened > opened)
    with app.app_context():
        assert searchers.opened > opened and later in [h.submission.id for h in search("坏").hits]


@pytest.mark.parametrize("app_config", [{"PORTAL_SEARCH_REOPEN": 0.05}])
def test_a_process_nobody_searches_stops_reopening_until_the_next_search(app, publish,
                                                                         index_now, monkeypatch):
    monkeypatch.setattr("portal.search.searchers.KEEP_CURRENT_SECONDS", 0.2)
    publish("路灯坏了")
    index_now()
    with app.app_context():
        search("路灯")
        searchers = holder()
    assert _wait_for(lambda: not searchers._watching)  # 0.2 s without a search: it stopped
    opened = searchers.opened
    later = publish("长椅坏了")
    with app.app_context():
        while apply_changes():
            pass
    time.sleep(0.3)
    assert searchers.opened == opened  # the commit waits for someone to search
    with app.app_context():
        search("坏")  # served at once by the old searcher; the holder checks again
        assert _wait_for(lambda: searchers.opened > opened)
        assert later in [h.submission.id for h in search("坏").hits]


def test_a_change_committed_late_with_a_lower_id_is_not_skipped(app, make_submission):
    """On PostgreSQL a lower id can commit after a higher one: the indexer goes back for it."""
    with app.app_context():
        first = make_submission(title="路灯坏了", publish=True).id
        rebuild_index()
        base = db.session.execute(db.select(db.func.max(ChangeLog.id))).scalar()
        db.session.add(ChangeLog(id=base + 5, submission_id=first, change="edited"))
        db.session.commit()
    drain(app)
    with app.app_context():
        position = read_position(current_generation(index_root()))
        assert position["last_id"] == base + 5 and base + 3 in position["gaps"]
        # Now the "slow" transaction commits, with ids below the position.
        s = make_submission(title="长椅坏了", publish=True, commit=False)
        db.session.flush()
        for row in db.session.query(ChangeLog).filter_by(submission_id=s.id):
            row.id = base + 3 if row.change == "created" else base + 4
        db.session.commit()
        late = s.id
    drain(app)
    with app.app_context():
        assert [h.submission.id for h in search("长椅").hits] == [late]
        gaps = read_position(current_generation(index_root()))["gaps"]
        assert base + 3 not in gaps and base + 4 not in gaps  # filled; 1 and 2 expire later
        assert set(gaps) == {base + 1, base + 2}


def test_reindex_command_rebuilds_and_reports(app, make_submission):
    with app.app_context():
        make_submission(title="路灯坏了", publish=True)
        make_submission(title="垃圾桶满了")
    with app.app_context():  # as `flask` does for every command
        result = app.test_cli_runner().invoke(args=["portal", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 submissions" in result.output
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["portal", "reindex", "--procs", "2"])
    assert result.exit_code == 0 and "Indexed 2 submissions" in result.output, result.output
    with app.app_context():
        refresh_searcher()
        assert search("路灯").total == 1 and search("垃圾", staff=True).total == 1
        assert index_lag()["behind"] == 0


def test_the_searcher_is_reused_until_the_index_changes(app, publish, index_now):
    publish("路灯坏了")
    index_now()
    with app.app_context():
        first = holder().state().searcher
        search("路灯")
        holder().refresh()  # nothing changed: the same searcher stays
        assert holder().state().searcher is first
    publish("长椅坏了")
    index_now()
    with app.app_context():
        assert holder().state().searcher is not first
        assert search("长椅").total == 1


def test_an_empty_index_is_not_reopened_while_it_stays_empty(app):
    """Nothing indexed yet: the same searcher stays, and pages cached under it stay served."""
    drain(app)
    with app.app_context():
        first, opened = holder().state(), holder().opened
        assert first is not None and first.searcher.doc_count_all() == 0
        holder().refresh()
        assert holder().state() is first and holder().opened == opened


def test_an_index_without_the_current_fields_is_rebuilt(app, publish, index_now, monkeypatch):
    """A release that changes the index fields gets a new generation, built by the worker."""
    sid = publish("路灯坏了")
    index_now()
    with app.app_context():
        before = current_generation(index_root())
    current = search_index.make_schema

    def next_release_schema():
        schema = current()
        schema.add("later", type(schema["kind"])())  # a field this index does not have
        return schema

    monkeypatch.setattr(search_index, "make_schema", next_release_schema)
    drain(app)
    with app.app_context():
        assert current_generation(index_root()) != before
        assert "later" in search_index.open_index(current_generation(index_root())).schema
        assert [h.submission.id for h in search("路灯").hits] == [sid]


def test_a_replaced_searcher_closes_when_its_last_search_ends(app, publish, index_now):
    """Under constant writes the index reopens every second: replaced searchers must not pile
    up (each holds its own segment readers), nor close under a search still using one."""
    publish("路灯不亮")
    index_now()
    with app.app_context():
        searchers = holder()
        with searchers.lease() as in_use:
            publish("井盖松动")
            while apply_changes():
                pass
            refresh_searcher()  # a newer searcher replaces the one this search holds
            assert in_use.retired and not in_use.searcher.is_closed
            assert in_use.searcher.doc_count() == 1  # still answers this search
        assert in_use.searcher.is_closed  # closed as soon as the search ended
        idle = searchers.state()
        publish("垃圾桶满了")
        while apply_changes():
            pass
        refresh_searcher()
        assert idle.searcher.is_closed  # nobody was using it: closed at once
        assert search("垃圾桶").total == 1


def test_a_searchers_caches_say_what_the_index_holds(app, publish, index_now):
    """A word's postings and a facet column, read by the engine, as the index has them."""
    for title in ("路灯不亮", "路灯闪烁", "井盖松动"):
        publish(title)
    index_now()
    with app.app_context():
        search("路灯")
        cache = holder().state().cache
        assert len(cache.word_docs("content", "路灯")) == 2
        assert list(cache.column("area")) == ["daqiao"] * 3


def test_a_reopened_searcher_carries_over_only_what_the_commit_left_alone(app, publish,
                                                                          index_now):
    """A reopen after a small commit starts from the previous searcher's caches; what it
    holds equals a cache built from nothing, also after updates (deleted documents) and
    after merges rewrote segments."""
    from portal.search.engine import FilterCache

    lamp = publish("路灯不亮", area_code="riverside")
    publish("井盖松动", area_code="riverside")
    publish("长椅坏了")
    for number in range(40):  # a large first segment: merges rewrite only the small ones
        publish(f"公园第{number}号座椅油漆剥落")
    index_now()
    keys = [("area", "riverside"), ("area", "daqiao"), ("published", True)]
    words = [("content", "路灯"), ("content", "井盖"), ("content", "长椅")]
    with app.app_context():
        before = holder().state().cache
        cache_contents(before, keys, words)  # fills the caches a reopen carries over
        documents, daqiao = before.searcher.doc_count(), len(before.docs("area", "daqiao"))
    publish("垃圾桶满了", area_code="daqiao")
    index_now()
    with app.app_context():
        after = holder().state().cache
        assert after.searcher.doc_count() == documents + 1
        assert len(after.docs("area", "daqiao")) == daqiao + 1
        fresh = FilterCache(after.searcher)
        assert cache_contents(after, keys, words) == cache_contents(fresh, keys, words)
    for round_ in range(12):  # updates delete documents; many small commits make Whoosh merge
        with app.app_context():
            from portal.submissions.models import Submission
            add_support(db.session.get(Submission, lamp), visitor=f"test:{round_}",
                        address=f"192.0.2.{round_}")  # re-indexed: an update
            db.session.commit()
        publish(f"路灯 第{round_}盏不亮")
        index_now()
        with app.app_context():
            cache = holder().state().cache
            fresh = FilterCache(cache.searcher)
            assert cache_contents(cache, keys, words) == cache_contents(fresh, keys, words)
            assert search("路灯").total == round_ + 2


def test_a_reopen_copies_only_the_filter_sets_a_search_uses_and_the_commit_changed(
        app, publish, index_now):
    """After a commit, a filter set is brought up to date by the first search that uses it:
    one the commit left alone is the previous searcher's own set, not a copy; one it changed
    holds the new document."""
    from portal.search.engine.cache import Carried

    publish("路灯不亮", area_code="riverside")
    for number in range(30):  # a large first segment: the next commit appends a segment
        publish(f"公园第{number}号座椅油漆剥落")
    index_now()
    with app.app_context():
        before = holder().state().cache
        riverside, daqiao = before.docs("area", "riverside"), before.docs("area", "daqiao")
    publish("垃圾桶满了", area_code="daqiao")
    index_now()
    with app.app_context():
        after = holder().state().cache
        assert after is not before
        assert type(after._docs[("area", "riverside")]) is Carried  # nothing read yet
        assert after.docs("area", "riverside") is riverside
        assert len(after.docs("area", "daqiao")) == len(daqiao) + 1
        assert after.docs("area", "daqiao") is not daqiao
        assert search("垃圾桶", filters={"area": "daqiao"}).total == 1
        assert search("路灯", filters={"area": "riverside"}).total == 1


def test_renewing_a_word_leaves_the_previous_searchers_postings_as_they_were(
        app, publish, index_now):
    """A word's postings renewed after a commit are new values: searches still running on
    the replaced searcher read what it read."""
    from portal.search.engine.cache import Carried

    lamp = publish("路灯不亮", area_code="riverside")
    for number in range(30):  # a large first segment: the next commit appends a segment
        publish(f"公园第{number}号座椅油漆剥落")
    index_now()
    with app.app_context():
        before = holder().state().cache
        old = before.word_docs("content", "路灯")
        read_before = old.as_dict()
        assert old.often is not None  # the title counts twice: a frequency other than 1
    with app.app_context():
        from portal.submissions.models import Submission
        add_support(db.session.get(Submission, lamp), visitor="test:renew",
                    address="192.0.2.9")  # re-indexed: the old document deleted
        db.session.commit()
    publish("路灯又坏了", area_code="daqiao")
    index_now()
    with app.app_context():
        after = holder().state().cache
        assert type(after._words[("content", "路灯")]) is Carried
        renewed = after.word_docs("content", "路灯")
        assert len(renewed) == 2 and renewed.as_dict() != read_before
        assert old.as_dict() == read_before and before.word_docs("content", "路灯") is old


def test_a_table_of_contents_removed_while_it_is_opened_is_read_again(
        app, publish, index_now, monkeypatch, caplog):
    """Every commit removes the previous table of contents: a reopen that lists it and then
    finds it gone opens the newer one, instead of reporting the index unreadable."""
    from portal.search import index as index_module

    publish("路灯不亮")
    index_now()
    publish("井盖松动")
    with app.app_context():
        while apply_changes():
            pass
    real_open, failures = index_module.open_index, []

    def open_after_a_commit_removed_the_table(path):
        if not failures:
            failures.append(path)
            raise FileNotFoundError(f"{path}/_MAIN_1.toc")
        return real_open(path)

    monkeypatch.setattr(index_module, "open_index", open_after_a_commit_removed_the_table)
    with app.app_context():
        refresh_searcher()
        assert failures and not [r for r in caplog.records if r.levelname == "ERROR"]
        assert search("井盖").total == 1


def test_a_table_of_contents_removed_while_the_indexer_opens_it_is_read_again(
        app, publish, index_now, monkeypatch, caplog):
    """The merger commits beside the indexer: the table of contents the indexer listed may be
    gone when it reads it. It reads the newer one and goes on; it never rebuilds the index
    for that."""
    from whoosh import index as whoosh_index

    publish("路灯不亮")
    index_now()
    with app.app_context():
        before = current_generation(index_root())
    publish("井盖松动")
    real_open, failures = whoosh_index.open_dir, []

    def open_after_a_commit_removed_the_table(path, *args, **kwargs):
        if not failures:
            failures.append(path)
            raise FileNotFoundError(f"{path}/_MAIN_1.toc")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(whoosh_index, "open_dir", open_after_a_commit_removed_the_table)
    caplog.clear()  # the first build's own "rebuilding"
    with app.app_context():
        assert apply_changes() > 0
        assert failures and current_generation(index_root()) == before
        assert not [r for r in caplog.records if "rebuilding" in r.getMessage()]
        refresh_searcher()
        assert search("井盖").total == 1


def index_commits(app):
    """The current generation's Whoosh commit number."""
    with app.app_context():
        return search_index.open_index(current_generation(index_root())).latest_generation()


def test_a_change_that_leaves_the_document_as_it_was_is_applied_without_a_write(
        app, make_submission, index_now):
    """A reply (or any change the index does not show) moves the position without a commit;
    a change the index shows is written; a process that does not remember what it wrote (a
    restarted worker) writes again, and the results are those of a rebuild."""
    index_now()  # an empty index first: the history's documents are written by this process
    ids = make_history(app, make_submission)
    index_now()
    commits = index_commits(app)
    with app.app_context():
        for submission_id in ids:
            add_official_reply(db.session.get(Submission, submission_id), actor="test",
                               text="已转交街道处理。")
        db.session.commit()
        latest = db.session.execute(db.select(db.func.max(ChangeLog.id))).scalar()
        assert apply_changes() == 3
        assert read_position(current_generation(index_root()))["last_id"] == latest
    assert index_commits(app) == commits

    with app.app_context():
        change_status(db.session.get(Submission, ids[0]), "in_progress", actor="test")
        db.session.commit()
        assert apply_changes() == 1
    assert index_commits(app) == commits + 1
    assert "in_progress" in dict(snapshot(app)[("路灯", True)][2])

    with app.app_context():  # forgotten: the next change is written even if nothing differs
        app.extensions.pop("portal_index_written")
        add_official_reply(db.session.get(Submission, ids[1]), actor="test", text="再次答复。")
        db.session.commit()
        assert apply_changes() == 1
    assert index_commits(app) == commits + 2

    def found(snapshot):  # equal scores are ordered by index position: compare the sets
        return {key: (sorted(ids), total, facets)
                for key, (ids, total, facets) in snapshot.items()}

    incremental = found(snapshot(app))
    with app.app_context():
        rebuild_index()
    assert found(snapshot(app)) == incremental


def test_what_was_written_is_remembered_per_generation(app, make_submission, index_now):
    """A rebuild (another generation) may hold another version of a document than the one
    this process wrote before: a change back to that earlier version is written."""
    index_now()
    with app.app_context():
        submission = make_submission(title="路灯坏了", body="滨江步道的路灯坏了。")
        assert apply_changes() == 1  # written as received, and remembered
        change_status(submission, "held", actor="test", public=False)
        db.session.commit()
        submission_id = submission.id
        rebuild_index()  # the new generation holds it as held
        change_status(db.session.get(Submission, submission_id), "received", actor="test")
        db.session.commit()
        apply_changes()
    assert snapshot(app)[("路灯", True)][2] == [("received", 1)]
