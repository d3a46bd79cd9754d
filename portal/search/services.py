"""Searching: filters with counts, pages, highlighted snippets, similar submissions."""
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as dtime

from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from portal.core.i18n import _l
from portal.core.text import STOP_WORDS
from portal.core.time import local_zone
from portal.extensions import db
from portal.search import index as search_index
from portal.search import query as search_query
from portal.search.engine import FilterCache
from portal.search.highlight import highlight_all, snippet
from portal.search.searchers import holder
from portal.stations.models import Area, Category, Station
from portal.stations.snapshot import reference_snapshot
from portal.submissions.codes import grouped_code
from portal.submissions.models import Submission

log = logging.getLogger(__name__)

PUBLIC_FACETS = ("kind", "category", "area", "station", "status")
STAFF_FACETS = PUBLIC_FACETS + ("channel",)
VISIBILITY = ("published", "unpublished")
SORTS = ("relevance", "newest")
MAX_PAGE = 50  # deeper pages are not useful and cost a full ranking each
RANK_AHEAD = 100  # hits ranked per search, so the first five pages share one ranking


UNAVAILABLE_MESSAGE = _l("Search is being prepared. Please try again in a minute.")
RETRY_AFTER_SECONDS = 60  # a rebuild takes seconds to minutes; clients retry after this


class SearchUnavailable(Exception):
    """The search index is not ready (being built, or unreadable and being rebuilt)."""

    retry_after = RETRY_AFTER_SECONDS

    def __init__(self):
        super().__init__(str(UNAVAILABLE_MESSAGE))


@dataclass
class Hit:
    submission: object  # a Listed, or the Submission itself for `whole_rows`
    title: object  # Markup
    snippet: object  # Markup


@dataclass(frozen=True)
class Listed:
    """What a search page shows of a submission: a few columns and its reference rows, read
    without loading the submission (a page shows twenty, nearly always ones not seen before)."""

    id: int
    code: str
    kind: str
    status: str
    published: bool
    support_count: int
    created_at: datetime
    category: object
    area: object
    station: object

    @property
    def display_code(self) -> str:
        return grouped_code(self.code)


@dataclass
class SearchPage:
    # ok | help (nothing to search for) | unavailable (the index is not ready: being built,
    # or unreadable and being rebuilt; every caller reports it, never searches otherwise)
    state: str
    query: str = ""
    hits: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    facets: dict = field(default_factory=dict)
    terms: set = field(default_factory=set)

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, math.ceil(self.total / self.per_page)) if self.per_page else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


_NAMES = {"loaded": 0.0, "terms": {}}
NAMES_TTL = 300  # seconds: administrators may rename categories, areas and stations


def name_terms() -> dict:
    """{term: [(field, code)]}: which category, area or station a query word names."""
    if time.monotonic() - _NAMES["loaded"] < NAMES_TTL and _NAMES["terms"]:
        return _NAMES["terms"]
    from portal.stations.models import Area, Category, Station

    terms = {}

    def add(text, field_name, code):
        for token in search_index.analyzer()(text or "", mode="index"):
            if token.text not in STOP_WORDS:
                entries = terms.setdefault(token.text, [])
                if (field_name, code) not in entries:
                    entries.append((field_name, code))

    for category in db.session.execute(db.select(Category)).scalars():
        field_name = "category" if category.parent_id else "parent_category"
        add(category.name_zh, field_name, category.code)
        add(category.name_en, field_name, category.code)
    for area in db.session.execute(db.select(Area)).scalars():
        add(area.name_zh, "area", area.code)
        add(area.name_en, "area", area.code)
    for station in db.session.execute(db.select(Station)).scalars():
        add(station.name_zh, "station", station.slug)
        add(station.name_en, "station", station.slug)
    _NAMES.update(loaded=time.monotonic(), terms=terms)
    return terms


def _with_names(groups) -> list:
    """Query words that name a category, area or station also match submissions filed there."""
    names = name_terms()
    expanded = []
    for kind, words in groups:
        if kind == "any":
            words = list(words) + [pair for w in words for pair in names.get(w, [])]
        expanded.append((kind, words))
    return expanded


def _day_bound(value, end=False):
    """The start (or end) of a local calendar day as the naive UTC time the index holds."""
    if value is None:
        return None
    local = local_zone()
    moment = datetime.combine(value, dtime.max if end else dtime.min, tzinfo=local)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _filter_sets(cache: FilterCache, *, staff, filters, visibility, date_from, date_to) -> list:
    """The document sets a match must be in, one per filter (none: all documents): the
    cached sets themselves, never changed by callers, left for matching to intersect with
    the words' documents smallest first."""
    sets = []
    if not staff:
        sets.append(cache.docs("published", True))
    elif visibility == "published":
        sets.append(cache.docs("published", True))
    elif visibility == "unpublished":
        sets.append(cache.all() - cache.docs("published", True))
    for name, value in filters.items():
        if not value:
            continue
        if name == "category":
            sets.append(cache.docs("category", value) | cache.docs("parent_category", value))
        else:
            sets.append(cache.docs(name, value))
    if date_from or date_to:
        sets.append(cache.created_between(_day_bound(date_from), _day_bound(date_to, end=True)))
    return sets


def search(text: str, *, staff: bool = False, filters=None, visibility: str = "",
           date_from=None, date_to=None, sort: str = "relevance", page: int = 1,
           per_page: int = 20, list_all: bool = False, whole_rows: bool = False) -> SearchPage:
    """Search submissions: public search sees published ones only, staff search all.

    Without words or filters the page is "help", or, with `list_all`, every submission
    the caller may see, newest first (the API's listing). Hits carry a `Listed`, or with
    `whole_rows` the Submission with its category, area and station loaded.
    """
    filters = {k: v for k, v in (filters or {}).items() if v}
    text = (text or "").strip()[:200]
    page = min(max(page, 1), MAX_PAGE)
    fields = search_index.STAFF_FIELDS if staff else search_index.PUBLIC_FIELDS
    groups = _with_names(search_query.parse_query(text))
    terms = search_query.highlight_terms(text)
    if not (groups or filters or visibility or date_from or date_to or list_all):
        return SearchPage("help", query=text, page=page, per_page=per_page)
    searchers = holder()
    with searchers.lease() as state:
        if state is None:
            return SearchPage("unavailable", query=text, page=page, per_page=per_page)
        try:
            return _search(state, groups, fields, text, terms, staff=staff, filters=filters,
                           visibility=visibility, date_from=date_from, date_to=date_to,
                           sort=sort, page=page, per_page=per_page, whole_rows=whole_rows)
        except search_index.OPEN_ERRORS:  # a damaged segment: the worker rebuilds the index
            log.exception("search failed on %s", state.generation)
            searchers.forget(state)
            return SearchPage("unavailable", query=text, page=page, per_page=per_page)


def search_listing(text: str, *, filters=None, page: int = 1, per_page: int = 20) -> SearchPage:
    """Published submissions matching `text` and `filters` (all of them, newest first, when
    there are neither); raises SearchUnavailable while the index is not ready."""
    found = search(text, filters=filters, page=page, per_page=per_page, list_all=True,
                   whole_rows=True)
    if found.state == "unavailable":
        raise SearchUnavailable()
    return found


def _search(state, groups, fields, text, terms, *, staff, filters, visibility,
            date_from, date_to, sort, page, per_page, whole_rows) -> SearchPage:
    cache = state.cache
    within = _filter_sets(cache, staff=staff, filters=filters, visibility=visibility,
                          date_from=date_from, date_to=date_to)
    matched = cache.matching(groups, fields, within)
    facets = cache.facet_counts(matched, STAFF_FACETS if staff else PUBLIC_FACETS)
    ranked = []
    if matched:
        # Rank enough for the first pages at once; the next page or a repeated search reuses it.
        limit = max(page * per_page, RANK_AHEAD)
        key = (repr(groups), fields, staff, tuple(sorted(filters.items())), visibility,
               date_from, date_to, sort, limit)
        ranked = cache.remembered(key, lambda: cache.ranking(
            groups, fields, matched, limit, newest=(sort == "newest")))
    ids = cache.stored_ids(ranked[(page - 1) * per_page:page * per_page])
    hits = _hits(ids, staff=staff, terms=terms, whole_rows=whole_rows)
    return SearchPage("ok", query=text, hits=hits, total=len(matched), page=page,
                      per_page=per_page, facets=facets, terms=terms)


def _hits(ids, *, staff, terms, whole_rows) -> list:
    rows = (_whole_rows if whole_rows else _listed_rows)(ids, staff) if ids else {}
    hits = []
    for submission_id in ids:
        found = rows.get(submission_id)
        if found is None:
            continue
        row, title, body = found
        if not staff and not row.published:
            continue  # the index lags the database by a moment: the database decides
        hits.append(Hit(row, highlight_all(title or "", terms), snippet(body or "", terms)))
    return hits


def _whole_rows(ids, staff) -> dict:
    """{id: (Submission, title, body)}: the rows themselves, for callers that read every field."""
    rows = db.session.execute(
        db.select(Submission).where(Submission.id.in_(ids)).options(
            joinedload(Submission.category), joinedload(Submission.area),
            joinedload(Submission.station))).unique().scalars().all()
    return {row.id: (row, *((row.title, row.body) if staff
                            else (row.public_title, row.public_body))) for row in rows}


REFERENCE_KINDS = {"category": Category, "area": Area, "station": Station}


def _listed_statement(title, body):
    # Built once, of the table's plain columns: building a statement of ORM attributes for
    # every page cost more than reading its twenty rows.
    column = Submission.__table__.c
    return db.select(column.id, column.code, column.kind, column.status, column.published,
                     column.support_count, column.created_at, column.category_id,
                     column.area_id, column.station_id, column[title], column[body]).where(
        column.id.in_(bindparam("ids", expanding=True)))


PUBLIC_LISTED = _listed_statement("public_title", "public_body")
STAFF_LISTED = _listed_statement("title", "body")


def _listed_rows(ids, staff) -> dict:
    """{id: (Listed, title, body)}: the columns a search page shows, the reference rows from
    this process's snapshot (every row, retired ones too)."""
    rows = db.session.execute(STAFF_LISTED if staff else PUBLIC_LISTED, {"ids": ids}).all()
    by_id = reference_snapshot().by_id

    def reference(kind, row_id):
        if row_id is None:
            return None
        found = by_id[kind].get(row_id)
        # A row added since the snapshot was read (by another process, unstamped): read it.
        return found if found is not None else db.session.get(REFERENCE_KINDS[kind], row_id)

    return {row[0]: (Listed(*row[:7], category=reference("category", row.category_id),
                            area=reference("area", row.area_id),
                            station=reference("station", row.station_id)), row[-2], row[-1])
            for row in rows}


def similar_published(text: str, limit: int = 5) -> list:
    """Up to `limit` published submissions similar to `text` (a title being typed): any of
    its words, ranked by the same engine as search. Nothing while the index is not ready
    (a suggestion is optional: the resident goes on)."""
    groups = search_query.similar_groups((text or "")[:200])
    if not groups:
        return []
    fields = search_index.PUBLIC_FIELDS
    with holder().lease() as state:
        if state is None:
            return []
        cache = state.cache
        matched = cache.matching(groups, fields, (cache.docs("published", True),))
        ids = cache.stored_ids(cache.ranking(groups, fields, matched, limit)) if matched else []
    rows = {s.id: s for s in db.session.execute(
        db.select(Submission).where(Submission.id.in_(ids))).scalars()} if ids else {}
    return [rows[i] for i in ids if i in rows and rows[i].published]

