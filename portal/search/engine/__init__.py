"""The search engine over Whoosh's storage: matching, BM25 ranking and facets on cached sets.

Modules: storage (the only one reading Whoosh internals, with its version check), postings
(per-segment reading and BM25's parts), matching (matching, scoring, facets), cache (the
per-searcher caches and their carry-over), fallback (Whoosh's own searcher, used when the
check fails). `new_cache` is the entry point.
"""
import logging

from portal.search.engine import storage
from portal.search.engine.cache import FilterCache
from portal.search.engine.fallback import WhooshCache

log = logging.getLogger(__name__)
_warned = []


def new_cache(searcher, memo=None) -> FilterCache:
    """The engine over `searcher`: its own when storage's check passed, else Whoosh's."""
    if storage.STATUS.ok:
        return FilterCache(searcher, memo)
    if not _warned:  # once per process
        _warned.append(True)
        log.warning("%s", storage.STATUS.message)
    return WhooshCache(searcher)
