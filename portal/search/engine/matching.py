"""Matching, BM25 scoring and facet counts over a searcher's caches (engine.cache).

A query's documents are found with bitmaps (a word's documents, a filter value's), in C, and
only those matches are scored, from the words' frequencies, in numpy steps (numpy is
imported at the first search: processes that never search do not load it), where Whoosh's
matchers would walk and score every posting in Python. The scores are Whoosh's
BM25F with the same parameters, summed as Whoosh sums them for And and Or queries, and
equal scores rank the lower document number first, as in Whoosh's collector; this is what
tests/search/test_engine_differential.py compares with Whoosh's own searcher.
"""
import heapq

from pyroaring import BitMap, FrozenBitMap

from portal.search.engine import postings as engine_postings
from portal.search.engine.postings import WordPostings
from portal.search.query import CHARS, to_query


def alternatives(cache, words, fields) -> list:
    """[(field, word, documents)] a group's words stand for: WordPostings for words (one per
    text field), a bitmap for a (keyword field, value) pair."""
    found = []
    for word in words:
        if isinstance(word, tuple) and word[0] != CHARS:
            found.append((word[0], word[1], cache.docs(*word)))
        else:
            found.extend((f, word, cache.word_docs(f, word)) for f in fields)
    return found


def matching(cache, groups, fields, within=()) -> FrozenBitMap:
    """Documents matching every group of a parsed query and in every set of `within` (the
    filters' bitmaps; none: all documents).

    A group's documents are the union of its alternatives' (a word's, in each field; a
    keyword value's); the groups and filters are intersected smallest first, each step a
    bitmap operation in C. The result may be a cached bitmap itself: never changed.
    """
    steps = list(within)
    phrases = []
    for kind, words in groups:
        if kind == "phrase":
            phrases.append((kind, words))
            continue
        found = [docs.docs if isinstance(docs, WordPostings) else docs
                 for _f, _w, docs in alternatives(cache, words, fields)]
        steps.append(found[0].union(*found[1:]) if found else FrozenBitMap())
    if not steps and not phrases:
        return cache.all()
    steps.sort(key=len)
    result = steps[0] if steps else None
    for other in steps[1:]:
        if not result:
            return result
        result = result & other
    for phrase in phrases:  # Whoosh's phrase query, the costliest part: last
        if result is not None and not result:
            break
        found = FrozenBitMap(cache.searcher.docs_for_query(to_query([phrase], fields))) - \
            cache.deleted()
        result = found & result if result is not None else found
    return result


def _phrase_docs(cache, field_name, words) -> set:
    """Documents holding the phrase in `field_name` (Whoosh's phrase query)."""
    return set(cache.searcher.docs_for_query(to_query([("phrase", words)], (field_name,))))


def _bm25(cache, field_name, word, found, candidates):
    """BM25 of `word` in `field_name` for each of `candidates` (`Candidates`):
    idf * f * (K1 + 1) / (f + norm), in numpy steps: the same double-precision operations,
    in the same order, as one Python expression per document."""
    np = engine_postings._np()
    freqs = found.frequencies(candidates.numbers, candidates.bitmap)
    lengths = np.frombuffer(cache.lengths(field_name), dtype=np.uint8)
    norms = np.asarray(cache.norm_table(field_name), dtype=np.float64)[
        lengths[candidates.numbers]]
    merged = len(found) if isinstance(word, tuple) else None  # a character's merged terms
    scale = engine_postings.idf(cache.searcher, field_name, word, merged) * \
        (engine_postings.K1 + 1)
    return freqs / (freqs + norms) * scale


class Candidates:
    """Document numbers to rank: as a bitmap, and as an ascending numpy array."""

    def __init__(self, documents):
        np = engine_postings._np()
        if not isinstance(documents, (FrozenBitMap, BitMap)):
            documents = FrozenBitMap(documents)
        self.bitmap = documents
        self.numbers = np.frombuffer(documents.to_array(), dtype=np.uint32) if documents \
            else np.empty(0, np.uint32)

    def __len__(self) -> int:
        return len(self.numbers)

    def members(self, documents):
        """1.0 for each candidate in `documents` (a bitmap, or a set), else 0.0."""
        np = engine_postings._np()
        if isinstance(documents, (FrozenBitMap, BitMap)):
            return engine_postings.presence(documents, self.numbers, self.bitmap)
        return np.fromiter(map(documents.__contains__, self.numbers.tolist()),
                           dtype=np.float64, count=len(self.numbers))


def scored(cache, groups, fields, candidates, limit) -> list:
    """[(score, document number)] of the best `limit` of `candidates`, best first.

    Relevance is BM25 summed over the query's words (a word naming a category, area or
    station counts 1 where it names the document's, as Whoosh scores a keyword term); a
    phrase's words count in the fields where the phrase is. Equal scores: the lower document
    number first.
    """
    np = engine_postings._np()
    candidates = Candidates(candidates)
    totals = np.zeros(len(candidates))
    for kind, words in groups:
        for field_name, word, found in alternatives(cache, words, fields):
            if not found:
                continue
            if isinstance(found, WordPostings):
                scores = _bm25(cache, field_name, word, found, candidates)
                if kind == "phrase" and len(fields) > 1:
                    scores = scores * candidates.members(_phrase_docs(cache, field_name, words))
            else:  # a keyword value's bitmap
                scores = candidates.members(found)
            totals = totals + scores
    numbers = candidates.numbers
    return [(float(totals[at]), int(numbers[at])) for at in _best(np, totals, numbers, limit)]


def _best(np, totals, numbers, limit):
    """Positions of the `limit` highest totals, highest first, equal ones by lower number:
    those at or above the limit-th highest are sorted (all of them when ties reach it)."""
    if limit <= 0 or not len(totals):
        return []
    if len(totals) > limit:
        least = np.partition(totals, len(totals) - limit)[len(totals) - limit]
        kept = np.flatnonzero(totals >= least)
    else:
        kept = np.arange(len(totals))
    order = np.lexsort((numbers[kept], -totals[kept]))
    return kept[order[:limit]].tolist()


def newest(cache, candidates, limit) -> list:
    """The `limit` most recently created of `candidates`, from the column (no full sort)."""
    candidates = list(candidates)
    created = cache.column("created")
    return [d for _c, d in heapq.nlargest(
        limit, zip(map(created.__getitem__, candidates), candidates, strict=True))]


def ranking(cache, groups, fields, candidates, limit, newest_first=False) -> list:
    """The best `limit` of `candidates` (document numbers), best first; newest first, or by
    creation time when there are no words."""
    if newest_first or not groups:
        return newest(cache, candidates, limit)
    return [d for _s, d in scored(cache, groups, fields, candidates, limit)]


# From this many matches on, facet values are counted by bitmap intersections, which cost the
# same whatever the number of matches; below it, by reading the matches' column values, which
# needs no value's bitmap brought up to date after a reopen (under writes, the first search
# after each commit would renew every value of every facet).
FACETS_BY_BITMAP = 10_000


def facet_counts(cache, matched, names) -> dict:
    """{facet: [(value, count)], most common first, equal counts in the order of their first
    matched documents} over the matched documents (a bitmap); documents without a value are
    not counted."""
    count = _by_bitmaps if len(matched) >= FACETS_BY_BITMAP else _by_column
    return {name: count(cache, matched, name) for name in names}


def _by_column(cache, matched, name) -> list:
    """The matches' value codes counted in numpy; equal counts in the order of each value's
    first matched document."""
    np = engine_postings._np()
    column = cache.column(name)
    codes = column.codes[Candidates(matched).numbers]
    present, first = np.unique(codes, return_index=True)
    counts = np.bincount(codes, minlength=len(column.values))[present]
    order = np.lexsort((first, -counts.astype(np.int64)))
    return [(column.values[code], count) for code, count in
            zip(present[order].tolist(), counts[order].tolist(), strict=True)
            if column.values[code] != ""]


def _by_bitmaps(cache, matched, name) -> list:
    """Per value, the size of its documents' intersection with the matches."""
    counted = []
    for value in cache.values(name):
        docs = cache.docs(name, value)
        count = matched.intersection_cardinality(docs)
        if count:
            counted.append((-count, (matched & docs).min(), value))
    counted.sort()
    return [(value, -negated) for negated, _first, value in counted]
