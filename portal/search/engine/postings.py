"""Postings, lengths and columns of a searcher, read per segment, and BM25's parts.

What is read from a segment is kept in a memo (a dict shared by the searchers over one index
directory) under the segment's name: a segment's files never change once written, so a
reopen after a small commit reads only the new segment. Deletions are not part of a
segment's files and are applied on top, per searcher.
"""
from array import array
from collections import Counter
from dataclasses import dataclass
from itertools import repeat
from math import log
from operator import add
from typing import NamedTuple

from pyroaring import BitMap, FrozenBitMap
from whoosh.util.numeric import byte_to_length

from portal.search.engine import storage
from portal.search.query import is_han

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults, passed to Whoosh too where it scores

leaves = storage.leaves


def per_segment(memo, reader, key, compute):
    """compute() for one segment, remembered in `memo` under the segment's name and `key`."""
    name = storage.segment_name(reader)
    if memo is None or name is None:
        return compute()
    value = memo.get((name,) + key)
    if value is None:
        value = memo[(name,) + key] = compute()
    return value


def segment_ids(searcher) -> set:
    """Names of the searcher's segments."""
    return {storage.segment_name(reader) for reader, _offset in leaves(searcher)} - {None}


def shared_documents(old, new) -> int:
    """How many leading document numbers mean the same documents in both searchers: those of
    the leading segments they share (a commit appends a segment; a merge replaces some with
    one it appends). Deletions are not part of a segment and are compared by the caller."""
    shared = 0
    for (old_reader, old_offset), (new_reader, new_offset) in zip(leaves(old), leaves(new),
                                                                  strict=False):
        name = storage.segment_name(old_reader)
        if not (name is not None and old_offset == new_offset == shared
                and storage.segment_name(new_reader) == name):
            break
        shared += old_reader.doc_count_all()
    return shared


def open_stored_fields(searcher) -> None:
    """Open every segment's stored-fields column now, while its file is certainly there.

    Segments are separate files and Whoosh opens a column on first use; a writer's merge
    deletes the files of the segments it merged, so a column first read after that would be
    missing. A file opened before the merge stays readable (POSIX).
    """
    for reader, _offset in leaves(searcher):
        reader.stored_fields(0)


def deleted_docs(searcher) -> FrozenBitMap:
    """Document numbers deleted (replaced by an update) but still present in postings."""
    found = BitMap()
    for reader, offset in leaves(searcher):
        found.update(offset + d for d in storage.segment_deleted(reader))
    return FrozenBitMap(found)


def _np():
    """numpy, imported where the engine first needs it: only processes that search load it
    (the background worker imports this module but never searches)."""
    import numpy

    return numpy


class WordPostings:
    """A word's (or a keyword value's) postings in a field: its documents as a bitmap, and
    the documents whose frequency is not 1 with those frequencies, as two sorted numpy arrays
    (`often`, uint32, and `weights`, float32: 8 bytes a posting, where a dict entry costs about
    a hundred; most frequencies are 1 and cost only their bit in the bitmap). None for both
    when every frequency is 1 or none was read."""

    __slots__ = ("docs", "often", "weights")

    def __init__(self, docs: FrozenBitMap, often=None, weights=None):
        self.docs = docs
        self.often, self.weights = (often, weights) if often is not None and len(often) \
            else (None, None)

    def __len__(self) -> int:
        return len(self.docs)

    def frequencies(self, candidates, bitmap=None):
        """Each candidate's frequency (0 where the word is not) as a numpy array of floats;
        `candidates`: an ascending numpy array of document numbers, `bitmap`: the same
        numbers as a bitmap, when the caller has it."""
        found = presence(self.docs, candidates, bitmap)
        if self.often is not None:
            np = _np()
            at = np.minimum(np.searchsorted(self.often, candidates), len(self.often) - 1)
            other = self.often[at] == candidates
            found[other] = self.weights[at[other]]
        return found

    def as_dict(self) -> dict:
        """{document: frequency} of every posting."""
        found = dict.fromkeys(self.docs, 1)
        if self.often is not None:
            found.update(zip(self.often.tolist(), map(_whole, self.weights.tolist()),
                             strict=True))
        return found

    def without(self, gone: FrozenBitMap) -> "WordPostings":
        """These postings less the documents in `gone`, as new arrays (these may be shared
        with an earlier searcher)."""
        if self.often is None:
            return WordPostings(self.docs - gone)
        np = _np()
        kept = np.fromiter(map(gone.__contains__, self.often.tolist()), dtype=bool,
                           count=len(self.often))
        np.logical_not(kept, out=kept)
        return WordPostings(self.docs - gone, self.often[kept], self.weights[kept])

    def followed_by(self, later: "WordPostings") -> "WordPostings":
        """These postings and `later`'s, whose documents all come after these."""
        return WordPostings(self.docs | later.docs,
                            *_joined([self.often, later.often], [self.weights, later.weights]))


def presence(docs, candidates, bitmap=None):
    """1.0 for each of `candidates` (an ascending numpy array of document numbers; `bitmap`:
    the same as a bitmap) in the bitmap `docs`, else 0.0: the intersection taken in C, its
    members placed by binary search."""
    np = _np()
    if bitmap is None:
        bitmap = FrozenBitMap(candidates.tolist())
    common = docs & bitmap
    if len(common) == len(candidates):
        return np.ones(len(candidates))
    found = np.zeros(len(candidates))
    if common:
        found[np.searchsorted(candidates, np.frombuffer(common.to_array(), dtype=np.uint32))] = 1
    return found


def _whole(weight: float):
    """A frequency as the number it is (weights are whole numbers: no field boosts)."""
    return int(weight) if weight.is_integer() else weight


def _joined(often: list, weights: list) -> tuple:
    """(numbers, weights) of consecutive parts joined (None parts left out), or (None, None)."""
    parts = [(o, w) for o, w in zip(often, weights, strict=True) if o is not None]
    if len(parts) < 2:
        return parts[0] if parts else (None, None)
    np = _np()
    return (np.concatenate([o for o, _w in parts]), np.concatenate([w for _o, w in parts]))


class SegmentPostings(NamedTuple):
    """One term's postings in one segment (segment-relative numbers), as remembered per
    segment: a bitmap, and the numbers and weights of the postings whose weight is not 1
    (None when there are none, or when no weights were read)."""

    docs: FrozenBitMap
    often: object = None  # numpy uint32, ascending
    weights: object = None  # numpy float32


def compact(ids: array, weights: array) -> SegmentPostings:
    """A segment's postings read as arrays (ids, and weights unless none were asked for), in
    the form kept per segment (a bitmap, and arrays only for weights other than 1)."""
    if not len(weights) or not len(ids):
        return SegmentPostings(FrozenBitMap(ids))
    np = _np()
    numbers = np.frombuffer(ids, dtype=np.uint32)
    values = np.frombuffer(weights, dtype=np.float32)
    if (numbers[1:] < numbers[:-1]).any():  # a character's terms merged: in no order
        order = np.argsort(numbers, kind="stable")
        numbers, values = numbers[order], values[order]
    other = values != 1.0
    if not other.any():
        return SegmentPostings(FrozenBitMap(ids))
    return SegmentPostings(FrozenBitMap(ids), numbers[other], values[other])


EMPTY = WordPostings(FrozenBitMap())


def postings(searcher, field_name, word, deleted: FrozenBitMap, want_weights=True, memo=None,
             since=0) -> WordPostings:
    """The postings of `word` in `field_name`, the documents in `deleted` out.

    `word` may be ("chars", 灯): every term containing that Chinese character, merged.
    Without `want_weights` the frequencies are not read. `memo`: see `per_segment`; `since`:
    only the segments from that document number on (see `shared_documents`). Each segment's
    postings are kept in memo in their compact form (`SegmentPostings`) and joined here, in C
    and numpy steps.
    """
    try:
        field = searcher.schema[field_name]
        tbytes = None if isinstance(word, tuple) else field.to_bytes(word)
    except (KeyError, ValueError, TypeError):
        return EMPTY
    docs, often, weights = BitMap(), [], []
    for reader, offset in leaves(searcher, since):
        if tbytes is None:
            def compute(reader=reader):
                return compact(*_segment_han_postings(reader, field, field_name, word[1], memo))
        else:
            def compute(reader=reader):
                return compact(*storage.segment_postings(reader, field, field_name, word, tbytes,
                                                         want_weights))
        part = per_segment(memo, reader, ("postings", field_name, word, want_weights), compute)
        docs |= part.docs.shift(offset) if offset else part.docs
        if part.often is not None:
            often.append(part.often + offset if offset else part.often)
            weights.append(part.weights)
    found = WordPostings(FrozenBitMap(docs), *_joined(often, weights))
    return found.without(deleted) if found.docs.intersect(deleted) else found


def frequent_words(searcher, field_name, most_words: int, most_postings: int) -> list:
    """The words of `field_name` held by the most documents, most first: at most `most_words`
    of them, with at most `most_postings` documents counted over them all (a word that would
    pass that limit is left out, smaller ones after it still fit)."""
    held = Counter()
    for reader, _offset in leaves(searcher):
        try:
            for tbytes, info in reader.iter_field(field_name):
                held[tbytes] += info.doc_frequency()
        except (storage.TermNotFound, KeyError):
            continue
    chosen, counted = [], 0
    for tbytes, documents in held.most_common(most_words):
        if counted + documents <= most_postings:
            chosen.append(tbytes.decode("utf-8"))
            counted += documents
    return chosen


def _han_table(reader, field_name) -> dict:
    """{Chinese character: [the segment's terms of two or more characters containing it]}."""
    table = {}
    try:
        lexicon = reader.lexicon(field_name)
    except (storage.TermNotFound, KeyError):
        return table
    for tbytes in lexicon:
        term = tbytes.decode("utf-8")
        if len(term) > 1:
            for char in set(term):
                if is_han(char):
                    table.setdefault(char, []).append(term)
    return table


def han_table(reader, field_name, memo) -> dict:
    """The segment's `_han_table`, remembered in `memo`."""
    return per_segment(memo, reader, ("han", field_name), lambda: _han_table(reader, field_name))


def prepare_characters(searcher, field_name, memo) -> None:
    """Read the lexicon of `field_name` into `memo`, per segment, for character searches."""
    for reader, _offset in leaves(searcher):
        han_table(reader, field_name, memo)


def _segment_han_postings(reader, field, field_name, char, memo) -> tuple:
    """One segment's documents holding `char` inside a longer term: (ids, summed frequencies).

    Every Chinese character of a text is part of some indexed term (a dictionary word, or
    the character alone where no word covers it), so the terms containing it, found in the
    segment's lexicon, give exactly the documents containing it, at no cost to indexing.
    """
    merged = {}
    for term in han_table(reader, field_name, memo).get(char, ()):
        ids, weights = storage.segment_postings(reader, field, field_name, term,
                                                field.to_bytes(term), True)
        # A document's frequencies add up across the terms (ids are unique within a term).
        merged.update(zip(ids, map(add, map(merged.get, ids, repeat(0)), weights), strict=True))
    return array("I", merged), array("f", merged.values())


def length_bytes(searcher, field_name, memo=None, since=0) -> bytes:
    """Every document's encoded `field_name` length (one byte each, by document number)."""
    return b"".join(per_segment(memo, reader, ("lengths", field_name),
                                lambda reader=reader: storage.segment_lengths(reader, field_name))
                    for reader, _offset in leaves(searcher, since))


def length_norms(searcher, field_name) -> list:
    """BM25's length part, K1 * (1 - B + B * length / average), per encoded length byte."""
    average = searcher.avg_field_length(field_name) or 1
    return [K1 * ((1 - B) + B * byte_to_length(b) / average) for b in range(256)]


def idf(searcher, field_name, word, doc_frequency=None) -> float:
    """Whoosh's inverse document frequency of `word`, log(N / (df + 1)) + 1.

    For merged postings (a character's terms) `doc_frequency` is given, not looked up.
    """
    if doc_frequency is None:
        return searcher.idf(field_name, word)
    return log(searcher.doc_count_all() / (doc_frequency + 1)) + 1


def field_values(searcher, field_name) -> list:
    """The values of the keyword field `field_name` in the index (deleted documents' too)."""
    field = searcher.schema[field_name]
    return [value for value in map(field.from_bytes, searcher.lexicon(field_name)) if value]


@dataclass(frozen=True, slots=True)
class KeywordColumn:
    """A keyword field's value for every document, by document number: a numpy array of small
    codes (one or two bytes a document, where a list holds an 8-byte reference per document)
    and the distinct values they stand for."""

    codes: object  # numpy unsigned integers
    values: list

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self):
        """The documents' values, in document order."""
        return map(self.values.__getitem__, self.codes.tolist())


def _codes_dtype(np, count: int):
    return np.uint8 if count <= 1 << 8 else np.uint16 if count <= 1 << 16 else np.uint32


def _segment_column(column) -> tuple:
    """(codes, values) of one segment's keyword column."""
    np = _np()
    raw = list(column)
    values = list(dict.fromkeys(raw))
    index = {value: code for code, value in enumerate(values)}
    return (np.fromiter(map(index.__getitem__, raw), dtype=_codes_dtype(np, len(values)),
                        count=len(raw)), values)


def column_values(searcher, field, memo=None, since=0, kept=None) -> KeywordColumn:
    """The column of the keyword field `field` (`KeywordColumn`). `since`: only the segments
    from that document number on, after the first `since` documents of `kept` (the column of
    an earlier searcher whose leading documents these are)."""
    np = _np()
    # {value: code}, in code order: the earlier column's codes stay what they were.
    index = {value: code for code, value in enumerate(kept.values)} if kept is not None else {}
    parts = [kept.codes[:since]] if kept is not None else []
    for reader, _offset in leaves(searcher, since):
        codes, segment_values = per_segment(
            memo, reader, ("column", field),
            lambda reader=reader: _segment_column(reader.column_reader(field)))
        translate = [index.setdefault(value, len(index)) for value in segment_values]
        parts.append(np.asarray(translate, dtype=np.uint32)[codes])
    dtype = _codes_dtype(np, len(index))
    codes = np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)
    return KeywordColumn(codes, list(index))


def number_column(searcher, field, memo=None, since=0) -> array:
    """The numeric column `field` (the created time) as 64-bit integers by document number,
    in Whoosh's sortable form (dates as integers): enough to order and compare by, and held
    without an int object per document."""
    values = array("q")
    for reader, _offset in leaves(searcher, since):
        values.extend(per_segment(
            memo, reader, ("numbers", field),
            lambda reader=reader: array("q", reader.column_reader(field, translate=False))))
    return values
