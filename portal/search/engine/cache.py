"""Per-searcher caches: filter sets, word postings, columns, lengths, rankings.

Document sets (a filter value's, a word's documents, every live document, a match) are
compressed bitmaps (pyroaring): intersected and unioned in C, and a filter value most
documents hold takes kilobytes, where a Python set would take megabytes. A word's postings are
its documents' bitmap and the frequencies that are not 1 (`WordPostings`).

Filters and frequent words repeat across requests. A new searcher starts a new cache, which
either carries over what the previous one holds for the documents both number alike, or is
warmed from nothing, before it serves (`carry_over`, `warm`); both give the same contents.
"""
import threading
from collections import OrderedDict
from itertools import compress, repeat
from operator import and_
from typing import NamedTuple

from pyroaring import FrozenBitMap

from portal.search.engine import matching as engine_matching
from portal.search.engine import postings as engine_postings
from portal.search.engine.postings import WordPostings
from portal.search.index import TEXT_FIELDS, column_time

WORD_CACHE_SIZE = 512  # postings of recent query words, per searcher
# ... and at most this many postings in all: a few bytes each (WordPostings), every word of
# a varied search load at a million documents.
WORD_CACHE_POSTINGS = 6_000_000
WARM_WORDS = 200  # most recent words of the old searcher scored again on a new one
# A process's first searcher reads the words in the most documents (the slow ones to read, and
# the common ones to search for) up to this many postings: two thirds of the word cache.
FREQUENT_WORDS_POSTINGS = WORD_CACHE_POSTINGS * 2 // 3
WARM_COLUMNS = ("kind", "category", "area", "station", "status", "channel", "created")
NUMBER_COLUMNS = ("created",)  # arrays of 64-bit integers; the others KeywordColumns
RESULT_CACHE_SIZE = 256  # rankings of recent searches (pages, facet clicks repeat them)


def _column_reader(field_name):
    """How the column of `field_name` is read: the created time as an array of integers, a
    keyword field as codes of its values (`KeywordColumn`)."""
    if field_name in NUMBER_COLUMNS:
        return engine_postings.number_column
    return engine_postings.column_values


class Carried(NamedTuple):
    """A filter's bitmap or a word's postings read for an earlier searcher over the
    same index, brought up to date when first used (`FilterCache._renew`).

    Documents numbered below `since` are the same documents in both searchers, unless deleted
    since (an update replaces a document; `value` held only live documents, so any of them
    deleted now was deleted since); from `since` on, the earlier searcher's documents (up to
    `count`) were replaced by what the newer segments hold. Carried over again before its
    first use, it keeps the smallest `since`: a commit appends segments and a merge rewrites
    the last ones, so the leading segments below it are shared by every searcher in between.
    """

    value: object
    since: int
    count: int


def _held(entry):
    """The bitmap or WordPostings an entry of the filter or word caches holds."""
    return entry.value if type(entry) is Carried else entry


class FilterCache:
    """The engine over one searcher: what it read, and matching, ranking and facets."""

    fast = True  # the engine's own matching and scoring (engine.fallback: Whoosh's)

    def __init__(self, searcher, memo=None):
        self.searcher = searcher
        # What was read per segment, shared with the next searcher over the same index.
        self.memo = {} if memo is None else memo
        self._segments = engine_postings.segment_ids(searcher)
        self._count = searcher.doc_count_all()
        self._docs = {}
        self._columns = {}
        self._values = {}
        self._lengths = {}
        self._norms = {}
        self._ranges = {}
        self._deleted = None
        self._words = OrderedDict()
        self._postings = 0
        self._results = OrderedDict()
        self._lock = threading.Lock()

    # --- matching, ranking, facets (engine.matching) ---

    def matching(self, groups, fields, within=()) -> FrozenBitMap:
        """Documents matching every group and in every set of `within` (none: all)."""
        return engine_matching.matching(self, groups, fields, within)

    def ranking(self, groups, fields, candidates, limit, newest=False) -> list:
        """The best `limit` of `candidates` (document numbers), best first."""
        return engine_matching.ranking(self, groups, fields, candidates, limit, newest)

    def facet_counts(self, matched, names) -> dict:
        """{facet: [(value, count)]} over the matched documents."""
        return engine_matching.facet_counts(self, matched, names)

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

    # --- what was read ---

    def deleted(self) -> FrozenBitMap:
        if self._deleted is None:
            self._deleted = engine_postings.deleted_docs(self.searcher)
        return self._deleted

    def lengths(self, field_name) -> bytes:
        if field_name not in self._lengths:
            self._lengths[field_name] = engine_postings.length_bytes(
                self.searcher, field_name, self.memo)
        return self._lengths[field_name]

    def norm_table(self, field_name) -> list:
        """BM25's length normalisation of `field_name` per encoded length byte (256 values).

        A document's norm is `table[lengths[doc]]`, looked up for the candidates being ranked:
        the table follows the average length, which every commit moves, and a list of every
        document's norm would be rebuilt whole at every reopen.
        """
        if field_name not in self._norms:
            self._norms[field_name] = engine_postings.length_norms(self.searcher, field_name)
        return self._norms[field_name]

    def word_docs(self, field_name, word) -> WordPostings:
        """The postings of `word` in `field_name`."""
        key = (field_name, word)
        with self._lock:
            found = self._words.get(key)
            if found is not None:
                self._words.move_to_end(key)
                if type(found) is not Carried:
                    return found
        if found is None:
            renewed = engine_postings.postings(self.searcher, field_name, word, self.deleted(),
                                               memo=self.memo)
        else:
            renewed = self._renew(found, field_name, word, True)
        with self._lock:
            held = self._words.get(key)
            self._postings += len(renewed) - (0 if held is None else len(_held(held)))
            self._words[key] = renewed
            while len(self._words) > 1 and (len(self._words) > WORD_CACHE_SIZE
                                            or self._postings > WORD_CACHE_POSTINGS):
                (old_field, old_word), dropped = self._words.popitem(last=False)
                self._postings -= len(_held(dropped))
                for segment in self._segments:
                    self.memo.pop((segment, "postings", old_field, old_word, True), None)
        return renewed

    def forget_words(self) -> None:
        """Empty the word and result caches (benchmarks measure uncached queries with it)."""
        with self._lock:
            self._words.clear()
            self._postings = 0
            self._results.clear()
            for key in [k for k in list(self.memo) if k[1] == "postings" and k[-1]]:
                self.memo.pop(key, None)

    def docs(self, field_name, value) -> FrozenBitMap:
        """Documents whose keyword field `field_name` holds `value`."""
        key = (field_name, value)
        found = self._docs.get(key)
        if found is None:
            found = self._docs[key] = engine_postings.postings(
                self.searcher, field_name, value, self.deleted(), want_weights=False,
                memo=self.memo).docs
        elif type(found) is Carried:
            found = self._docs[key] = self._renew(found, field_name, value, False)
        return found

    def _renew(self, carried, field_name, value, weights):
        """A Carried bitmap or WordPostings, brought up to this searcher: the documents no
        longer what they were taken out, those of the newer segments added; the value itself
        (shared with the earlier searcher) when neither changes it."""
        added = engine_postings.postings(self.searcher, field_name, value, self.deleted(),
                                         want_weights=weights, memo=self.memo,
                                         since=carried.since)
        old = carried.value
        gone = self._gone_since(carried)
        docs = old.docs if weights else old
        if not added.docs and not docs.intersect(gone):
            return old
        if not weights:
            return (docs - gone) | added.docs
        return old.without(gone).followed_by(added)

    def _gone_since(self, carried) -> FrozenBitMap:
        """Document numbers of the searcher `carried` was read for that may no longer mean the
        same documents here: the deleted ones, and those of the segments rewritten or added
        from `carried.since` on."""
        return self.deleted() | FrozenBitMap(range(carried.since, carried.count))

    def all(self) -> FrozenBitMap:
        """Every live document."""
        if ("*", None) not in self._docs:
            self._docs[("*", None)] = FrozenBitMap(range(self._count)) - self.deleted()
        return self._docs[("*", None)]

    def created_between(self, start, end) -> FrozenBitMap:
        """Documents created between two naive UTC datetimes (either may be None)."""
        key = (start, end)
        if key not in self._ranges:
            created = self.column("created")
            flags = repeat(True)
            if start is not None:
                flags = map(column_time(start).__le__, created)
            if end is not None:
                before = map(column_time(end).__ge__, created)
                flags = before if start is None else map(and_, flags, before)
            self._ranges[key] = FrozenBitMap(compress(range(len(created)), flags)) - \
                self.deleted()
        return self._ranges[key]

    def stored_ids(self, docnums) -> list:
        """The submission ids stored with these document numbers (a page's worth)."""
        return [int(self.searcher.stored_fields(d)["id"]) for d in docnums]

    def values(self, field_name) -> list:
        """The values of the keyword field `field_name` in the index (its facet's values)."""
        if field_name not in self._values:
            self._values[field_name] = engine_postings.field_values(self.searcher, field_name)
        return self._values[field_name]

    def column(self, field_name):
        """Values of a facet field by document number, a KeywordColumn ("created": sortable
        integers, an array)."""
        if field_name not in self._columns:
            self._columns[field_name] = _column_reader(field_name)(
                self.searcher, field_name, self.memo)
        return self._columns[field_name]

    # --- a new searcher ---

    def forget_other_segments(self) -> None:
        """Drop what was remembered of segments this searcher no longer has (merged away)."""
        for key in [k for k in list(self.memo) if k[0] not in self._segments]:
            self.memo.pop(key, None)

    def carry_over(self, previous) -> bool:
        """Start from what `previous` (the searcher this one replaces) holds, for the documents
        both number alike; False when they share none (a merge rewrote the first segment).

        Under constant writes the index reopens after every small commit: only the new
        segments are read. The set of all documents, the columns and the lengths are brought
        up to date here; filter sets and words are carried as they are (`Carried`) and brought
        up to date by the first search that uses them, sharing the previous cache's value
        when the commit left it alone.
        """
        if not previous.fast:
            return False
        shared = engine_postings.shared_documents(previous.searcher, self.searcher)
        if not shared:
            return False
        # The documents of the previous numbering from `shared` on, and those deleted since (an
        # update replaces a document), are no longer what they were.
        all_docs = previous._docs.get(("*", None))
        if all_docs is not None:
            self._docs[("*", None)] = (
                (all_docs - FrozenBitMap(range(shared, previous._count)))
                | FrozenBitMap(range(shared, self._count))) - self.deleted()

        # Filter sets and words are brought up to date when a search first uses them: under
        # constant writes most are not used before the next reopen replaces this searcher.
        def carried(entry):
            if type(entry) is Carried:
                return entry._replace(since=min(entry.since, shared))
            return Carried(entry, shared, previous._count)

        for key, docs in list(previous._docs.items()):
            if key != ("*", None):
                self._docs[key] = carried(docs)
        with previous._lock:
            words = list(previous._words.items())
        for key, found in words:
            self._words[key] = carried(found)
            self._postings += len(_held(found))
        for name, values in list(previous._columns.items()):
            if name in NUMBER_COLUMNS:
                column = self._columns[name] = values[:shared]
                column.extend(engine_postings.number_column(self.searcher, name, self.memo,
                                                            since=shared))
            else:
                self._columns[name] = engine_postings.column_values(
                    self.searcher, name, self.memo, since=shared, kept=values)
        for name, lengths in list(previous._lengths.items()):
            self._lengths[name] = lengths[:shared] + engine_postings.length_bytes(
                self.searcher, name, self.memo, since=shared)
        return True

    def warm(self, previous=None, characters=True, first=False) -> None:
        """Fill the caches a request would need, before this searcher serves any.

        Runs where the searcher is (re)opened, off the request path: the filter sets and
        columns, the field lengths, the character tables, then the filter values and words
        most recently used on the previous searcher, so the first searches after a reopen
        cost what they cost before it. A process's `first` searcher has no previous one: it
        reads the public text's most frequent words instead (`FREQUENT_WORDS_POSTINGS`), so
        a web worker just started does not read a common word's long postings while a
        resident waits (tens of milliseconds a word at a million documents). A cache carried
        over passes `characters=False`: the character tables of the segments a commit or
        merge wrote are read by the first one-character search that needs them (rare), not
        at each of the reopens constant writes cause (a merged segment's lexicon is tens of
        thousands of terms).
        """
        engine_postings.open_stored_fields(self.searcher)
        self.all()
        self.docs("published", True)
        for name in WARM_COLUMNS:
            self.column(name)
        for name in TEXT_FIELDS:
            self.lengths(name)
        if characters:  # which terms hold each Chinese character (one-character searches)
            engine_postings.prepare_characters(self.searcher, "content", self.memo)
        if first:
            for word in reversed(engine_postings.frequent_words(
                    self.searcher, "content", WARM_WORDS, FREQUENT_WORDS_POSTINGS)):
                self.word_docs("content", word)  # the most frequent last: the latest used
        if previous is None:
            return
        for key in list(previous._docs):
            if key != ("*", None):
                self.docs(*key)
        with previous._lock:
            recent = list(previous._words)[-WARM_WORDS:]
        for field_name, word in reversed(recent):
            self.word_docs(field_name, word)
