"""The one module that reads whoosh-reloaded's internals: posting blocks, length columns.

Whoosh's matchers hand out one posting per Python call (id(), weight(), next(), a deletion
check). A posting block of the whoosh3 codec already holds its ids and weights as arrays, and
a segment's field lengths are one byte per document in one column: both are read whole here,
through attributes that are not part of Whoosh's public API. They were read from
whoosh-reloaded's source for the version in VERSION, so this module checks at import that
this distribution and version are installed and that every attribute it uses exists
(`STATUS`). When they are not, `STATUS.ok` is False: every function here then reads through
Whoosh's public interface only, and the engine serves searches with Whoosh's own searcher
(portal/search/engine/fallback.py); the test suite refuses to run (tests/conftest.py).
"""
import importlib.metadata
from array import array
from dataclasses import dataclass, field
from itertools import accumulate

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec
from whoosh.reading import SegmentReader, TermNotFound

DISTRIBUTION = "whoosh-reloaded"
VERSION = "2.7.5"

# (object the probe finds, attribute): everything below that is not public Whoosh API.
REQUIRED = (
    ("segment reader", "_terms"), ("segment reader", "_perdoc"),
    ("segment reader", "deleted_docs_set"),
    ("terms reader", "matcher"),
    ("posting matcher", "_read_data"), ("posting matcher", "_data"),
    ("posting matcher", "_byteids"), ("posting matcher", "_read_weights"),
    ("posting matcher", "_weights"), ("posting matcher", "_next_block"),
    ("per-document reader", "_cached_reader"),
    ("lengths column", "_dbfile"), ("lengths column", "_basepos"), ("lengths column", "_count"),
)


@dataclass(frozen=True)
class Status:
    """Whether the installed Whoosh is the one this module reads; `message` says what to do."""
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def message(self) -> str:
        if self.ok:
            return ""
        return ("portal/search/engine/storage.py reads Whoosh internals written for "
                f"{DISTRIBUTION} {VERSION}, but: " + "; ".join(self.problems) + ". Install the "
                "pinned version (pip install -r requirements.txt), or adapt storage.py to the "
                "installed one, update VERSION and run tests/search/test_engine_differential.py."
                " Until then searches use Whoosh's own searcher (correct, slower).")


def installed_version(distribution: str = DISTRIBUTION):
    """The installed version of `distribution`, or None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def probe() -> dict:
    """{name: object} of each internal object this module reads, from a one-document index
    in memory written as the portal writes (see index.writer)."""
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    class InMemory(RamStorage):
        """Temporary files in memory too: Whoosh's RamStorage writes them to a folder named
        after the index in the system's temporary directory, the same folder for every
        process, so two processes starting at once removed each other's files."""

        def temp_storage(self, name=None):
            return RamStorage()

    ix = InMemory().create_index(Schema(id=ID(stored=True), content=TEXT(phrase=True)))
    writer = ix.writer(codec=W3Codec(blocklimit=256, compression=0))
    writer.add_document(id="1", content="lamp post lamp")
    writer.commit()
    reader = ix.reader()
    found = {"segment reader": reader}
    terms = getattr(reader, "_terms", None)
    found["terms reader"] = terms
    if terms is not None and hasattr(terms, "matcher"):
        found["posting matcher"] = terms.matcher("content", b"lamp", ix.schema["content"].format)
    perdoc = getattr(reader, "_perdoc", None)
    found["per-document reader"] = perdoc
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        found["lengths column"] = perdoc._cached_reader("_content_len", LENGTHS_COLUMN)
    return found


def check(version=None, objects=None, required=REQUIRED) -> Status:
    """Compare the installed distribution and the internals found with what this module reads.

    `version` and `objects` default to what is installed (tests pass fakes; a false
    `version` means not installed)."""
    version = installed_version() if version is None else (version or None)
    problems = []
    if version != VERSION:
        problems.append(f"{DISTRIBUTION} {version or 'is not installed'}"
                        + (" is installed" if version else ""))
    try:
        objects = probe() if objects is None else objects
    except Exception as exc:  # noqa: BLE001  (any failure of the probe is a mismatch)
        return Status(problems + [f"probing the index internals failed ({exc!r})"])
    for name, attribute in required:
        if not hasattr(objects.get(name), attribute):
            problems.append(f"{name} has no attribute {attribute}")
    return Status(problems)


STATUS = check()


def leaves(searcher, since=0) -> list:
    """(segment reader, first document number) of each segment holding documents (an empty
    index has one reader that can read nothing: a new portal's first search must work);
    `since`: only the segments starting at or after that document number."""
    return [(reader, offset) for reader, offset in searcher.reader().leaf_readers()
            if reader.doc_count_all() and offset >= since]


def segment_name(reader):
    """The segment's name (its files never change once written), or None for other readers."""
    if isinstance(reader, SegmentReader):
        return reader.segment().segment_id()
    return None


def segment_deleted(reader) -> frozenset:
    """Segment-relative numbers of the deleted documents still present in its postings."""
    if STATUS.ok and isinstance(reader, SegmentReader):
        return reader.deleted_docs_set
    return frozenset(d for d in range(reader.doc_count_all()) if reader.is_deleted(d))


def segment_postings(reader, field, field_name, word, tbytes, want_weights) -> tuple:
    """(ids, weights) of one term in one segment as compact arrays: segment-relative ids,
    deleted documents included (callers take them out), 8 bytes a posting."""
    ids, weights = array("I"), array("f")
    fast = STATUS.ok and isinstance(reader, SegmentReader)
    try:
        if fast:
            matcher = reader._terms.matcher(field_name, tbytes, field.format)
        else:
            matcher = reader.postings(field_name, word)
    except (TermNotFound, KeyError):
        return ids, weights
    if fast and hasattr(matcher, "_read_data"):  # short posting lists may be another class
        while matcher.is_active():  # a whole block per turn
            matcher._read_data()
            block = matcher._data[0]
            # Ids are stored as gaps; accumulate() sums them in C (Whoosh: a generator).
            ids.extend(block if matcher._byteids else accumulate(block))
            if want_weights:
                matcher._read_weights()
                weights.extend(matcher._weights)
            matcher._next_block()
        return ids, weights
    while matcher.is_active():
        ids.append(matcher.id())
        if want_weights:
            weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def segment_lengths(reader, field_name) -> bytes:
    """Every document's encoded length of `field_name` in one segment, one byte each (the
    byte Whoosh's scorers decode with whoosh.util.numeric.byte_to_length)."""
    from whoosh.util.numeric import length_to_byte

    count = reader.doc_count_all()
    if not (STATUS.ok and isinstance(reader, SegmentReader)):
        return bytes(length_to_byte(reader.doc_field_length(d, field_name, 0))
                     for d in range(count))
    column = reader._perdoc._cached_reader(f"_{field_name}_len", LENGTHS_COLUMN)
    if column is None:
        return bytes(count)
    stored = min(column._count, count)  # trailing documents without text: 0
    return bytes(column._dbfile.get(column._basepos, stored)) + bytes(count - stored)
