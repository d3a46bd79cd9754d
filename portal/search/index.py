"""Whoosh's public side: schema, analyzer, opening and writing an index.

Searching is done by portal/search/engine/ (its storage adapter alone reads Whoosh internals)
and queries are built by portal/search/query.py; docs/search.md says what depends on the
pinned Whoosh distribution.
"""
import os
import pickle
import struct
from functools import lru_cache

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.columns import NumericColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, TEXT, Schema
from whoosh.index import EmptyIndexError, IndexVersionError
from whoosh.index import IndexError as WhooshIndexError
from whoosh.lang.porter import stem as porter_stem
from whoosh.util.times import datetime_to_long

from portal.core.text import STOP_WORDS, segment
from portal.search.words import ensure_place_words

# Errors that mean "this index directory cannot be read": rebuild it.

OPEN_ERRORS = (EmptyIndexError, WhooshIndexError, IndexVersionError, OSError, ValueError,
               EOFError, KeyError, IndexError, pickle.UnpicklingError, struct.error)


def _column_reader_kept(self, fieldname, column):
    """`W3PerDocReader._cached_reader` that also keeps a column's absence.

    Whoosh asks a segment for the length of every field of every document it copies (a merge,
    a commit's postings), and a field without lengths in that segment (a keyword field, or the
    staff text when every text was published as written) has no column file: the original
    looked for the file again on each call, a file-system call per document and field. A
    segment's files never change once written, so the answer is kept with the reader.
    """
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


W3PerDocReader._cached_reader = _column_reader_kept


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    return porter_stem(word)


@lru_cache(maxsize=8192)
def _short_segments(value: str, subwords: bool):
    return tuple(segment(value, subwords=subwords))


def segments(value: str, subwords: bool):
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
        for seg in segments(value, mode == "index"):
            token.text = stem(seg.text) if seg.text.isascii() and seg.text.isalpha() else seg.text
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
        # need no indexed terms (Whoosh's DATETIME indexes 8 terms per date).
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


def _latest(read, attempts: int = 3):
    """read(), again when a newer commit removed the table of contents it was reading: every
    commit removes the previous one's, outside readers' control (the merger commits beside
    the indexer)."""
    for _attempt in range(attempts - 1):
        try:
            return read()
        except FileNotFoundError:
            pass
    return read()


def has_current_schema(ix) -> bool:
    """Whether an index has every field of make_schema(), of the same type (else rebuild)."""
    # `ix.schema` reads the index's table of contents again.
    current, stored = make_schema(), _latest(lambda: ix.schema)
    return all(name in stored and type(stored[name]) is type(current[name])
               for name in current.names())


def create_index(path):
    """An empty index in `path` (created)."""
    os.makedirs(path, exist_ok=True)
    return whoosh_index.create_in(path, make_schema())


def open_index(path):
    """Open the index in `path`; raises one of OPEN_ERRORS when it is missing or unreadable."""
    def read():
        if not whoosh_index.exists_in(path):
            raise EmptyIndexError(f"no index in {path}")
        return whoosh_index.open_dir(path)
    return _latest(read)


def writer_options() -> dict:
    """How every segment is written (by the indexer, a rebuild and the merger).

    Segments are written as separate files, not one compound file: opening a compound segment
    copies it into each process's memory, while separate files are read through the page
    cache, shared by all processes. Posting blocks hold 256 postings and are not
    zlib-compressed: the engine reads them faster, for a larger index (segments of either
    kind read the same).
    """
    return {"compound": False, "codec": W3Codec(blocklimit=256, compression=0)}


def writer(ix, **kwargs):
    """A writer (takes the index's write lock; one writer at a time), writing segments as
    `writer_options()` says."""
    return ix.writer(**{**writer_options(), **kwargs})


def latest_toc(ix):
    """The index's latest table of contents (Whoosh's TOC: schema, segments, generation),
    read now."""
    return _latest(ix._read_toc)


def listed_segments(ix) -> set:
    """Names of the segments the index's latest commit lists, read now. A segment's files are
    removed only after a commit stops listing it."""
    return {segment.segment_id() for segment in latest_toc(ix).segments}


def open_searcher(path):
    """A searcher over the index in `path` (reuse it: opening one is the expensive part)."""
    return open_index(path).searcher()
