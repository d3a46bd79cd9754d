"""One open searcher per process and index directory, with per-searcher caches.

Web processes only read the index. The searcher is opened once and reopened in a background
thread (at most once a second) when the index changed, so no request pays for reopening.
"""
import ctypes
import heapq
import logging
import os
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, and_, mul, neg, truediv
from pathlib import Path

from flask import current_app

from portal.search import index as search_index
from portal.search.indexer import current_generation, index_root
from portal.search.words import ensure_place_words

log = logging.getLogger(__name__)
WORD_CACHE_SIZE = 512  # postings of recent query words, per searcher
# ... and at most this many postings in all: about 60 MB with their per-segment copy (memo).
WORD_CACHE_POSTINGS = 400_000
WARM_WORDS = 200  # most recent words of the old searcher scored again on a new one
WARM_COLUMNS = ("kind", "category", "area", "station", "status", "channel", "created")
RESULT_CACHE_SIZE = 256  # rankings of recent searches (pages, facet clicks repeat them)


def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, macOS): nothing to do
        return None


_LIBC = _libc()


def _return_freed_memory() -> None:
    """Give the heap pages freed by a replaced searcher's caches back to the system.

    Each reopen builds sets and lists of several MB and frees the previous ones; glibc keeps
    freed pages for reuse, and with allocations interleaved a web worker's RSS crept up by
    about 50 MB in 30 s of searches while the index changed every second (bench/run_all.py
    at 100,000 submissions); trimmed after each reopen it stays level.
    """
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


def _close_quietly(searcher) -> None:
    try:
        searcher.close()
    except Exception:  # noqa: BLE001  (already closed, or its files removed by a rebuild)
        log.debug("closing a replaced searcher failed", exc_info=True)


class FilterCache:
    """Per-searcher caches: document sets of filter values, scored words, columns, rankings.

    Filters and frequent words repeat across requests; sets intersect in C, where Whoosh's
    matchers would walk every posting in Python. A word's postings are kept as
    {document number: frequency}, so its keys are its document set and a ranking scores
    only the filtered candidates, in C steps, instead of Whoosh scoring every match in
    Python. A new searcher starts a new cache, warmed before it serves (`warm`).
    """

    def __init__(self, searcher, memo=None):
        self.searcher = searcher
        # What was read per segment, shared with the next searcher over the same index
        # (segments never change once written; see index._per_segment).
        self.memo = {} if memo is None else memo
        self._segments = search_index.segment_ids(searcher)
        # One int object per document number, shared by every set and dict below (see
        # search_index.postings): at 100,000 documents, the caches' ints would otherwise be
        # copies, 32 bytes each per word and filter value that holds the document.
        self._numbers = list(range(searcher.doc_count_all()))
        self._docs = {}
        self._columns = {}
        self._lengths = {}
        self._norms = {}
        self._ranges = {}
        self._deleted = None
        self._words = OrderedDict()
        self._postings = 0
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

    def deleted(self) -> frozenset:
        if self._deleted is None:
            self._deleted = search_index.deleted_docs(self.searcher)
        return self._deleted

    def lengths(self, field_name) -> bytes:
        if field_name not in self._lengths:
            self._lengths[field_name] = search_index.length_bytes(self.searcher, field_name,
                                                                  self.memo)
        return self._lengths[field_name]

    def norms(self, field_name) -> list:
        """BM25's length normalisation of every document's `field_name`, by document number."""
        if field_name not in self._norms:
            table = search_index.length_norms(self.searcher, field_name)
            self._norms[field_name] = list(map(table.__getitem__, self.lengths(field_name)))
        return self._norms[field_name]

    def word_docs(self, field_name, word) -> dict:
        """{document number: frequency} of `word` in `field_name` (the keys are its set)."""
        key = (field_name, word)
        with self._lock:
            if key in self._words:
                self._words.move_to_end(key)
                return self._words[key]
        ids, weights = search_index.postings(self.searcher, field_name, word, self.deleted(),
                                             memo=self.memo, numbers=self._numbers)
        found = dict(zip(ids, weights))
        with self._lock:
            if key not in self._words:
                self._postings += len(found)
            self._words[key] = found
            while len(self._words) > 1 and (len(self._words) > WORD_CACHE_SIZE
                                            or self._postings > WORD_CACHE_POSTINGS):
                (old_field, old_word), dropped = self._words.popitem(last=False)
                self._postings -= len(dropped)
                for segment in self._segments:
                    self.memo.pop((segment, "postings", old_field, old_word, True), None)
        return found

    def forget_words(self) -> None:
        """Empty the word and result caches (benchmarks measure uncached queries with it)."""
        with self._lock:
            self._words.clear()
            self._postings = 0
            self._results.clear()
            for key in [k for k in list(self.memo) if k[1] == "postings" and k[-1]]:
                self.memo.pop(key, None)

    def _alternatives(self, words, fields) -> list:
        """[(field, word, documents)] a group's words stand for: {document: frequency} for
        words (one per text field), a set for a (keyword field, value) pair."""
        found = []
        for word in words:
            if isinstance(word, tuple) and word[0] == search_index.CHARS:
                found.extend((f, word, self.word_docs(f, word)) for f in fields)
            elif isinstance(word, tuple):
                found.append((word[0], word[1], self.docs(*word)))
            else:
                found.extend((f, word, self.word_docs(f, word)) for f in fields)
        return found

    def matching(self, groups, fields, allowed=None) -> set:
        """Documents matching every group of a parsed query, within `allowed` (a set, or None
        for all): a new set.

        Each word's documents are its cached {document: frequency} (or, for a word with
        alternatives, their union); the smallest collection is copied and filtered by the
        others' membership, in C, so a frequent word costs lookups for the few candidates
        left, not a copy of its postings.
        """
        collections = [] if allowed is None else [allowed]
        phrases = []
        for kind, words in groups:
            if kind == "phrase":
                phrases.append((kind, words))
                continue
            found = [docs for _f, _w, docs in self._alternatives(words, fields)]
            collections.append(found[0] if len(found) == 1 else set().union(*found))
        if not collections and not phrases:
            return set(self.all())
        collections.sort(key=len)
        result = set(collections[0]) if collections else None
        for other in collections[1:]:
            if not result:
                return set()
            result = set(filter(other.__contains__, result))
        for phrase in phrases:  # Whoosh's phrase query, the costliest part: last
            if result is not None and not result:
                break
            found = search_index.docs_matching(
                self.searcher, search_index.to_query([phrase], fields))
            result = found & result if result is not None else found
        return result

    def ranking(self, groups, fields, candidates, limit, newest=False) -> list:
        """The best `limit` of `candidates` (document numbers), best first.

        Relevance is BM25 summed over the query's words (a word naming a category, area or
        station counts 1 where it names the document's), as Whoosh would score the query;
        equal scores keep the older document first. Newest, or no words at all: by creation
        time from the column, never by sorting every match.
        """
        candidates = list(candidates)
        if newest or not groups:
            created = self.column("created")
            return [d for _c, d in heapq.nlargest(
                limit, zip(map(created.__getitem__, candidates), candidates))]
        totals = None
        for _kind, words in groups:
            for field_name, word, found in self._alternatives(words, fields):
                if not found:
                    continue
                if isinstance(found, dict):
                    # idf * f * (K1 + 1) / (f + norm), for the candidates only, each step a
                    # map() in C rather than a Python expression per document.
                    freqs = list(map(found.get, candidates, repeat(0.0)))
                    norms = map(self.norms(field_name).__getitem__, candidates)
                    merged = len(found) if isinstance(word, tuple) else None  # a character
                    scale = search_index.idf(self.searcher, field_name, word, merged) * \
                        (search_index.K1 + 1)
                    scores = map(mul, map(truediv, freqs, map(add, freqs, norms)),
                                 repeat(scale))
                else:  # a keyword set
                    scores = map(found.__contains__, candidates)
                totals = list(scores) if totals is None else list(map(add, totals, scores))
        return [-d for _s, d in heapq.nlargest(limit, zip(totals, map(neg, candidates)))]

    def docs(self, field_name, value) -> set:
        key = (field_name, value)
        if key not in self._docs:
            ids, _weights = search_index.postings(self.searcher, field_name, value,
                                                  self.deleted(), want_weights=False,
                                                  memo=self.memo, numbers=self._numbers)
            self._docs[key] = set(ids)
        return self._docs[key]

    def all(self) -> set:
        if ("*", None) not in self._docs:
            self._docs[("*", None)] = search_index.all_doc_numbers(
                self.searcher, self.deleted(), self._numbers)
        return self._docs[("*", None)]

    def created_between(self, start, end) -> set:
        """Documents created between two naive UTC datetimes (either may be None)."""
        key = (start, end)
        if key not in self._ranges:
            created = self.column("created")
            flags = repeat(True)
            if start is not None:
                flags = map(search_index.column_time(start).__le__, created)
            if end is not None:
                before = map(search_index.column_time(end).__ge__, created)
                flags = before if start is None else map(and_, flags, before)
            self._ranges[key] = set(compress(range(len(created)), flags)) - self.deleted()
        return self._ranges[key]

    def stored_ids(self, docnums) -> list:
        """The submission ids stored with these document numbers (a page's worth)."""
        return [int(self.searcher.stored_fields(d)["id"]) for d in docnums]

    def column(self, field_name) -> list:
        """Values of a facet field by document number ("created": sortable integers)."""
        if field_name not in self._columns:
            self._columns[field_name] = search_index.column_values(
                self.searcher, field_name, self.memo, translate=field_name != "created")
        return self._columns[field_name]

    def forget_other_segments(self) -> None:
        """Drop what was remembered of segments this searcher no longer has (merged away)."""
        for key in [k for k in list(self.memo) if k[0] not in self._segments]:
            self.memo.pop(key, None)

    def carry_over(self, previous) -> bool:
        """Start from what `previous` (the searcher this one replaces) holds, for the documents
        both number alike; False when they share none (a merge rewrote the first segment).

        Under constant writes the index reopens every second after a commit of a few documents:
        only the new segments are read, and a filter set or a word's postings the commit did not
        touch is the same object in both caches (copied only where documents came or went), so
        a reopen costs neither the full warm-up's CPU nor a second copy of every cache.
        """
        shared = search_index.shared_documents(previous.searcher, self.searcher)
        if not shared:
            return False
        deleted = self.deleted()
        # Documents of the previous numbering that are no longer what they were: deleted since
        # (an update replaces a document), or in segments a merge rewrote (numbered anew).
        gone = (deleted - previous.deleted()) | set(range(shared, len(previous._numbers)))
        self._numbers = previous._numbers[:shared] + self._numbers[shared:]
        live_new = [d for d in self._numbers[shared:] if d not in deleted]

        def renewed(old, field_name, value, weights):
            """`old` (a word's {document: frequency} or a filter's set) for this searcher."""
            ids, frequencies = search_index.postings(
                self.searcher, field_name, value, deleted, want_weights=weights, memo=self.memo,
                numbers=self._numbers, since=shared)
            leaving = [number for number in gone if number in old]
            if not ids and not leaving:
                return old  # untouched by this commit: shared with the previous searcher
            fresh = old.copy()
            for number in leaving:
                if weights:
                    del fresh[number]
                else:
                    fresh.discard(number)
            fresh.update(zip(ids, frequencies) if weights else ids)
            return fresh

        for key, docs in list(previous._docs.items()):
            if key == ("*", None):
                fresh = docs - gone
                fresh.update(live_new)
                self._docs[key] = fresh
            else:
                self._docs[key] = renewed(docs, key[0], key[1], False)
        with previous._lock:
            words = list(previous._words.items())
        for key, found in words:
            self._words[key] = renewed(found, key[0], key[1], True)
            self._postings += len(self._words[key])
        for name, values in list(previous._columns.items()):
            self._columns[name] = values[:shared] + search_index.column_values(
                self.searcher, name, self.memo, translate=name != "created", since=shared)
        for name, lengths in list(previous._lengths.items()):
            self._lengths[name] = lengths[:shared] + search_index.length_bytes(
                self.searcher, name, self.memo, since=shared)
        return True

    def warm(self, previous=None) -> None:
        """Fill the caches a request would need, before this searcher serves any.

        Runs where the searcher is (re)opened, off the request path: the filter sets and
        columns, the length norms, the character tables, then the filter values and words
        most recently used on the previous searcher, so the first searches after a reopen
        cost what they cost before it.
        """
        search_index.open_stored_fields(self.searcher)
        self.all()
        self.docs("published", True)
        for name in WARM_COLUMNS:
            self.column(name)
        for name in search_index.TEXT_FIELDS:
            self.norms(name)
        # Which terms hold each Chinese character (one-character searches; a new segment's
        # lexicon only, after the first time).
        search_index.prepare_characters(self.searcher, "content", self.memo)
        if previous is None:
            return
        for key in list(previous._docs):
            if key != ("*", None):
                self.docs(*key)
        with previous._lock:
            recent = list(previous._words)[-WARM_WORDS:]
        for field_name, word in reversed(recent):
            self.word_docs(field_name, word)


@dataclass
class SearcherState:
    generation: Path
    searcher: object
    cache: FilterCache
    users: int = 0  # searches using it now (see SearcherHolder.lease)
    retired: bool = False  # replaced by a newer searcher: closed when its last user is done


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
        self.opened = 0  # searchers opened so far: a version of what this process's search sees
        self._users_lock = threading.Lock()  # the current state, its users and its retirement

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

    @contextmanager
    def lease(self):
        """The current SearcherState (or None), kept open until the block ends.

        A replaced searcher is closed as soon as no search uses it: each one holds its own
        segment readers (term tables, column offsets), and under constant writes the index
        reopens every second.
        """
        self.state()  # opens it, or starts a background refresh when one is due
        with self._users_lock:
            state = self._state
            if state is not None:
                state.users += 1
        try:
            yield state
        finally:
            if state is not None:
                with self._users_lock:
                    state.users -= 1
                    done = state.retired and state.users == 0
                if done:
                    _close_quietly(state.searcher)

    def _replace(self, new_state) -> None:
        """Make `new_state` current; the old one closes now, or when its last search ends."""
        with self._users_lock:
            old, self._state = self._state, new_state
            done = old is not None and old is not new_state and old.users == 0
            if old is not None:
                old.retired = True
        if done:
            _close_quietly(old.searcher)

    def _refresh_in_background(self):
        try:
            self.refresh()
        finally:
            self._refreshing = False

    def forget(self, state) -> None:
        """Drop a searcher that failed; the next search reopens (or reports the index missing)."""
        if self._state is state:
            self._replace(None)

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
                same_index = state is not None and state.generation == generation
                cache = FilterCache(searcher, state.cache.memo if same_index else None)
                carried = same_index and cache.carry_over(state.cache)
                cache.warm(state.cache if state is not None and not carried else None)
                cache.forget_other_segments()
            except Exception:  # noqa: BLE001  (any unreadable index: serve none, never a 500)
                log.exception("search index %s unreadable; the worker rebuilds it", generation)
                self._replace(None)
                return
            self._replace(SearcherState(generation, searcher, cache))
            self.opened += 1
            state = None  # the replaced caches are freed now (or when the last search ends)
            _return_freed_memory()


def holder() -> SearcherHolder:
    """This app's SearcherHolder (one per process, created on first use)."""
    ensure_place_words()
    holders = current_app.extensions.setdefault("portal_search", {})
    root = index_root()
    if root not in holders:
        holders[root] = SearcherHolder(root, current_app.config.get("PORTAL_SEARCH_REOPEN", 1.0))
    return holders[root]


def searcher_version() -> str:
    """Which searcher this process's searches use now (pages cached by it: portal.core.pagecache)."""
    searchers = holder()
    return f"{searchers.opened}:{searchers.state() is not None}"


def refresh_searcher() -> None:
    """Reopen this process's searcher now (commands and tests; requests never wait for it)."""
    holder().refresh()


def open_in_background(app) -> threading.Thread:
    """Open and warm this process's searcher in a thread (a web worker, just forked).

    The first open reads every facet column document by document (about half a second at
    100,000 submissions); done at boot, the worker's first search does not wait for it.
    """
    def run():
        try:
            with app.app_context():
                refresh_searcher()
        except Exception:  # noqa: BLE001  (no index yet: the first search reports it)
            log.warning("could not open the search index at start", exc_info=True)

    thread = threading.Thread(target=run, name="search-open", daemon=True)
    thread.start()
    return thread
