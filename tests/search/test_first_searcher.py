"""A process's first searcher reads the most frequent words before it serves; reopens do not
read the lexicon again."""
from portal.search.engine import postings as engine_postings
from portal.search.searchers import holder


def test_only_a_processs_first_searcher_reads_the_frequent_words(app, publish, index_now,
                                                                 monkeypatch):
    scans = []
    scan = engine_postings.frequent_words
    monkeypatch.setattr(engine_postings, "frequent_words",
                        lambda *args: scans.append(args[1:]) or scan(*args))
    publish("路灯不亮", "滨江步道的路灯不亮了")
    publish("路灯闪烁", "夜间路灯一直闪烁")
    index_now()
    with app.app_context():
        cache = holder().state().cache
        assert [field for field, *_limits in scans] == ["content"]
        assert ("content", "路灯") in cache._words  # in both: among the most frequent
    publish("垃圾桶满了", "垃圾桶满了，请清理")
    index_now()  # reopened after a commit
    with app.app_context():
        assert holder().opened >= 2 and len(scans) == 1
        assert holder().state().cache.word_docs("content", "垃圾桶").docs
