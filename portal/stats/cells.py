"""The figures' cells, kept by the background worker per month of receipt.

A cell holds the counters of the cases received in one month (local time) in one area and
category. The figures task rebuilds the months whose cases changed since its last build (read
from the change log up to where the deadline task has applied it, so deadlines and follow-ups
are current when it reads them) and the months of cases whose deadline passed meanwhile, at
most every PORTAL_FIGURES_SECONDS; on the first build of each day it rebuilds every month (a
changed working calendar moves past figures too). Pages add up the stored cells, so what a
page costs does not grow with the number of cases, and the figures are as of the last build.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func

from portal.core.database import read_only_transaction
from portal.core.positions import locked_position
from portal.core.time import as_utc, local_zone, utcnow
from portal.core.unit_of_work import unit_of_work
from portal.extensions import db
from portal.servicelevels.deadlines import POSITION_NAME as DEADLINES_POSITION
from portal.servicelevels.deadlines import working_clock
from portal.servicelevels.models import Deadline, FollowUp, ServiceLevelPosition
from portal.stats.models import FigureMonth, StatsPosition
from portal.submissions.models import ChangeLog, Submission

# Cases that entered handling: not those waiting for moderation, nor those rejected (spam,
# abuse, out of scope, duplicates).
NOT_COUNTED = ("received", "held", "rejected")
OPEN = ("accepted", "forwarded", "in_progress")
CONTENT = ("satisfied", "basic")  # "basically satisfied" counts as satisfied (满意率)
COUNTERS = ("received", "ack_due", "ack_on_time", "resolve_due", "resolve_on_time", "answered",
            "satisfied", "resolved_once", "reopened", "open")

READ_POSITION = "figures"  # the change-log id read up to; updated_at: the last build's clock
BUILT_POSITION = "figures-built"  # moved by every build that changed a month
# On PostgreSQL a change-log id can commit after a higher one: changes written this long before
# the last build are read again.
SETTLE = timedelta(seconds=60)
REREAD_WINDOW = 1000
FIGURES_SECONDS = 30.0
# Rows read at a time: a build over every case streams them instead of holding them all.
STREAM_ROWS = 2000

# What the stored figures are a version of (a page-cache version and the cells' cache key).
FIGURES_VERSION = db.select(StatsPosition.last_id).where(StatsPosition.name == BUILT_POSITION)


def figures_seconds(value) -> float:
    """PORTAL_FIGURES_SECONDS: the least time between two builds of the figures (0 to 3600)."""
    try:
        seconds = float(value) if value not in (None, "") else FIGURES_SECONDS
    except ValueError:
        return FIGURES_SECONDS
    return min(3600.0, max(0.0, seconds)) if seconds == seconds else FIGURES_SECONDS


def median_of(counts: Counter):
    """The median of a multiset given as {value: how many times} (statistics.median's answer)."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def nth(position):  # the value at this 0-based position of the sorted values
        seen = 0
        for value, times in ordered:
            seen += times
            if position < seen:
                return value

    return (nth((total - 1) // 2) + nth(total // 2)) / 2


@dataclass
class Tally:
    """Counters of one cell (or of a sum of cells)."""

    received: int = 0
    ack_due: int = 0
    ack_on_time: int = 0
    resolve_due: int = 0
    resolve_on_time: int = 0
    answered: int = 0
    satisfied: int = 0
    resolved_once: int = 0
    reopened: int = 0
    open: int = 0
    days: Counter = field(default_factory=Counter)  # working days to resolution: how many cases

    def add(self, other: "Tally") -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.days.update(other.days)

    def metrics(self) -> dict:
        """The published figures (percentages with the count they are a share of)."""
        def share(part, whole):
            return round(100.0 * part / whole, 1) if whole else None
        median = median_of(self.days)
        return {
            "received": self.received,
            "acknowledged_on_time_pct": share(self.ack_on_time, self.ack_due),
            "acknowledged_on_time_base": self.ack_due,
            "resolved_on_time_pct": share(self.resolve_on_time, self.resolve_due),
            "resolved_on_time_base": self.resolve_due,
            "satisfaction_pct": share(self.satisfied, self.answered),
            "satisfaction_base": self.answered,
            "reopened_pct": share(self.reopened, self.resolved_once),
            "reopened_base": self.resolved_once,
            "median_working_days_to_resolve": round(median, 1) if median is not None else None,
            "open_backlog": self.open,
        }

    def stored(self, area_id, category_id) -> list:
        """The cell as a JSON row: its area, category, counters and days."""
        return [area_id, category_id, *(getattr(self, name) for name in COUNTERS),
                sorted(self.days.items())]

    @classmethod
    def from_stored(cls, row) -> tuple:
        """((area id, category id), Tally) from a row `stored` wrote."""
        tally = cls(**dict(zip(COUNTERS, row[2:-1], strict=True)))
        tally.days = Counter({value: times for value, times in row[-1]})
        return (row[0], row[1]), tally


def month_of(moment, zone) -> str:
    """The local month (YYYY-MM) a moment falls in."""
    return as_utc(moment).astimezone(zone).strftime("%Y-%m")


def month_bounds(month: str) -> tuple:
    """The UTC instants a local month (YYYY-MM) starts and ends at."""
    zone = local_zone()
    year, number = int(month[:4]), int(month[5:])
    following = (year + (number == 12), number % 12 + 1)
    return (datetime(year, number, 1, tzinfo=zone).astimezone(UTC),
            datetime(*following, 1, tzinfo=zone).astimezone(UTC))


def build_cells(now=None, months=None) -> dict:
    """{(month, area id, category id): Tally} of every counted case, or of those received in
    `months` (one query, then arithmetic)."""
    now = now or utcnow()
    zone = local_zone()
    clock = working_clock()
    query = (db.select(Submission.created_at, Submission.status, Submission.area_id,
                       Submission.category_id, Deadline.started_at, Deadline.acknowledge_due,
                       Deadline.acknowledged_at, Deadline.resolve_due, Deadline.resolved_at,
                       Deadline.reopen_count, FollowUp.outcome, FollowUp.satisfaction)
             .outerjoin(Deadline, Deadline.submission_id == Submission.id)
             .outerjoin(FollowUp, FollowUp.submission_id == Submission.id)
             .where(Submission.status.not_in(NOT_COUNTED)))
    if months is not None:
        bounds = [month_bounds(month) for month in sorted(months)]
        query = query.where(db.or_(*(Submission.created_at.between(start, end)
                                     for start, end in bounds)))
    cells = {}
    for (created, status, area_id, category_id, started, ack_due, acked, resolve_due, resolved,
         reopens, outcome, satisfaction) in db.session.execute(
            query.execution_options(yield_per=STREAM_ROWS)):
        month = month_of(created, zone)
        if months is not None and month not in months:
            continue  # on a bound: it belongs to the neighbouring month
        tally = cells.setdefault((month, area_id, category_id), Tally())
        tally.received += 1
        tally.open += status in OPEN
        if outcome == "answered":
            tally.answered += 1
            tally.satisfied += satisfaction in CONTENT
        if started is None:
            continue  # the clock never started (the worker has not seen it yet)
        if acked is not None or (ack_due is not None and as_utc(ack_due) <= now):
            tally.ack_due += 1
            tally.ack_on_time += bool(acked is not None and ack_due is not None
                                      and as_utc(acked) <= as_utc(ack_due))
        if resolved is not None or (resolve_due is not None and as_utc(resolve_due) <= now
                                    and status in OPEN):
            tally.resolve_due += 1
            tally.resolve_on_time += bool(resolved is not None and resolve_due is not None
                                          and as_utc(resolved) <= as_utc(resolve_due))
        if resolved is not None:
            tally.days[round(clock.working_days_between(as_utc(started), as_utc(resolved)),
                             2)] += 1
        if resolved is not None or reopens:
            tally.resolved_once += 1
            tally.reopened += bool(reopens)
    return cells


def _changed_months(last_id: int, since, head: int, now, zone) -> set:
    """The months of the cases changed since the last build, or whose deadline passed since."""
    changed = (db.select(func.max(Submission.created_at))
               .join(ChangeLog, ChangeLog.submission_id == Submission.id)
               .where(ChangeLog.id > max(0, last_id - REREAD_WINDOW), ChangeLog.id <= head,
                      db.or_(ChangeLog.id > last_id, ChangeLog.created_at >= since - SETTLE)))
    crossed = (db.select(func.max(Submission.created_at))
               .join(Deadline, Deadline.submission_id == Submission.id)
               .where(db.or_(Deadline.acknowledge_due.between(since, now),
                             Deadline.resolve_due.between(since, now))))
    return _months_of(changed, zone) | _months_of(crossed, zone)


def _months_of(newest_created, zone) -> set:
    """The local months of the cases a `max(created_at)` statement reads: newest first, one
    query a month. Under load the changes since the last build are tens of thousands, nearly
    all in the current month; the database finds their few months without handing over a row
    for each."""
    months, before = set(), None
    while True:
        statement = newest_created if before is None else newest_created.where(
            Submission.created_at < before)
        newest = db.session.execute(statement).scalar()
        if newest is None:
            return months
        month = month_of(newest, zone)
        months.add(month)
        before = month_bounds(month)[0]


def _position_values(name: str) -> tuple:
    """(last id, updated at) of a stored position, (0, None) before its first use."""
    row = db.session.execute(db.select(StatsPosition.last_id, StatsPosition.updated_at)
                             .where(StatsPosition.name == name)).first()
    return (row.last_id, as_utc(row.updated_at)) if row else (0, None)


def _plan(now, every: float, zone):
    """What the build reads and folds: (positions seen, head, months or None for all, cells),
    or None when the last build is less than `every` seconds old."""
    seen = (*_position_values(READ_POSITION), _position_values(BUILT_POSITION)[0])
    last_id, last, built = seen
    if built and now - last < timedelta(seconds=every):
        return None
    head = db.session.execute(db.select(ServiceLevelPosition.last_id).where(
        ServiceLevelPosition.name == DEADLINES_POSITION)).scalar() or 0
    full = not built or last.astimezone(zone).date() != now.astimezone(zone).date()
    months = None if full else _changed_months(last_id, last, head, now, zone)
    return seen, head, months, (build_cells(now, months) if months != set() else {})


def refresh_figures(now=None, *, every: float = 0.0) -> int:
    """Rebuild the stored months whose figures may have changed (every month on the day's
    first build), unless the last build is less than `every` seconds old; returns how many."""
    now = now or utcnow()
    # Reading and folding take seconds over years of cases: done without SQLite's write lock,
    # which is taken below only to store the months.
    with read_only_transaction(db.session):
        plan = _plan(now, every, local_zone())
    if plan is None:
        return 0
    seen, head, months, cells = plan
    position = locked_position(StatsPosition, READ_POSITION)
    built = locked_position(StatsPosition, BUILT_POSITION)
    if seen[2] and seen != (position.last_id, as_utc(position.updated_at), built.last_id):
        return 0  # another worker built them meanwhile, from as recent a state
    position.last_id, position.updated_at = max(position.last_id, head), now
    if months == set():
        return 0
    by_month = {}
    for (month, area_id, category_id), tally in cells.items():
        by_month.setdefault(month, []).append(tally.stored(area_id, category_id))
    stale = db.delete(FigureMonth)
    if months is not None:
        stale = stale.where(FigureMonth.month.in_(months))
    db.session.execute(stale)
    db.session.add_all(FigureMonth(month=month, cells=rows, built_at=now)
                       for month, rows in by_month.items())
    built.last_id += 1
    return len(by_month) if months is None else len(months)


def figures_task() -> int:
    """One worker round: rebuild the figures' changed months, at most every few seconds."""
    with unit_of_work():
        return refresh_figures(every=current_app.config["PORTAL_FIGURES_SECONDS"])


def stored_cells() -> tuple:
    """({(month, area id, category id): Tally}, the build's time or None before the first,
    the build's version), read once per build and process (and kept in it: the cells of
    years of cases are too many to unpickle from a cache per page)."""
    version = db.session.execute(FIGURES_VERSION).scalar() or 0
    kept = current_app.extensions.get("portal_figure_cells")
    if kept is not None and kept[2] == version and current_app.config.get("PORTAL_PAGE_CACHE",
                                                                          True):
        return kept
    cells = {}
    for month, rows in db.session.execute(db.select(FigureMonth.month, FigureMonth.cells)):
        for row in rows:
            (area_id, category_id), tally = Tally.from_stored(row)
            cells[(month, area_id, category_id)] = tally
    built_at = db.session.execute(db.select(StatsPosition.updated_at).where(
        StatsPosition.name == READ_POSITION)).scalar() if version else None
    kept = (cells, as_utc(built_at) if built_at else None, version)
    current_app.extensions["portal_figure_cells"] = kept
    return kept
