"""One open searcher per process and index directory, with per-searcher caches.

Web processes only read the index. The searcher is opened once and reopened in a background
thread (which checks every PORTAL_SEARCH_REOPEN seconds while searches come) when the index
changed, so no request pays for reopening.
"""
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from portal.core.memory import return_freed_memory
from portal.search import index as search_index
from portal.search.engine import FilterCache, new_cache
from portal.search.engine.postings import segment_ids
from portal.search.indexer import current_generation, index_root
from portal.search.words import ensure_place_words

log = logging.getLogger(__name__)
OPEN_ATTEMPTS = 3
# A process keeps its searcher current this long after its last search; then it stops checking
# (its next search starts again), so a worker busy with other requests does not reopen at
# every commit for nobody.
KEEP_CURRENT_SECONDS = 5.0
# How often a process checks for a newer commit while searches come (PORTAL_SEARCH_REOPEN).
# A check reads the index's table of contents only, and a reopen happens at most once per
# commit however often it is checked: a short interval costs little, and it is most of how
# soon a submission just indexed can be found.
REOPEN_SECONDS = 0.1


def _close_quietly(searcher) -> None:
    try:
        searcher.close()
    except Exception:  # already closed, or its files removed by a rebuild
        log.debug("closing a replaced searcher failed", exc_info=True)


@dataclass
class SearcherState:
    generation: Path
    index: object
    commit: int  # the index's newest commit when the searcher was opened
    searcher: object
    cache: FilterCache
    users: int = 0  # searches using it now (see SearcherHolder.lease)
    retired: bool = False  # replaced by a newer searcher: closed when its last user is done

    def shows_latest(self) -> bool:
        """True while nothing was committed to the index since the searcher opened.

        Whoosh's own `up_to_date()` compares with the reader's generation, which an empty
        index's reader does not have: an empty index would be reopened on every check (and
        every search page cached under it missed).
        """
        return self.index.latest_generation() == self.commit


class SearcherHolder:
    """One open searcher per process and index directory, refreshed off the request path."""

    def __init__(self, root: Path, interval: float = REOPEN_SECONDS):
        self.root = Path(root)
        self.interval = interval
        self._state = None
        self._lock = threading.Lock()  # one open or reopen at a time
        self._searched = 0.0  # when the last search asked for the searcher (monotonic)
        self._watching = False  # the thread keeping the searcher current runs
        self._watch_lock = threading.Lock()
        self._pid = os.getpid()
        self.opened = 0  # searchers opened so far: a version of what this process's search sees
        self._users_lock = threading.Lock()  # the current state, its users and its retirement

    def state(self):
        """The current SearcherState, or None when there is no readable index yet."""
        if self._pid != os.getpid():  # forked: never share open files (or a thread) with it
            self._pid, self._state, self._watching = os.getpid(), None, False
        self._searched = time.monotonic()
        if self._state is None:
            self.refresh()  # nothing to serve yet: the first search in a process opens it
        self._watch()
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

    def _watch(self) -> None:
        """Start the thread that keeps the searcher current, unless it runs."""
        with self._watch_lock:
            if self._watching:
                return
            self._watching = True
        threading.Thread(target=self._keep_current, name="searcher-refresh",
                         daemon=True).start()

    def _keep_current(self) -> None:
        """Check for a newer commit every `interval` seconds while searches come.

        On a clock, not at each search: under load a search waits in the server's queue, and
        checks made only as searches arrived left a new commit unseen for several intervals.
        """
        while True:
            time.sleep(self.interval)
            with self._watch_lock:
                if time.monotonic() - self._searched > KEEP_CURRENT_SECONDS:
                    self._watching = False
                    return
            try:
                self.refresh()
            except Exception:  # the next check tries again
                log.exception("checking the search index %s for changes failed", self.root)

    def forget(self, state) -> None:
        """Drop a searcher that failed; the next search reopens (or reports the index missing)."""
        if self._state is state:
            self._replace(None)

    def refresh(self) -> None:
        """Reopen the searcher if the index (or its generation) changed."""
        with self._lock:
            generation = current_generation(self.root)
            state = self._state
            if generation is None:
                return
            try:
                if (state is not None and state.generation == generation
                        and state.shows_latest()):
                    return
                opened = self._open(generation, state)
            except Exception:  # any unreadable index: serve none, never a 500
                log.exception("search index %s unreadable; the worker rebuilds it", generation)
                self._replace(None)
                return
            if opened is None:  # merges kept removing segments being read: next check
                return
            self._replace(opened)
            self.opened += 1
            state = None  # the replaced caches are freed now (or when the last search ends)
            return_freed_memory()

    @staticmethod
    def _open(generation, state):
        """A warmed SearcherState over the index's latest commit, starting from `state`'s
        caches; None when, at each attempt, a commit removed files while they were read.

        Whoosh opens a segment's columns when first read, and the files of a segment a merge
        joined are removed once a commit no longer lists it: a column first read after that
        reads as empty. Every segment still listed when the warm-up ends was read whole.
        """
        for _attempt in range(OPEN_ATTEMPTS):
            try:
                ix = search_index.open_index(generation)
                # Read before opening: a commit in between costs one more reopen, never a
                # missed change.
                commit = ix.latest_generation()
                searcher = ix.searcher()
            except FileNotFoundError:  # a newer commit removed the table of contents or a
                continue  # segment being opened (every commit removes the previous one's)
            try:
                same_index = state is not None and state.generation == generation
                cache = new_cache(searcher, state.cache.memo if same_index else None)
                carried = same_index and cache.carry_over(state.cache)
                cache.warm(state.cache if state is not None and not carried else None,
                           characters=not carried, first=state is None)
            except Exception:
                if _all_listed(ix, searcher):  # unreadable for another reason
                    raise
                _close_quietly(searcher)
                continue
            if _all_listed(ix, searcher):
                cache.forget_other_segments()
                return SearcherState(generation, ix, commit, searcher, cache)
            _close_quietly(searcher)
        log.warning("search index %s changed under each of %d attempts to open it; trying "
                    "again at the next check", generation, OPEN_ATTEMPTS)
        return None


def _all_listed(ix, searcher) -> bool:
    """Whether the index's latest commit still lists every segment of `searcher` (so none of
    their files was removed)."""
    try:
        return segment_ids(searcher) <= search_index.listed_segments(ix)
    except search_index.OPEN_ERRORS:  # a newer commit replaced the one being read
        return False


def holder() -> SearcherHolder:
    """This app's SearcherHolder (one per process, created on first use)."""
    ensure_place_words()
    holders = current_app.extensions.setdefault("portal_search", {})
    root = index_root()
    if root not in holders:
        interval = current_app.config.get("PORTAL_SEARCH_REOPEN", REOPEN_SECONDS)
        holders[root] = SearcherHolder(root, interval)
    return holders[root]


def searcher_version() -> str:
    """Which searcher this process's searches use now (pages cached by it:
    portal.core.pagecache)."""
    searchers = holder()
    return f"{searchers.opened}:{searchers.state() is not None}"


def refresh_searcher() -> None:
    """Reopen this process's searcher now (commands and tests; requests never wait for it)."""
    holder().refresh()


def open_in_background(app) -> threading.Thread:
    """Open and warm this process's searcher in a thread (a web worker, just forked).

    The first open reads every facet column document by document; done at boot, the
    worker's first search does not wait for it.
    """
    def run():
        try:
            with app.app_context():
                refresh_searcher()
        except Exception:  # no index yet: the first search reports it
            log.warning("could not open the search index at start", exc_info=True)

    thread = threading.Thread(target=run, name="search-open", daemon=True)
    thread.start()
    return thread
