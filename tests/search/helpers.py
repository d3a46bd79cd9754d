"""Plain helpers for the search tests."""
from portal.search.indexer import apply_changes
from portal.search.merger import merge_segments
from portal.search.searchers import refresh_searcher


def drain(app):
    """Apply the whole change log to the index and merge the segments due for it, as the
    worker's indexer and merger do, then reopen this process's searcher."""
    with app.app_context():
        while apply_changes():
            pass
        while merge_segments():
            pass
        refresh_searcher()


def cache_contents(cache, keys, words):
    """What a searcher's caches say, as plain values (for comparing two caches)."""
    return {"all": set(cache.all()),
            "docs": {key: set(cache.docs(*key)) for key in keys},
            "words": {key: cache.word_docs(*key).as_dict() for key in words},
            "columns": {name: list(cache.column(name)) for name in ("area", "status", "created")},
            "norms": [cache.norm_table("content")[length] for length in cache.lengths("content")]}
