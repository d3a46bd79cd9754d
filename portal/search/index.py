"""The only module that imports Whoosh: schema, analyzer, open, write, query building.

The distribution (`whoosh-reloaded`, see docs/search.md) is swapped by changing its pin in
requirements.txt; every Whoosh name the portal uses is reached through this module.
"""
import os
import pickle
import struct
from array import array
from functools import lru_cache
from itertools import accumulate, compress, repeat
from math import log
from operator import add, not_

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, TEXT, Schema
from whoosh.index import EmptyIndexError, IndexError as WhooshIndexError, IndexVersionError
from whoosh.lang.porter import stem as porter_stem
from whoosh.query import And, Or, Phrase, Term
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.util.numeric import byte_to_length
from whoosh.util.times import datetime_to_long

from portal.core.text import STOP_WORDS, fold, segment
from portal.search.words import ensure_place_words

# Errors that mean "this index directory cannot be read": rebuild it.

OPEN_ERRORS = (EmptyIndexError, WhooshIndexError, IndexVersionError, OSError, ValueError,
               EOFError, KeyError, IndexError, pickle.UnpicklingError, struct.error)


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return porter_stem(word)


@lru_cache(maxsize=8192)
def _short_segments(value: str, subwords: bool):
    return tuple(segment(value, subwords=subwords))


def _segments(value: str, subwords: bool):
    """Segments of `value`; short strings (names, titles, queries) repeat, so they are cached."""
    ensure_place_words()  # before any text is analysed, at index and at query time alike
    if len(value) <= 64:
        return _short_segments(value, subwords)
    return segment(value, subwords=subwords)


class PortalTokenizer(Tokenizer):
    """jieba + OpenCC + NFKC via portal.core.text.segment, English stemmed, true positions.

    In "index" mode the sub-words of long words are emitted at the word's position; in "query"
    mode (and for highlighting) only whole words, so phrase queries compare word positions.
    """

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for seg in _segments(value, mode == "index"):
            token.text = _stem(seg.text) if seg.text.isascii() and seg.text.isalpha() else seg.text
            token.stopped = False
            token.boost = 1.0
            if keeporiginal:
                token.original = value[seg.start:seg.end]
            if positions:
                token.pos = start_pos + seg.position
            if chars:
                token.startchar = start_char + seg.start
                token.endchar = start_char + seg.end
            yield token


def analyzer():
    """The one analyzer used at index and query time (a Whoosh analyzer is a callable)."""
    return PortalTokenizer()


def is_han(char: str) -> bool:
    """A Chinese character (CJK unified ideographs, extension A, compatibility, B and on)."""
    return ("\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
            or "\uf900" <= char <= "\ufaff" or char >= "\U00020000")


def query_terms(text: str, *, drop_stop_words: bool = True) -> list:
    """The terms a query string's words become (whole words, stemmed, stop words dropped)."""
    terms = [t.text for t in analyzer()(text, mode="query")]
    kept = [t for t in terms if t not in STOP_WORDS] if drop_stop_words else terms
    return kept


def make_schema() -> Schema:
    """Fields of a submission document; only public text goes in `content`.

    One text field per audience keeps a query to one posting list per word (the biggest cost
    of a Whoosh query is the number of matchers): `content` holds the public title (twice,
    as a boost), the public body and the public place; `staff` the original title, body and
    place when they differ from the public text. Category, area and station names are not
    indexed per document: a query word that names one becomes a term on its keyword field
    instead.
    """
    text = dict(analyzer=analyzer(), phrase=True)
    return Schema(
        id=ID(stored=True, unique=True),
        content=TEXT(**text),
        staff=TEXT(**text),
        kind=ID(sortable=True),
        status=ID(sortable=True),
        channel=ID(sortable=True),
        category=ID(sortable=True),
        parent_category=ID(sortable=True),
        area=ID(sortable=True),
        station=ID(sortable=True),
        published=BOOLEAN(),
        # Columns only (`column_time` values): sorted and filtered by from the column, so they
        # need no indexed terms (Whoosh's DATETIME indexed 8 terms per date, a quarter of
        # all postings written).
        created=COLUMN(NumericColumn("q")),
        published_at=COLUMN(NumericColumn("q")),
        support=COLUMN(NumericColumn("i")),
    )


def column_time(value) -> int:
    """A naive UTC datetime as the integer the date columns hold (Whoosh's DATETIME form)."""
    return datetime_to_long(value)


PUBLIC_FIELDS = ("content",)
STAFF_FIELDS = ("content", "staff")
TEXT_FIELDS = STAFF_FIELDS
CHARS = "chars"  # ("chars", 灯) in a query group: the character anywhere (see _word_groups)


def has_current_schema(ix) -> bool:
    """Whether an index has every field of make_schema(), of the same type (else rebuild)."""
    current = make_schema()
    return all(name in ix.schema and type(ix.schema[name]) is type(current[name])
               for name in current.names())


def create_index(path):
    """An empty index in `path` (created)."""
    os.makedirs(path, exist_ok=True)
    return whoosh_index.create_in(path, make_schema())


def open_index(path):
    """Open the index in `path`; raises one of OPEN_ERRORS when it is missing or unreadable."""
    if not whoosh_index.exists_in(path):
        raise EmptyIndexError(f"no index in {path}")
    return whoosh_index.open_dir(path)


def writer(ix, **kwargs):
    """A writer (takes the index's write lock; one writer at a time).

    Segments are written as separate files, not one compound file: opening a compound segment
    copies it into each process's memory (measured: +100 MB and 6x slower to open at 20,000
    submissions), while separate files are read through the page cache, shared by all.
    Posting blocks hold 256 postings and are not zlib-compressed: reading a frequent word's
    postings (`postings`) costs 0.29 instead of 0.40 us per posting, for an index about 2.3
    times larger (measured at 10,000 submissions; segments of either kind read the same).
    """
    kwargs.setdefault("compound", False)
    kwargs.setdefault("codec", W3Codec(blocklimit=256, compression=0))
    return ix.writer(**kwargs)


def open_searcher(path):
    """A searcher over the index in `path` (reuse it: opening one is the expensive part)."""
    return open_index(path).searcher()


def docs_matching(searcher, query) -> set:
    """Document numbers matching `query`, unscored (for filter sets and counts)."""
    if isinstance(query, Term):
        return set(postings(searcher, query.fieldname, query.text, want_weights=False)[0])
    return set(searcher.docs_for_query(query))


# --- Reading postings and lengths a block at a time --------------------------------------
# Whoosh's matchers hand out one posting per Python call (id(), weight(), next(), a deletion
# check): 25,000 postings of a frequent word cost 20-60 ms that way. A posting block of the
# whoosh3 codec already holds its ids and weights as arrays, so they are taken whole here.
# This leans on whoosh-reloaded 2.7's W3 codec (pinned); any other matcher (short inlined
# posting lists, another codec) is read through the generic matcher interface.

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults: rankings stay what Whoosh computed before


def _leaves(searcher, since=0):
    """(segment reader, first document number) of each segment holding documents (an empty
    index has one reader that can read nothing: a new portal's first search must work);
    `since`: only the segments starting at or after that document number."""
    return [(reader, offset) for reader, offset in searcher.reader().leaf_readers()
            if reader.doc_count_all() and offset >= since]


def shared_documents(old, new) -> int:
    """How many leading document numbers mean the same documents in both searchers: those of
    the leading segments they share (a commit appends segments; a merge rewrites the last
    ones). Deletions are not part of a segment and are compared by the caller."""
    shared = 0
    pairs = zip(_leaves(old), _leaves(new))
    for (old_reader, old_offset), (new_reader, new_offset) in pairs:
        if not (isinstance(old_reader, SegmentReader) and isinstance(new_reader, SegmentReader)
                and old_offset == new_offset == shared
                and old_reader.segment().segment_id() == new_reader.segment().segment_id()):
            break
        shared += old_reader.doc_count_all()
    return shared


def open_stored_fields(searcher) -> None:
    """Open every segment's stored-fields column now, while its file is certainly there.

    Segments are separate files (compound=False) and Whoosh opens a column on first use; a
    writer's merge deletes the files of the segments it merged, so a column first read after
    that is missing (stored_fields failed with a TypeError under load, bench/run_all.py). A
    file opened before the merge stays readable (POSIX). Terms and postings open with the
    segment; the other columns are read by the searcher's warm-up.
    """
    for reader, _offset in _leaves(searcher):
        reader.stored_fields(0)


def segment_ids(searcher) -> set:
    """Names of the searcher's segments (their files never change once written)."""
    return {reader.segment().segment_id() for reader, _offset in _leaves(searcher)
            if isinstance(reader, SegmentReader)}


def _per_segment(memo, reader, key, compute):
    """compute() for one segment, remembered in `memo` (a dict) under the segment's name.

    A segment's files are immutable, so what was read from them stays true for every later
    searcher that still has the segment: a reopen after a small commit re-reads only the
    new segment. Deletions are not part of a segment's files and are applied by callers.
    """
    if memo is None or not isinstance(reader, SegmentReader):
        return compute()
    name = (reader.segment().segment_id(),) + key
    value = memo.get(name)
    if value is None:
        value = memo[name] = compute()
    return value


def deleted_docs(searcher) -> frozenset:
    """Document numbers deleted (replaced by an update) but still present in postings."""
    found = set()
    for reader, offset in _leaves(searcher):
        deleted = getattr(reader, "deleted_docs_set", None)
        if deleted is None:
            deleted = [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]
        found.update(offset + d for d in deleted)
    return frozenset(found)


def all_doc_numbers(searcher, deleted=None, numbers=None) -> set:
    """Every live document number (a set built in C, not by walking the documents)."""
    found = set(range(searcher.doc_count_all()) if numbers is None else numbers)
    return found - (deleted_docs(searcher) if deleted is None else deleted)


def _segment_postings(reader, field, field_name, word, tbytes, want_weights) -> tuple:
    """(ids, weights) of one segment as compact arrays (segment-relative ids, deletions not
    applied): kept per segment in the searcher's memo, 8 bytes a posting instead of the ~70
    of a list of Python numbers."""
    ids, weights = array("i"), array("f")
    try:
        if isinstance(reader, SegmentReader):  # raw postings: deletions are taken out later
            matcher = reader._terms.matcher(field_name, tbytes, field.format)
        else:
            matcher = reader.postings(field_name, word)
    except (TermNotFound, KeyError):
        return ids, weights
    if hasattr(matcher, "_read_data") and hasattr(matcher, "_next_block"):
        while matcher.is_active():  # a whole block per turn (see above)
            matcher._read_data()
            block = matcher._data[0]
            # Ids are stored as gaps; accumulate() sums them in C (Whoosh: a generator).
            ids.extend(block if matcher._byteids else accumulate(block))
            if want_weights:
                matcher._read_weights()
                weights.extend(matcher._weights)
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            if want_weights:
                weights.append(matcher.weight())
            matcher.next()
    return ids, weights


# A weight is a term frequency (no field boosts): whole numbers, mapped to Python's shared
# small ints instead of a new float object per posting held in the word caches.
_WHOLE = {n: n for n in range(257)}


def postings(searcher, field_name, word, deleted=None, want_weights=True, memo=None,
             numbers=None, since=0) -> tuple:
    """(document numbers, term frequencies) of `word` in `field_name`, deleted documents out.

    `word` may be ("chars", 灯): every term containing that Chinese character, merged.
    `deleted` is `deleted_docs(searcher)` when the caller has it already; without
    `want_weights` the frequencies are not read (an empty list); `memo` keeps what was read
    per segment for the next searcher (see `_per_segment`); `numbers`, a list of every
    document number (`list(range(doc_count_all))`), makes the ids its objects, so the caches
    of a searcher share one int per document instead of holding a copy per word and filter;
    `since`: only the segments from that document number on (see `shared_documents`).
    """
    try:
        field = searcher.schema[field_name]
        tbytes = None if isinstance(word, tuple) else field.to_bytes(word)
    except (KeyError, ValueError, TypeError):
        return [], []
    ids, weights = [], []
    for reader, offset in _leaves(searcher, since):
        if tbytes is None:
            def compute(reader=reader):
                return _segment_han_postings(reader, field, field_name, word[1], memo)
        else:
            def compute(reader=reader):
                return _segment_postings(reader, field, field_name, word, tbytes, want_weights)
        seg_ids, seg_weights = _per_segment(
            memo, reader, ("postings", field_name, word, want_weights), compute)
        found = map(offset.__add__, seg_ids) if offset else seg_ids
        ids.extend(map(numbers.__getitem__, found) if numbers is not None else found)
        weights.extend(map(_WHOLE.get, seg_weights, seg_weights))
    if deleted is None:
        deleted = deleted_docs(searcher)
    if deleted and not deleted.isdisjoint(ids):  # filtered in C, not posting by posting
        keep = list(map(not_, map(deleted.__contains__, ids)))
        ids = list(compress(ids, keep))
        weights = list(compress(weights, keep)) if want_weights else weights
    return ids, weights


def _han_table(reader, field_name) -> dict:
    """{Chinese character: [the segment's terms of two or more characters containing it]}."""
    table = {}
    try:
        lexicon = reader.lexicon(field_name)
    except (TermNotFound, KeyError):
        return table
    for tbytes in lexicon:
        term = tbytes.decode("utf-8")
        if len(term) > 1:
            for char in set(term):
                if is_han(char):
                    table.setdefault(char, []).append(term)
    return table


def prepare_characters(searcher, field_name, memo) -> None:
    """Read the lexicon of `field_name` into `memo`, per segment, for character searches."""
    for reader, _offset in _leaves(searcher):
        _per_segment(memo, reader, ("han", field_name), lambda: _han_table(reader, field_name))


def _segment_han_postings(reader, field, field_name, char, memo) -> tuple:
    """One segment's documents holding `char` inside a longer term: (ids, summed frequencies).

    Every Chinese character of a text is part of some indexed term (a dictionary word, or
    the character alone where no word covers it), so the terms containing it, found in the
    segment's lexicon, give exactly the documents containing it, at no cost to indexing.
    """
    table = _per_segment(memo, reader, ("han", field_name), lambda: _han_table(reader, field_name))
    merged = {}
    for term in table.get(char, ()):
        ids, weights = _segment_postings(reader, field, field_name, term, field.to_bytes(term),
                                         True)
        # A document's frequencies add up across the terms (ids are unique within a term).
        merged.update(zip(ids, map(add, map(merged.get, ids, repeat(0)), weights)))
    return array("i", merged), array("f", merged.values())


def length_bytes(searcher, field_name, memo=None, since=0) -> bytes:
    """Every document's encoded `field_name` length (one byte each, by document number)."""
    return b"".join(_per_segment(memo, reader, ("lengths", field_name),
                                 lambda: _segment_lengths(reader, field_name))
                    for reader, _offset in _leaves(searcher, since))


def _segment_lengths(reader, field_name) -> bytes:
    count = reader.doc_count_all()
    column = None
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(f"_{field_name}_len", LENGTHS_COLUMN)
    if column is None:
        return bytes(count)
    if hasattr(column, "_dbfile") and hasattr(column, "_basepos"):  # the bytes in one read
        stored = min(column._count, count)  # trailing documents without text: 0
        return bytes(column._dbfile.get(column._basepos, stored)) + bytes(count - stored)
    return bytes(column[d] for d in range(count))


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


def column_values(searcher, field, memo=None, translate=True, since=0) -> list:
    """The sortable column of `field` as a list indexed by document number.

    `translate=False` keeps Whoosh's sortable form (dates as integers): cheaper to read,
    and enough to order by. Equal values are one object (a column of area names holds a few
    distinct strings, not one decoded copy per document: 25 MB less at 100,000).
    """
    values = []
    for reader, _offset in _leaves(searcher, since):
        values.extend(_per_segment(
            memo, reader, ("column", field, translate),
            lambda: _shared_values(reader.column_reader(field, translate=translate))))
    return values


def _shared_values(column) -> list:
    raw = list(column)
    distinct = {}
    return list(map(distinct.setdefault, raw, raw))


def ranked(searcher, query, *, allow, limit, newest=False) -> list:
    """[(document number, stored id)] of the best `limit` hits among `allow` (a set or None)."""
    kwargs = {"sortedby": "created", "reverse": True} if newest else {}
    results = searcher.search(query, filter=allow, limit=limit, **kwargs)
    return [(hit.docnum, hit["id"]) for hit in results]


def _lone_character(text: str):
    """The Chinese character a query consists of (spaces and punctuation aside), or None."""
    letters = [c for c in fold(text or "") if c.isalnum()]
    return letters[0] if len(letters) == 1 and is_han(letters[0]) else None


def _word_groups(text: str, lone=None) -> list:
    """Query words, each with the words that may stand for it in the index.

    A lone Chinese character the segmenter left over (滨江路|面) may sit inside a word in a
    document (路面|积水); the dictionary words of the query that cover it (路面) are indexed
    as sub-words there, so they are accepted as alternatives. When the whole query is one
    character (`lone`, e.g. 灯) it also means that character inside any word (路灯):
    ("chars", 灯), expanded through the index's lexicon (`postings`).
    """
    whole = [s for s in _segments(text, False)]
    parts = [s for s in _segments(text, True) if s.subword]
    groups = []
    for seg in whole:
        word = _stem(seg.text) if seg.text.isascii() and seg.text.isalpha() else seg.text
        if word in STOP_WORDS:
            continue
        options = [word]
        if len(word) == 1 and not word.isascii():
            options += [p.text for p in parts
                        if p.start <= seg.start and p.end >= seg.end and p.text not in options]
            if word == lone:
                options.append((CHARS, word))
        groups.append(options)
    return groups


def parse_query(text: str) -> list:
    """What a person typed as [("phrase", [words]) | ("any", [alternatives])], all required.

    "Quoted text" is a phrase; other words must each match; there are no operators, so
    Whoosh syntax characters mean nothing and never raise.
    """
    groups = []
    chunks = (text or "").replace("“", '"').replace("”", '"').replace("「", '"').replace("」", '"')
    lone = _lone_character(chunks) if '"' not in chunks else None  # quoted: the exact word
    for index, chunk in enumerate(chunks.split('"')):
        if index % 2:  # inside quotes
            words = query_terms(chunk, drop_stop_words=False)
            if len(words) > 1:
                groups.append(("phrase", words))
                continue
            groups.extend(("any", [w]) for w in words)
        else:
            groups.extend(("any", options) for options in _word_groups(chunk, lone))
    return groups


def to_query(groups, fields):
    """The Whoosh query of parsed groups over `fields` (None when there is nothing to find).

    An "any" group lists words (searched in each of `fields`) and may also list exact
    (field, value) pairs, e.g. ("area", "riverside") for a word that names the area.
    """
    parts = []
    for kind, words in groups:
        if kind == "phrase":
            parts.append(Or([Phrase(f, words) for f in fields]))
            continue
        terms = []
        for word in words:
            if isinstance(word, tuple) and word[0] == CHARS:
                continue  # expanded from the lexicon by the searcher's caches (`postings`)
            if isinstance(word, tuple):
                terms.append(Term(*word))
            else:
                terms.extend(Term(f, word) for f in fields)
        parts.append(terms[0] if len(terms) == 1 else Or(terms))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def highlight_terms(text: str) -> set:
    """Every term a query may have matched (for marking snippets)."""
    plain = (text or "").replace('"', " ").replace("“", " ").replace("”", " ")
    return {w for group in _word_groups(plain) for w in group if isinstance(w, str)}


def similar_query(text: str, fields):
    """Any of the words of `text` (for suggestions of similar submissions)."""
    words = list(dict.fromkeys(query_terms(text)))[:12]
    if not words:
        return None
    return Or([Term(f, w) for w in words for f in fields])
