"""The only module that imports Whoosh: schema, analyzer, open, write, query building.

The distribution (`whoosh-reloaded`, see docs/search.md) is swapped by changing its pin in
requirements.txt; every Whoosh name the portal uses is reached through this module.
"""
import os
from functools import lru_cache

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import BOOLEAN, DATETIME, ID, NUMERIC, TEXT, Schema
from whoosh.lang.porter import stem as porter_stem
from whoosh.query import And, DateRange, Every, Or, Phrase, Term
import pickle
import struct

from whoosh.index import EmptyIndexError, IndexError as WhooshIndexError, IndexVersionError

from portal.core.text import STOP_WORDS, segment
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


def query_terms(text: str, *, drop_stop_words: bool = True) -> list:
    """The terms a query string's words become (whole words, stemmed, stop words dropped)."""
    terms = [t.text for t in analyzer()(text, mode="query")]
    kept = [t for t in terms if t not in STOP_WORDS] if drop_stop_words else terms
    return kept


def make_schema() -> Schema:
    """Fields of a submission document; only public text goes in `content`.

    One text field per audience keeps a query to one posting list per word (the biggest cost
    of a Whoosh query is the number of matchers): `content` holds the public title (twice,
    as a boost), the public body and the place; `staff` the original title and body when they
    differ from the public text. Category, area and station names are not indexed per
    document: a query word that names one becomes a term on its keyword field instead.
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
        created=DATETIME(sortable=True),
        published_at=DATETIME(sortable=True),
        support=NUMERIC(sortable=True),
    )


PUBLIC_FIELDS = ("content",)
STAFF_FIELDS = ("content", "staff")
TEXT_FIELDS = STAFF_FIELDS


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
    """
    kwargs.setdefault("compound", False)
    return ix.writer(**kwargs)


def open_searcher(path):
    """A searcher over the index in `path` (reuse it: opening one is the expensive part)."""
    return open_index(path).searcher()


def docs_matching(searcher, query) -> set:
    """Document numbers matching `query`, unscored (for filter sets and counts)."""
    return set(searcher.docs_for_query(query))


def term(field, value):
    return Term(field, value)


def all_docs():
    return Every()


def date_range(field, start, end):
    """Documents whose `field` lies between two naive UTC datetimes (either may be None)."""
    return DateRange(field, start, end)


def column_values(searcher, field) -> list:
    """The sortable column of `field` as a list indexed by document number."""
    return list(searcher.reader().column_reader(field))


def ranked(searcher, query, *, allow, limit, newest=False) -> list:
    """[(document number, stored id)] of the best `limit` hits among `allow` (a set or None)."""
    kwargs = {"sortedby": "created", "reverse": True} if newest else {}
    results = searcher.search(query, filter=allow, limit=limit, **kwargs)
    return [(hit.docnum, hit["id"]) for hit in results]


def _word_groups(text: str) -> list:
    """Query words, each with the words that may stand for it in the index.

    A lone Chinese character the segmenter left over (滨江路|面) may sit inside a word in a
    document (路面|积水); the dictionary words of the query that cover it (路面) are indexed
    as sub-words there, so they are accepted as alternatives.
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
        groups.append(options)
    return groups


def parse_query(text: str) -> list:
    """What a person typed as [("phrase", [words]) | ("any", [alternatives])], all required.

    "Quoted text" is a phrase; other words must each match; there are no operators, so
    Whoosh syntax characters mean nothing and never raise.
    """
    groups = []
    chunks = (text or "").replace("“", '"').replace("”", '"').replace("「", '"').replace("」", '"')
    for index, chunk in enumerate(chunks.split('"')):
        if index % 2:  # inside quotes
            words = query_terms(chunk, drop_stop_words=False)
            if len(words) > 1:
                groups.append(("phrase", words))
                continue
            groups.extend(("any", [w]) for w in words)
        else:
            groups.extend(("any", options) for options in _word_groups(chunk))
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
            if isinstance(word, tuple):
                terms.append(Term(*word))
            else:
                terms.extend(Term(f, word) for f in fields)
        parts.append(terms[0] if len(terms) == 1 else Or(terms))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def build_query(text: str, fields):
    """parse_query then to_query."""
    return to_query(parse_query(text), fields)


def highlight_terms(text: str) -> set:
    """Every term a query may have matched (for marking snippets)."""
    plain = (text or "").replace('"', " ").replace("“", " ").replace("”", " ")
    return {w for group in _word_groups(plain) for w in group}


def similar_query(text: str, fields):
    """Any of the words of `text` (for suggestions of similar submissions)."""
    words = list(dict.fromkeys(query_terms(text)))[:12]
    if not words:
        return None
    return Or([Term(f, w) for w in words for f in fields])
