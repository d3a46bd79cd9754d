"""The reference rows each process keeps: categories, areas, stations, which categories are
emergency-only, and every row's names.

Every submission looks its category, area and station up, forms list them and pages label
their filters with names: queries per request for a few dozen rows that change a few times a
year. Each process reads them all once per version of the reference data (REFERENCE_EDITED,
the newest administrator's edit), which it reads at most every PORTAL_PAGE_VERSIONS_SECONDS
like the page versions. A change this process commits through its session, stamped or not, is
seen at once; a change without a stamp from another process (`flask portal seed` run beside
the portal) within SNAPSHOT_MAX_AGE; and a transaction that has changed reference rows itself
looks them up as it sees them (seeding, then filing under a new category, in one transaction).
"""
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.core.database import read_only
from portal.core.pagecache import read_version
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
    by_id: dict  # "category" | "area" | "station" -> {id: row}
    # What forms offer, active rows in display order (read their codes and names only).
    category_tree: tuple  # ((top-level category, (its sub-categories, ...)), ...)
    active_areas: tuple
    active_stations: tuple
    # What the choice helpers made of the rows, kept with them: (kind, locale) -> choices. A
    # new version is a new snapshot, so it starts empty.
    choices: dict = field(default_factory=dict, compare=False, repr=False)


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


class _Kept(NamedTuple):
    checked: float  # when the version was last read
    version: object
    built: float
    snapshot: ReferenceSnapshot


def reference_snapshot() -> ReferenceSnapshot:
    """This process's snapshot of the reference data, read again when it has changed; the rows
    as the current transaction sees them when it has changed some itself (not kept)."""
    session = db.session()
    if session.info.get("portal_reference_wrote") or _changes_reference(session):
        return _snapshot_of(session)
    kept = current_app.extensions.get("portal_reference_snapshot")
    now = time.monotonic()
    if kept is not None and now - kept.built <= SNAPSHOT_MAX_AGE and (
            now - kept.checked < current_app.config["PORTAL_PAGE_VERSIONS_SECONDS"]):
        return kept.snapshot
    version = read_version(REFERENCE_EDITED)
    if kept is None or kept.version != version or now - kept.built > SNAPSHOT_MAX_AGE:
        kept = _Kept(now, version, now, _read_snapshot())
    else:
        kept = kept._replace(checked=now)
    current_app.extensions["portal_reference_snapshot"] = kept
    return kept.snapshot


def _read_snapshot() -> ReferenceSnapshot:
    # A session of its own, read-only: the caller's transaction is not begun (on SQLite a
    # writing request's first query takes the write lock), and its rows leave detached.
    with read_only(), Session(db.engine) as session:
        return _snapshot_of(session)


def _snapshot_of(session) -> ReferenceSnapshot:
    """Every reference row as `session` sees them, with what is derived from them."""
    categories = {row.code: row for row in session.scalars(db.select(Category))}
    areas = {row.code: row for row in session.scalars(db.select(Area))}
    stations = {row.slug: row for row in session.scalars(db.select(Station))}
    emergency = frozenset(session.scalars(
        db.select(CategoryNotice.category_id).filter_by(emergency_only=True)))

    def offered(rows):
        return tuple(sorted((row for row in rows if row.active),
                            key=lambda row: (row.sort_order, row.id)))

    offered_categories = offered(categories.values())
    return ReferenceSnapshot(
        categories=categories, areas=areas, stations=stations, emergency_only=emergency,
        category_tree=tuple((top, tuple(c for c in offered_categories if c.parent_id == top.id))
                            for top in offered_categories if top.parent_id is None),
        active_areas=offered(areas.values()), active_stations=offered(stations.values()),
        by_id={"category": {row.id: row for row in categories.values()},
               "area": {row.id: row for row in areas.values()},
               "station": {row.id: row for row in stations.values()}},
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


def _attach_by_id(kind: str, ids) -> dict:
    """The snapshot's `kind` rows ("category", "area" or "station") with these ids, put into
    the current session without a query: {id: row}. A category comes with its parents, its
    `parent` already set. An id the snapshot lacks (a row added since it was read) is left out.
    The session holds such rows only while the caller keeps them."""
    rows = reference_snapshot().by_id[kind]
    found, wanted = {}, set(ids) - {None}
    while wanted:
        row = rows.get(wanted.pop())
        if row is None:
            continue
        found[row.id] = attached(row)
        if kind == "category" and row.parent_id is not None and row.parent_id not in found:
            wanted.add(row.parent_id)
    if kind == "category":
        for row in found.values():
            if row.parent_id is None or row.parent_id in found:
                set_committed_value(row, "parent", found.get(row.parent_id))
    return found


def set_reference_rows(instances, relationships: dict) -> None:
    """Set the many-to-one `relationships` ({name: "category", "area" or "station"}) of loaded
    `instances` to the snapshot's rows, put into the session, as if loaded with them: reading
    them runs no query. A row the snapshot lacks is left to the relationship's own query.

    Joined or selected with every batch, the same few reference rows cost more to load than the
    rows that point at them.
    """
    if not instances:
        return
    mapper = inspect(instances[0]).mapper
    keys = {}  # relationship name -> the attribute holding its foreign key
    for name in relationships:
        [(column, _remote)] = mapper.relationships[name].local_remote_pairs
        keys[name] = mapper.get_property_by_column(column).key
    found = {}
    for kind in set(relationships.values()):
        found[kind] = _attach_by_id(kind, {getattr(instance, keys[name]) for instance in instances
                                           for name, of in relationships.items() if of == kind})
    for instance in instances:
        for name, kind in relationships.items():
            row_id = getattr(instance, keys[name])
            if row_id is None or row_id in found[kind]:
                set_committed_value(instance, name, found[kind].get(row_id))
