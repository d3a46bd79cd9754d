"""Public accountability figures: per area, category, team and month of receipt.

The work is done once per version of the data: every case's facts are folded into cells keyed
by (month received, area, category), and the cells are kept in the page cache under a key made
of the same data versions as the public pages' (the newest change-log id and the deadline task's
position). A filter or a breakdown then only adds up cells. Figures that depend on the clock
alone (a deadline that passed with nothing happening) are at most PORTAL_PAGE_CACHE_SECONDS old.
"""
import re
import statistics
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app

from portal.core.i18n import _
from portal.core.inputs import BadParameter
from portal.core.pagecache import data_versions
from portal.core.time import as_utc, utcnow
from portal.extensions import db, page_cache
from portal.servicelevels.deadlines import working_clock
from portal.servicelevels.models import Deadline, FollowUp
from portal.stations.models import Area, Category
from portal.submissions.models import Submission

# Cases that entered handling: not those waiting for moderation, nor those rejected (spam,
# abuse, out of scope, duplicates).
NOT_COUNTED = ("received", "held", "rejected")
OPEN = ("accepted", "forwarded", "in_progress")
CONTENT = ("satisfied", "basic")  # "basically satisfied" counts as satisfied (满意率)
MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
DIMENSIONS = ("area", "category", "team", "month")


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
    days: list = field(default_factory=list)  # working days from start to resolution

    def add(self, other: "Tally") -> None:
        for name in ("received", "ack_due", "ack_on_time", "resolve_due", "resolve_on_time",
                     "answered", "satisfied", "resolved_once", "reopened", "open"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.days.extend(other.days)

    def metrics(self) -> dict:
        """The published figures (percentages with the count they are a share of)."""
        def share(part, whole):
            return round(100.0 * part / whole, 1) if whole else None
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
            "median_working_days_to_resolve": (round(statistics.median(self.days), 1)
                                               if self.days else None),
            "open_backlog": self.open,
        }


@dataclass
class FiguresQuery:
    """The filters of the page and the downloads (months are YYYY-MM, local time)."""

    start: str = ""
    end: str = ""
    area: str = ""
    category: str = ""

    def as_dict(self) -> dict:
        return {"from": self.start or None, "to": self.end or None, "area": self.area or None,
                "category": self.category or None}

    def args(self) -> dict:
        """The query-string form (for links that keep the filters)."""
        return {k: v for k, v in (("from", self.start), ("to", self.end), ("area", self.area),
                                  ("category", self.category)) if v}


def _month(value: str, name: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    match = MONTH.match(value)
    if not match or not (2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12):
        raise BadParameter(_("%(field)s must be a month written as YYYY-MM, e.g. 2026-10.",
                             field=name))
    return value


def parse_query(args) -> FiguresQuery:
    """Filters from a query string; a clear 400 for a bad month or an unknown code."""
    query = FiguresQuery(start=_month(args.get("from", ""), _("From")),
                         end=_month(args.get("to", ""), _("To")),
                         area=(args.get("area") or "").strip()[:40],
                         category=(args.get("category") or "").strip()[:60])
    if query.start and query.end and query.start > query.end:
        raise BadParameter(_("The first month must not be after the last."))
    if query.area and _area_by_code().get(query.area) is None:
        raise BadParameter(_("Unknown area."))
    if query.category and _category_by_code().get(query.category) is None:
        raise BadParameter(_("Unknown category."))
    return query


def _area_by_code() -> dict:
    return {a.code: a for a in db.session.execute(db.select(Area)).scalars()}


def _category_by_code() -> dict:
    return {c.code: c for c in db.session.execute(db.select(Category)).scalars()}


def data_version() -> str:
    """The versions public pages are keyed by (change log, deadline task): figures follow them."""
    return data_versions()


def figure_cells(now=None) -> dict:
    """{(month, area id, category id): Tally}, cached per data version."""
    if now is not None or not current_app.config.get("PORTAL_PAGE_CACHE", True):
        return build_cells(now)
    key = f"stats:cells:{data_version()}"
    cells = page_cache.get(key)
    if cells is None:
        cells = build_cells()
        page_cache.set(key, cells)
    return cells


def build_cells(now=None) -> dict:
    """Fold every counted case into its cell (one query, then arithmetic)."""
    now = now or utcnow()
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    clock = working_clock()
    rows = db.session.execute(
        db.select(Submission.created_at, Submission.status, Submission.area_id,
                  Submission.category_id, Deadline.started_at, Deadline.acknowledge_due,
                  Deadline.acknowledged_at, Deadline.resolve_due, Deadline.resolved_at,
                  Deadline.reopen_count, FollowUp.outcome, FollowUp.satisfaction)
        .outerjoin(Deadline, Deadline.submission_id == Submission.id)
        .outerjoin(FollowUp, FollowUp.submission_id == Submission.id)
        .where(Submission.status.not_in(NOT_COUNTED)))
    cells = {}
    for (created, status, area_id, category_id, started, ack_due, acked, resolve_due, resolved,
         reopens, outcome, satisfaction) in rows:
        month = as_utc(created).astimezone(zone).strftime("%Y-%m")
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
            tally.days.append(round(clock.working_days_between(as_utc(started),
                                                               as_utc(resolved)), 2))
        if resolved is not None or reopens:
            tally.resolved_once += 1
            tally.reopened += bool(reopens)
    return cells


def _names(obj) -> dict:
    return {"name_zh": obj.name_zh, "name_en": obj.name_en}


def team_names(team: str) -> dict:
    """A team's name in both languages (the labels are translated strings)."""
    from flask_babel import force_locale

    from portal.stations.labels import TEAM_LABELS

    names = {}
    for locale, key in (("zh", "name_zh"), ("en", "name_en")):
        with force_locale(locale):
            names[key] = str(TEAM_LABELS.get(team, team))
    return names


def figures(query: FiguresQuery, now=None) -> dict:
    """The figures for the filters: total and one breakdown per dimension (no personal data)."""
    areas = {a.id: a for a in db.session.execute(db.select(Area)).scalars()}
    categories = {c.id: c for c in db.session.execute(db.select(Category)).scalars()}
    area_id = next((a.id for a in areas.values() if a.code == query.area), None)
    category_id = next((c.id for c in categories.values() if c.code == query.category), None)
    total, groups = Tally(), {name: {} for name in DIMENSIONS}
    for (month, a_id, c_id), tally in figure_cells(now).items():
        if (query.start and month < query.start) or (query.end and month > query.end):
            continue
        if (query.area and a_id != area_id) or (query.category and c_id != category_id):
            continue
        category = categories.get(c_id)
        keys = {"area": a_id, "category": c_id, "month": month,
                "team": category.team if category else "operations_center"}
        total.add(tally)
        for name, key in keys.items():
            groups[name].setdefault(key, Tally()).add(tally)
    result = {"generated_at": (now or utcnow()).isoformat(timespec="seconds"),
              "timezone": current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"),
              "filters": query.as_dict(), "total": total.metrics()}
    result["by_area"] = [{"code": areas[k].code, **_names(areas[k]), **t.metrics()}
                         for k, t in sorted(groups["area"].items(),
                                            key=lambda i: (areas[i[0]].sort_order, i[0]))]
    result["by_category"] = [
        {"code": categories[k].code, **_names(categories[k]), "team": categories[k].team,
         **t.metrics()}
        for k, t in sorted(groups["category"].items(),
                           key=lambda i: (categories[i[0]].sort_order, i[0]))]
    result["by_team"] = [{"code": k, **team_names(k), **t.metrics()}
                         for k, t in sorted(groups["team"].items())]
    result["by_month"] = [{"month": k, **t.metrics()} for k, t in sorted(groups["month"].items())]
    return result


def month_choices(today=None) -> list:
    """The months a filter offers: from two years back to this one, newest first."""
    today = today or date.today()
    months = []
    year, month = today.year, today.month
    for _i in range(25):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months
