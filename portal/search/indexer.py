"""The single writer: applies the change log to the index in order, and rebuilds it.

Layout of the index directory (PORTAL_INDEX_DIR, default <PORTAL_DATA_DIR>/index):
    CURRENT               the name of the generation in use (replaced atomically)
    gen-<ns>/             a complete Whoosh index, plus
    gen-<ns>/position.json  the last change-log id applied to it and the ids still missing

The position lives with the index it describes, so a restarted worker continues where it
stopped and a second host with its own directory catches up from the same log. Applying a
change re-reads the submission's current state, so applying it twice is harmless.
"""
import hashlib
import json
import os
import shutil
import threading
import time
from datetime import UTC
from pathlib import Path

from cachetools import LRUCache
from flask import current_app
from sqlalchemy import bindparam

from portal.core.database import read_only
from portal.extensions import db
from portal.search import index as search_index
from portal.search.words import ensure_place_words
from portal.stations.snapshot import set_reference_rows
from portal.submissions.listings import latest_change_id
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.public_text import originals, published_text

POSITION_FILE = "position.json"
CURRENT_FILE = "CURRENT"
BATCH_SIZE = 500
# Documents whose last written version this process remembers (a digest each, about 190 bytes):
# changes come mostly to recent submissions.
WRITTEN_KEPT = 20_000
# On PostgreSQL a lower id can commit after a higher one; ids skipped over are re-read for this
# long before they are taken for rolled-back transactions (which leave permanent gaps).
GAP_SECONDS = 120
GAP_LIMIT = 10_000


def index_root() -> Path:
    """The index directory of this process's configuration."""
    return Path(current_app.config.get("PORTAL_INDEX_DIR")
                or Path(current_app.config["PORTAL_DATA_DIR"]) / "index")


def current_generation(root: Path):
    """The directory of the generation in use, or None when there is none yet."""
    try:
        name = (root / CURRENT_FILE).read_text().strip()
    except OSError:
        return None
    path = root / name
    return path if name.startswith("gen-") and path.is_dir() else None


def read_position(generation: Path) -> dict:
    """{"last_id": int, "gaps": {id: first seen (unix time)}} of a generation."""
    data = json.loads((generation / POSITION_FILE).read_text())
    return {"last_id": int(data["last_id"]),
            "gaps": {int(k): float(v) for k, v in data.get("gaps", {}).items()}}


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_position(generation: Path, position: dict) -> None:
    """Record what the generation contains (after its Whoosh commit)."""
    _write_atomically(generation / POSITION_FILE, json.dumps(
        {"last_id": position["last_id"], "gaps": {str(k): v for k, v in position["gaps"].items()}}))


def register_staff_text(app, provider) -> None:
    """Add `provider(submission ids) -> {id: text}`: text a feature above this one (an idea's
    comments) adds to a submission's staff-only field, without being imported here. A change
    to that text must write a change-log entry on the submission, as any change does."""
    app.extensions.setdefault("portal_index_staff_text", []).append(provider)


def staff_texts(ids) -> dict:
    """{submission id: text} from every registered provider, for the staff field."""
    merged = {}
    for provider in current_app.extensions.get("portal_index_staff_text", ()):
        for submission_id, text in provider(ids).items():
            merged[submission_id] = "\n".join(v for v in (merged.get(submission_id), text) if v)
    return merged


def document_for(submission: Submission) -> dict:
    """The index document of a submission. Never contact details (the Contact table)."""
    category = submission.category
    # Public queries read `content`: only the published, masked public version of each public
    # field. The original (title, text, place) is for staff queries only, and left out when
    # it is the public text already (staff queries read `content` too).
    public, original = published_text(submission), originals(submission)
    return {
        "id": str(submission.id),
        # The title twice weighs it more than the rest (one field keeps queries cheap).
        "content": "\n".join(v for v in (public["title"], *public.values()) if v),
        "staff": "" if public == original else "\n".join(v for v in original.values() if v),
        "kind": submission.kind,
        "status": submission.status,
        "channel": submission.channel,
        "category": category.code if category else "",
        "parent_category": category.parent.code if category and category.parent else "",
        "area": submission.area.code if submission.area else "",
        "station": submission.station.slug if submission.station else "",
        "published": bool(submission.published),
        "created": search_index.column_time(_naive(submission.created_at)),
        "published_at": search_index.column_time(
            _naive(submission.published_at or submission.created_at)),
        "support": submission.support_count or 0,
    }


def _naive(value):
    """Whoosh stores naive datetimes: UTC without tzinfo."""
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


# The statements of a round, built once (building a statement and its cache key costs more than
# running it): the next changes after `after` (and the ids in `gaps`, which may still commit),
# and the submissions by id.
_NEXT = db.select(ChangeLog.id, ChangeLog.submission_id).order_by(ChangeLog.id).limit(
    bindparam("limit"))
CHANGES = _NEXT.where(ChangeLog.id > bindparam("after"))
CHANGES_AND_GAPS = _NEXT.where((ChangeLog.id > bindparam("after"))
                               | ChangeLog.id.in_(bindparam("gaps", expanding=True)))
SUBMISSIONS = db.select(Submission).where(Submission.id.in_(bindparam("ids", expanding=True)))


def _documents(ids) -> list:
    """[(id, document or None when the submission is gone)], read in one short transaction.

    The transaction ends before any text is analysed: outside requests a transaction holds
    SQLite's write lock (BEGIN IMMEDIATE), and residents' submissions must not wait for it.
    """
    submissions = db.session.execute(SUBMISSIONS, {"ids": list(ids)}).scalars().all()
    set_reference_rows(submissions, {"category": "category", "area": "area",
                                     "station": "station"})
    found = {s.id: document_for(s) for s in submissions}
    for submission_id, text in staff_texts(list(found)).items():
        if text and submission_id in found:
            document = found[submission_id]
            document["staff"] = "\n".join(v for v in (document["staff"], text) if v)
    db.session.rollback()
    return [(i, found.get(i)) for i in ids]


def _write_documents(writer, documents, fresh=False) -> None:
    for submission_id, document in documents:
        if document is None:  # deleted (or purged): it leaves the index too
            if not fresh:
                writer.delete_by_term("id", str(submission_id))
        elif fresh:
            writer.add_document(**document)
        else:
            writer.update_document(**document)


class WrittenDocuments:
    """What this process last wrote to an index generation: a digest of each document by
    submission id (None for one it deleted).

    Most changes a submission goes through leave its index document as it was: a reply, a
    deadline, a reminder, a delivery's "forwarded" read by the indexer after the relay had
    sent it. Such a change is applied by moving the index's position alone, without writing
    the document again (analysing its text, a segment, a merge later, every web process
    reopening its searcher). Remembered only after the commit that wrote them, and only for
    the generation written to (a rebuild starts another): a document not remembered is
    written, so a restarted worker or a full store costs writes, never a missed change.
    """

    def __init__(self, size: int = WRITTEN_KEPT):
        self.generation = None
        self.digests = LRUCache(maxsize=size)
        self.lock = threading.Lock()

    def changed(self, generation: Path, documents) -> list:
        """The (id, document) pairs that differ from what was last written to `generation`."""
        with self.lock:
            if generation != self.generation:
                self.generation, self.digests = generation, LRUCache(self.digests.maxsize)
            return [(i, d) for i, d in documents
                    if self.digests.get(i, "unknown") != _digest(d)]

    def written(self, generation: Path, documents) -> None:
        """Remember documents committed to `generation`."""
        with self.lock:
            if generation == self.generation:
                for submission_id, document in documents:
                    self.digests[submission_id] = _digest(document)


def _digest(document) -> bytes | None:
    if document is None:
        return None
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _written_documents() -> WrittenDocuments:
    written = current_app.extensions.get("portal_index_written")
    if written is None:
        written = current_app.extensions["portal_index_written"] = WrittenDocuments()
    return written


def apply_changes(batch_size: int = BATCH_SIZE) -> int:
    """Worker task: apply the next batch of the change log to this directory's index.

    A missing or unreadable index is rebuilt from the database first. Returns the number of
    change-log rows applied. The index keeps its own position, so the database is only read:
    on SQLite the indexer never holds the write lock residents' submissions wait for.
    """
    with read_only():
        return _apply_changes(batch_size)


def _apply_changes(batch_size: int) -> int:
    ensure_place_words()
    root = index_root()
    generation = current_generation(root)
    try:
        if generation is None:
            raise search_index.EmptyIndexError("no current generation")
        ix = search_index.open_index(generation)
        if not search_index.has_current_schema(ix):  # built by an older version: rebuild
            raise search_index.EmptyIndexError("index schema is out of date")
        position = read_position(generation)
    except Exception:  # noqa: BLE001  (whatever is wrong with a derived index: rebuild it)
        current_app.logger.warning("search index in %s missing or unreadable: rebuilding", root)
        db.session.rollback()
        return rebuild_index()
    last_id, gaps = position["last_id"], position["gaps"]
    rows = db.session.execute(CHANGES_AND_GAPS if gaps else CHANGES, {
        "after": last_id, "gaps": list(gaps), "limit": batch_size}).all()
    if not rows:
        db.session.rollback()
        return _expire_gaps(generation, position)
    written = _written_documents()
    documents = written.changed(generation, _documents(
        list(dict.fromkeys(row.submission_id for row in rows))))
    if documents:
        writer = search_index.writer(ix, timeout=10.0)
        try:
            _write_documents(writer, documents)
        except BaseException:
            writer.cancel()
            raise
        # Without merging: the merger task joins segments beside it (portal/search/merger.py),
        # so the batch is searchable without waiting for earlier segments to be rewritten.
        writer.commit(merge=False)
        written.written(generation, documents)
    seen = {row.id for row in rows}
    now = time.time()
    new_last = max(last_id, max(seen))
    # Ids skipped over in this batch may still commit (PostgreSQL); far older holes are
    # rows that were deleted or never committed.
    for missing in set(range(max(last_id + 1, new_last - GAP_LIMIT), new_last)) - seen:
        gaps.setdefault(missing, now)
    gaps = {k: v for k, v in gaps.items() if k not in seen and now - v < GAP_SECONDS}
    if len(gaps) > GAP_LIMIT:
        gaps = dict(sorted(gaps.items())[-GAP_LIMIT:])
    write_position(generation, {"last_id": new_last, "gaps": gaps})
    return len(rows)


def _expire_gaps(generation: Path, position: dict) -> int:
    now = time.time()
    kept = {k: v for k, v in position["gaps"].items() if now - v < GAP_SECONDS}
    if kept != position["gaps"]:
        write_position(generation, {"last_id": position["last_id"], "gaps": kept})
    return 0


def index_lag() -> dict:
    """How far this directory's index is behind the change log (for /readyz and the CLI)."""
    generation = current_generation(index_root())
    latest = latest_change_id()
    if generation is None:
        return {"ready": False, "applied": None, "latest": latest, "behind": None}
    try:
        applied = read_position(generation)["last_id"]
    except (OSError, ValueError, KeyError):
        return {"ready": False, "applied": None, "latest": latest, "behind": None}
    return {"ready": True, "applied": applied, "latest": latest, "behind": max(latest - applied, 0)}


def readiness() -> dict:
    """/readyz: searchable once an index exists here; `behind` is how many changes it lags."""
    return index_lag()


def rebuild_index(progress=None, chunk: int = 500, procs: int = 1) -> int:
    """Build a new generation from the database and swap it in atomically; returns documents.

    `progress(n)` is called after each chunk of n submissions; `procs` > 1 analyses in that
    many forked processes (one index segment each). Changes committed while the
    rebuild runs are applied afterwards by the indexer (the new generation starts at the
    change-log position read before the first submission).
    """
    ensure_place_words()
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    start_id = db.session.execute(db.select(db.func.max(ChangeLog.id))).scalar() or 0
    ids = db.session.execute(db.select(Submission.id).order_by(Submission.id)).scalars().all()
    db.session.rollback()
    generation = root / f"gen-{time.time_ns()}"
    ix = search_index.create_index(generation)
    extra = {"procs": procs, "multisegment": True} if procs > 1 else {}
    writer = search_index.writer(ix, limitmb=128, **extra)
    count = 0
    try:
        for offset in range(0, len(ids), chunk):
            part = ids[offset:offset + chunk]
            _write_documents(writer, _documents(part), fresh=True)
            db.session.expunge_all()  # keep memory flat on large rebuilds
            count += len(part)
            if progress:
                progress(len(part))
        writer.commit()
    except BaseException:
        writer.cancel()
        shutil.rmtree(generation, ignore_errors=True)
        raise
    write_position(generation, {"last_id": start_id, "gaps": {}})
    _write_atomically(root / CURRENT_FILE, generation.name)
    for old in root.glob("gen-*"):
        # Open readers keep their files (POSIX); a concurrent writer's batch is re-applied.
        if old.name != generation.name:
            shutil.rmtree(old, ignore_errors=True)
    return count
