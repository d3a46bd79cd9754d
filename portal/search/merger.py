"""The index's merger: joins small segments beside the indexer, without holding up its batches.

Each indexer batch is committed as a segment of its own. Whoosh's ordinary commit would also
merge small segments, inside the commit and under the index's write lock, so the batch (and
every submission in it) waited until segments written long before had been rewritten. Here a
worker task of its own writes the merged segment into a staging folder without the lock, and
takes the lock only to move it in: deletions the indexer made meanwhile (an update replaces a
document) are applied to the merged copies, and a new table of contents lists the merged
segment after the ones it leaves alone, in place of those it joins. Which segments to join is
Whoosh's own rule (`MERGE_SMALL`), so the index keeps the shape Whoosh's commits gave it.

Whoosh internals used here (pinned version, docs/search.md): `SegmentWriter(_lk=False)`,
its `_finalize_segment`/`_finish`, `FileIndex._read_toc` (also through index.latest_toc),
`TOC` and `clean_files`.
"""
import os
import shutil
from bisect import bisect_left
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files
from whoosh.reading import SegmentReader
from whoosh.util import fib
from whoosh.util.filelock import try_for
from whoosh.writing import SegmentWriter

from portal.search import index as search_index
from portal.search.indexer import current_generation, index_root

STAGING_DIR = "merging"
LOCK_SECONDS = 10.0
# Postings a merge holds in memory before sorting them out to temporary files (Whoosh's default
# is 128 MB): the merge of a large segment then costs a few percent more time, and the worker
# tens of megabytes where it cost over a hundred (docs/search.md).
POOL_MB = 16


class Joined(NamedTuple):
    """A segment of the snapshot being merged, and where its live documents went."""

    segment_id: str
    base: int  # the merged segment's number of this segment's first live document
    deleted: tuple  # the segment's deleted document numbers when it was read, sorted


class PreparedMerge(NamedTuple):
    """A merged segment written to the staging folder, not yet part of the index."""

    generation: Path
    joined: tuple
    segment: object  # Whoosh's segment object of the merged segment (None: nothing was live)


def segments_to_merge(segments) -> list:
    """Whoosh's MERGE_SMALL rule: the smallest segments, once at least five of them hold fewer
    documents together than a bound that grows with their number (a Fibonacci number), so a
    large segment is joined rarely, and only with many others. Empty when nothing is due."""
    ordered = sorted(segments, key=lambda s: s.doc_count_all())
    total = 0
    for i, segment in enumerate(ordered):
        total += segment.doc_count_all()
        if i > 3 and total < fib(i + 5):
            return ordered[:i + 1]
    return []


def merge_segments() -> int:
    """Worker task: merge the current index's small segments; returns how many it joined."""
    generation = current_generation(index_root())
    if generation is None:
        return 0
    try:
        prepared = prepare_merge(generation)
        return 0 if prepared is None else swap_in(prepared)
    except OSError:
        if current_generation(index_root()) == generation:
            raise
        return 0  # a rebuild replaced this generation (and removed its folder) meanwhile


class _Snapshot:
    """What a SegmentWriter reads from its index: storage, name and table of contents. The
    merged segment's files go to the staging folder, where no commit's clean-up looks."""

    def __init__(self, storage, indexname, toc):
        self.storage, self.indexname, self._toc = storage, indexname, toc

    def _read_toc(self):
        return self._toc


def prepare_merge(generation: Path):
    """Write the merged segment of the segments due for merging in the index generation
    `generation`, without the index's lock.

    Returns a PreparedMerge for `swap_in`, or None when the index is unreadable or nothing is
    due.
    """
    try:
        ix = search_index.open_index(generation)
        toc = search_index.latest_toc(ix)
    except search_index.OPEN_ERRORS:
        return None  # the indexer rebuilds an unreadable index
    chosen = segments_to_merge(toc.segments)
    if len(chosen) < 2:
        return None
    staging = generation / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)  # what an interrupted merge left
    staging.mkdir()
    writer = SegmentWriter(_Snapshot(FileStorage(str(staging)), ix.indexname, toc), _lk=False,
                           limitmb=POOL_MB, **search_index.writer_options())
    joined = []
    try:
        for segment in chosen:
            joined.append(Joined(segment.segment_id(), writer.docnum,
                                 tuple(sorted(segment.deleted_docs()))))
            reader = SegmentReader(ix.storage, toc.schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
    except BaseException:
        writer.cancel()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not writer.docnum:  # every document of those segments was deleted: they just go
        writer.cancel()
        return PreparedMerge(generation, tuple(joined), None)
    merged = writer._finalize_segment()
    writer._finish()
    return PreparedMerge(generation, tuple(joined), merged)


def swap_in(prepared: PreparedMerge) -> int:
    """Under the index's lock, replace the joined segments by the merged one; returns how many
    were joined (0 when the index changed under the merge in a way it cannot follow: rebuilt,
    or those segments merged already)."""
    staging = prepared.generation / STAGING_DIR
    try:
        ix = search_index.open_index(prepared.generation)
    except search_index.OPEN_ERRORS:
        shutil.rmtree(staging, ignore_errors=True)
        return 0
    lock = ix.lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=LOCK_SECONDS, delay=0.05):
        current_app.logger.warning("search merger: index locked for %ss, merge dropped",
                                   LOCK_SECONDS)
        shutil.rmtree(staging, ignore_errors=True)
        return 0
    try:
        latest = ix._read_toc()
        current = {s.segment_id(): s for s in latest.segments}
        joined = {j.segment_id for j in prepared.joined}
        if not joined <= current.keys():
            return 0
        segments = [s for s in latest.segments if s.segment_id() not in joined]
        if prepared.segment is not None:
            _apply_deletions_since(prepared, current)
            for name in prepared.segment.list_files(FileStorage(str(staging))):
                os.replace(staging / name, prepared.generation / name)
            segments.append(prepared.segment)
        generation = latest.generation + 1
        TOC(latest.schema, segments, generation).write(ix.storage, ix.indexname)
        clean_files(ix.storage, ix.indexname, generation, segments)
    finally:
        lock.release()
        shutil.rmtree(staging, ignore_errors=True)
    return len(prepared.joined)


def _apply_deletions_since(prepared: PreparedMerge, current: dict) -> None:
    """Delete, in the merged segment, the copies of documents deleted since it was written.

    A joined segment's live documents were copied in order from `base` on, so a document's
    number there is its number in the segment less the deleted ones before it.
    """
    merged = prepared.segment
    for joined in prepared.joined:
        before = joined.deleted
        for docnum in current[joined.segment_id].deleted_docs():
            position = bisect_left(before, docnum)
            if position == len(before) or before[position] != docnum:
                merged.delete_document(joined.base + docnum - position)
