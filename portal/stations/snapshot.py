"""The reference rows each process keeps: categories, areas, stations, which categories are
emergency-only, and every row's names.

Every submission looks its category, area and station up, and pages label their filters with
names: three queries per submission and one per page for a few dozen rows that change a few
times a year. Each process reads them all once per version of the reference data
(REFERENCE_EDITED, the newest administrator's edit, read with the page versions: at once after
this process's own commit, within PORTAL_PAGE_VERSIONS_SECONDS after another's). A change
without a stamp (`flask portal seed` from another process) shows within SNAPSHOT_MAX_AGE; one
this process commits through its session, stamped or not, at once; and a transaction that has
changed reference rows itself looks them up as it sees them (seeding, then filing under a new
category, in one transaction).
"""
import time
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from portal.core.database import read_only
from portal.core.pagecache import registered_version
from portal.extensions import db
from portal.stations.models import REFERENCE_EDITED, Area, Category, CategoryNotice, Station

SNAPSHOT_MAX_AGE = 60.0
REFERENCE_MODELS = (Area, Category, CategoryNotice, Station)


class Name(NamedTuple):
    """A reference row's names, for `localized(name, "name")` like the row itself."""

    name_zh: str
    name_en: str


@dataclass(frozen=True)
class ReferenceSnapshot:
    """Every reference row as read at one version, detached from any session."""

    categories: dict  # code -> Category
    areas: dict  # code -> Area
    stations: dict  # slug -> Station
    emergency_only: frozenset  # ids of categories that take no submissions
    names: dict  # "category" | "area" | "station" -> {code or slug: Name}


def init_reference_snapshot(app) -> None:
    """Drop the snapshot when this process commits a change to a reference row."""
    for name, listener in (("after_flush", _note_reference_write),
                           ("after_commit", _forget_snapshot),
                           ("after_rollback", _forget_reference_write)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _changes_reference(session) -> bool:
    """Whether the session holds changes to reference rows not yet flushed."""
    return any(isinstance(row, REFERENCE_MODELS)
               for row in (*session.new, *session.dirty, *session.deleted))


def _note_reference_write(session, _flush_context) -> None:
    if _changes_reference(session):
        session.info["portal_reference_wrote"] = True


def _forget_reference_write(session) -> None:
    session.info.pop("portal_reference_wrote", None)


def _forget_snapshot(session) -> None:
    if session.info.pop("portal_reference_wrote", False):
        current_app.extensions.pop("portal_reference_snapshot", None)


def reference_snapshot() -> ReferenceSnapshot:
    """This process's snapshot of the reference data, read again when it has changed; the rows
    as the current transaction sees them when it has changed some itself (not kept)."""
    session = db.session()
    if session.info.get("portal_reference_wrote") or _changes_reference(session):
        return _snapshot_of(session)
    version = registered_version(REFERENCE_EDITED)
    kept = current_app.extensions.get("portal_reference_snapshot")
    now = time.monotonic()
    if kept is None or kept[0] != version or now - kept[1] > SNAPSHOT_MAX_AGE:
        kept = (version, now, _read_snapshot())
        current_app.extensions["portal_reference_snapshot"] = kept
    return kept[2]


def _read_snapshot() -> ReferenceSnapshot:
    # A session of its own, read-only: the caller's transaction is not begun (on SQLite a
    # writing request's first query takes the write lock), and its rows leave detached.
    with read_only(), Session(db.engine) as session:
        return _snapshot_of(session)


def _snapshot_of(session) -> ReferenceSnapshot:
    categories = {row.code: row for row in session.scalars(db.select(Category))}
    areas = {row.code: row for row in session.scalars(db.select(Area))}
    stations = {row.slug: row for row in session.scalars(db.select(Station))}
    emergency = frozenset(session.scalars(
        db.select(CategoryNotice.category_id).filter_by(emergency_only=True)))
    return ReferenceSnapshot(
        categories=categories, areas=areas, stations=stations, emergency_only=emergency,
        names={"category": {code: Name(row.name_zh, row.name_en)
                            for code, row in categories.items()},
               "area": {code: Name(row.name_zh, row.name_en) for code, row in areas.items()},
               "station": {slug: Name(row.name_zh, row.name_en)
                           for slug, row in stations.items()}})


def attached(row):
    """The snapshot's row as an instance of the current session, without a query."""
    if inspect(row).session is not None:
        return row  # read through the current session (it changed reference rows)
    return db.session.merge(row, load=False)
