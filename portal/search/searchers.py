"""One open searcher per process and index directory, with per-searcher caches.

Web processes only read the index. The searcher is opened once and reopened in a background
thread (at most once a second) when the index changed, so no request pays for reopening.
"""
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from portal.search import index as search_index
from portal.search.indexer import current_generation, index_root
from portal.search.words import ensure_place_words

log = logging.getLogger(__name__)
WORD_CACHE_SIZE = 512  # document sets of recent query words, per searcher
CLOSE_AFTER = 30.0  # seconds a replaced searcher stays open for requests still using it
RESULT_CACHE_SIZE = 256  # rankings of recent searches (pages, facet clicks repeat them)


def _close_quietly(searcher) -> None:
    try:
        searcher.close()
    except Exception:  # noqa: BLE001  (already closed, or its files removed by a rebuild)
        log.debug("closing a replaced searcher failed", exc_info=True)


class FilterCache:
    """Per-searcher caches: document sets of filter values and words, facet columns.

    Filters and frequent words repeat across requests; sets intersect in C, where Whoosh's
    matchers would walk every posting in Python. A new searcher starts a new cache.
    """

    def __init__(self, searcher):
        self.searcher = searcher
        self._docs = {}
        self._columns = {}
        self._words = OrderedDict()
        self._results = OrderedDict()
        self._lock = threading.Lock()

    def remembered(self, key, compute):
        """A ranking computed once per searcher for the same search (key), then reused."""
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        value = compute()
        with self._lock:
            self._results[key] = value
            while len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return value

    def word_docs(self, field_name, word) -> set:
        key = (field_name, word)
        with self._lock:
            if key in self._words:
                self._words.move_to_end(key)
                return self._words[key]
        docs = search_index.docs_matching(self.searcher, search_index.term(field_name, word))
        with self._lock:
            self._words[key] = docs
            while len(self._words) > WORD_CACHE_SIZE:
                self._words.popitem(last=False)
        return docs

    def forget_words(self) -> None:
        """Empty the word and result caches (benchmarks measure uncached queries with it)."""
        with self._lock:
            self._words.clear()
            self._results.clear()

    def matching(self, groups, fields) -> set:
        """Documents matching every group of a parsed query (a new set)."""
        result = None
        for kind, words in sorted(groups, key=lambda g: g[0] == "phrase"):
            if kind == "phrase":
                found = search_index.docs_matching(
                    self.searcher, search_index.to_query([(kind, words)], fields))
                found = found & result if result is not None else found
            else:
                sets = [self.docs(*w) if isinstance(w, tuple) else self.word_docs(f, w)
                        for w in words for f in (fields if isinstance(w, str) else (None,))]
                found = set().union(*sets)
                if result is not None:
                    found &= result
            result = found
            if not result:
                break
        return result if result is not None else set(self.all())

    def docs(self, field_name, value) -> set:
        key = (field_name, value)
        if key not in self._docs:
            self._docs[key] = search_index.docs_matching(
                self.searcher, search_index.term(field_name, value))
        return self._docs[key]

    def all(self) -> set:
        if ("*", None) not in self._docs:
            self._docs[("*", None)] = search_index.docs_matching(self.searcher,
                                                                 search_index.all_docs())
        return self._docs[("*", None)]

    def column(self, field_name) -> list:
        if field_name not in self._columns:
            self._columns[field_name] = search_index.column_values(self.searcher, field_name)
        return self._columns[field_name]


@dataclass
class SearcherState:
    generation: Path
    searcher: object
    cache: FilterCache


class SearcherHolder:
    """One open searcher per process and index directory, refreshed off the request path."""

    def __init__(self, root: Path, interval: float = 1.0):
        self.root = Path(root)
        self.interval = interval
        self._state = None
        self._checked = 0.0
        self._refreshing = False
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def state(self):
        """The current SearcherState, or None when there is no readable index yet."""
        if self._pid != os.getpid():  # forked: never share open files with the parent
            self._pid, self._state, self._refreshing = os.getpid(), None, False
        if self._state is None:
            self.refresh()  # nothing to serve yet: the first search in a process opens it
            return self._state
        now = time.monotonic()
        if now - self._checked >= self.interval and not self._refreshing:
            self._checked, self._refreshing = now, True
            threading.Thread(target=self._refresh_in_background, daemon=True).start()
        return self._state

    def _refresh_in_background(self):
        try:
            self.refresh()
        finally:
            self._refreshing = False

    def forget(self, state) -> None:
        """Drop a searcher that failed; the next search reopens (or reports the index missing)."""
        if self._state is state:
            self._state = None

    def refresh(self) -> None:
        """Reopen the searcher if the index (or its generation) changed."""
        with self._lock:
            self._checked = time.monotonic()
            generation = current_generation(self.root)
            state = self._state
            if generation is None:
                return
            try:
                if (state is not None and state.generation == generation
                        and state.searcher.up_to_date()):
                    return
                searcher = search_index.open_searcher(generation)
            except Exception:  # noqa: BLE001  (any unreadable index: serve none, never a 500)
                log.exception("search index %s unreadable; the worker rebuilds it", generation)
                self._state = None
                return
            self._state = SearcherState(generation, searcher, FilterCache(searcher))
            if state is not None:  # close the old one once requests using it are done
                timer = threading.Timer(CLOSE_AFTER, _close_quietly, [state.searcher])
                timer.daemon = True
                timer.start()


def holder() -> SearcherHolder:
    """This app's SearcherHolder (one per process, created on first use)."""
    ensure_place_words()
    holders = current_app.extensions.setdefault("portal_search", {})
    root = index_root()
    if root not in holders:
        holders[root] = SearcherHolder(root, current_app.config.get("PORTAL_SEARCH_REOPEN", 1.0))
    return holders[root]


def refresh_searcher() -> None:
    """Reopen this process's searcher now (commands and tests; requests never wait for it)."""
    holder().refresh()
