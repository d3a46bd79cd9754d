"""The storage adapter's check of the installed Whoosh, and the fallback when it fails."""
import pytest

from portal.search import engine
from portal.search.engine import storage
from portal.search.engine.fallback import WhooshCache
from portal.search.searchers import holder
from portal.search.services import search


def test_the_installed_whoosh_is_the_one_the_adapter_reads():
    """If this fails, read the message: install the pinned version or adapt storage.py."""
    status = storage.check()
    assert status.ok, status.message
    assert storage.installed_version("whoosh-reloaded") == storage.VERSION
    assert storage.STATUS.ok


@pytest.mark.parametrize("version,objects,expected", [
    ("2.7.6", None, "whoosh-reloaded 2.7.6 is installed"),
    ("", None, "whoosh-reloaded is not installed"),
    (storage.VERSION, {"posting matcher": object()}, "posting matcher has no attribute _read_data"),
])
def test_a_mismatch_says_what_is_wrong_and_what_to_do(version, objects, expected):
    if objects is not None:  # every internal found but one matcher without its attributes
        objects = {**storage.probe(), **objects}
    status = storage.check(version=version or False, objects=objects)
    assert not status.ok
    assert expected in status.message
    assert "pip install -r requirements.txt" in status.message
    assert "adapt storage.py" in status.message
    assert "Whoosh's own searcher" in status.message


def test_on_a_mismatch_searches_use_whooshs_searcher_and_say_so_once(app, publish, index_now,
                                                                    monkeypatch):
    lamp = publish("滨江步道路灯不亮")
    publish("垃圾桶满了")
    monkeypatch.setattr(storage, "STATUS", storage.Status(["simulated mismatch"]))
    monkeypatch.setattr(engine, "_warned", [])
    logged = []  # recorded directly: other tests may reconfigure logging
    monkeypatch.setattr(engine.log, "warning", lambda text, *args: logged.append(text % args))
    index_now()
    app.extensions.pop("portal_search", None)  # a new process: opens a new searcher
    with app.app_context():
        found = search("路灯")
        assert found.state == "ok" and [h.submission.id for h in found.hits] == [lamp]
        assert isinstance(holder().state().cache, WhooshCache)
        holder().refresh()
        assert search("滨江 路燈").total == 1
    assert len(logged) == 1 and "simulated mismatch" in logged[0]


def test_processes_starting_together_all_pass_the_check():
    """Processes starting at once (test workers, a web server beside its worker) each probe
    Whoosh at import; none may remove files another one's probe is writing."""
    import concurrent.futures

    with concurrent.futures.ProcessPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(storage.check, [None] * 16))
    assert all(status.ok for status in statuses), [s.message for s in statuses if not s.ok]
