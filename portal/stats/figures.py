"""Public accountability figures: per area, category, team and month of receipt.

The background worker keeps every case's facts folded into cells per (month received, area,
category) (portal/stats/cells.py); a filter or a breakdown only adds up cells, and the figures
are as of the worker's last build (at most PORTAL_FIGURES_SECONDS behind while cases change).
"""
import re
from dataclasses import dataclass
from datetime import date

from flask import current_app

from portal.core.i18n import _
from portal.core.inputs import BadParameter
from portal.core.time import utcnow
from portal.extensions import db, page_cache
from portal.stations.models import Area, Category
from portal.stats.cells import Tally, stored_cells

MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
DIMENSIONS = ("area", "category", "team", "month")


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


def _sums(cells, query: FiguresQuery, area_id, category_id, teams: dict) -> dict:
    """The metrics of the total and of each area, category, team and month for the filters."""
    total, groups = Tally(), {name: {} for name in DIMENSIONS}
    for (month, a_id, c_id), tally in cells.items():
        if (query.start and month < query.start) or (query.end and month > query.end):
            continue
        if (query.area and a_id != area_id) or (query.category and c_id != category_id):
            continue
        keys = {"area": a_id, "category": c_id, "month": month,
                "team": teams.get(c_id, "operations_center")}
        total.add(tally)
        for name, key in keys.items():
            groups[name].setdefault(key, Tally()).add(tally)
    return {"total": total.metrics(),
            **{name: {key: tally.metrics() for key, tally in group.items()}
               for name, group in groups.items()}}


def figures(query: FiguresQuery) -> dict:
    """The figures for the filters: total and one breakdown per dimension (no personal data)."""
    areas = {a.id: a for a in db.session.execute(db.select(Area)).scalars()}
    categories = {c.id: c for c in db.session.execute(db.select(Category)).scalars()}
    area_id = next((a.id for a in areas.values() if a.code == query.area), None)
    category_id = next((c.id for c in categories.values() if c.code == query.category), None)
    teams = {c.id: c.team for c in categories.values()}
    cells, built_at, version = stored_cells()
    # Adding up thousands of cells is done once per build, filters and teams, not per page.
    key = (f"stats:sums:{version}:{query.start}:{query.end}:{area_id}:{category_id}:"
           f"{sorted(teams.items())}")
    cached = current_app.config.get("PORTAL_PAGE_CACHE", True)
    sums = page_cache.get(key) if cached else None
    if sums is None:
        sums = _sums(cells, query, area_id, category_id, teams)
        if cached:
            page_cache.set(key, sums)
    result = {"generated_at": (built_at or utcnow()).isoformat(timespec="seconds"),
              "timezone": current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"),
              "filters": query.as_dict(), "total": sums["total"]}
    result["by_area"] = [{"code": areas[k].code, **_names(areas[k]), **metrics}
                         for k, metrics in sorted(sums["area"].items(),
                                                  key=lambda i: (areas[i[0]].sort_order, i[0]))]
    result["by_category"] = [
        {"code": categories[k].code, **_names(categories[k]), "team": categories[k].team,
         **metrics}
        for k, metrics in sorted(sums["category"].items(),
                                 key=lambda i: (categories[i[0]].sort_order, i[0]))]
    result["by_team"] = [{"code": k, **team_names(k), **metrics}
                         for k, metrics in sorted(sums["team"].items())]
    result["by_month"] = [{"month": k, **metrics} for k, metrics in sorted(sums["month"].items())]
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
