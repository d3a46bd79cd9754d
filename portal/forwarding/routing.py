"""Routing: which team, which area (the riverside grid rule) and whether it is urgent.

The riverside grid rule. The riverside grid (an Area of kind "grid") cuts across three
subdistricts (its `overlaps`) and takes precedence over them. A submission is routed to a grid G
when either
  1. the resident chose G as the area, or
  2. the resident chose a subdistrict that G overlaps AND the submission is placed inside G:
     it came from a station that belongs to G, or its place text names G (its short name, e.g.
     "滨江" / "Riverside") or one of G's landmarks listed in stations/reference_data.json.
When boundaries are loaded and the submission has a point, geometry replaces rule 2: it is
routed to G when its point lies inside G (`located_area`, decided by the places feature at
creation), and the place text is not read. Otherwise it is routed to the area the resident
chose. A subdistrict that no grid overlaps is
never re-routed, whatever its place text says. Matching ignores case, width and Traditional vs
Simplified characters.
"""
import re
from dataclasses import dataclass
from functools import lru_cache

from portal.core.hooks import first_result
from portal.core.text import normalize
from portal.extensions import db
from portal.stations.models import Area
from portal.stations.services import load_reference_file

GRID_SUFFIXES = re.compile(r"(单独网格|网格|\s*grid)$", re.IGNORECASE)


@dataclass
class Route:
    team: str
    area: Area
    priority: bool
    rule: str  # area | riverside-grid


@lru_cache(maxsize=1)
def _landmarks() -> dict:
    """{area code: [normalised landmark names]} from the shipped reference data."""
    names = {}
    for item in load_reference_file().get("landmarks", []):
        for key in ("name_zh", "name_en"):
            if item.get(key):
                names.setdefault(item["area"], []).append(normalize(item[key]))
    return names


def grid_terms(grid: Area) -> list:
    """Words that place a submission inside a grid: its names, short names and landmarks."""
    terms = []
    for name in (grid.name_zh, grid.name_en):
        terms.append(normalize(name))
        short = GRID_SUFFIXES.sub("", name.strip())
        if len(short) >= 2:
            terms.append(normalize(short))
    return [t for t in terms + _landmarks().get(grid.code, []) if t]


def place_in_grid(submission, grid: Area) -> bool:
    """True when the submission's station or place text puts it inside the grid."""
    if submission.station is not None and submission.station.area_id == grid.id:
        return True
    place = normalize(submission.place)
    return bool(place) and any(term in place for term in grid_terms(grid))


def active_grids() -> list:
    """The active grids, in the order the riverside grid rule tries them."""
    return db.session.execute(db.select(Area).filter_by(kind="grid", active=True)
                              .order_by(Area.sort_order, Area.id)).scalars().all()


def routed_area(submission, grids=None) -> tuple:
    """(area, rule): the grid when the riverside grid rule applies, else the chosen area.

    `grids` is `active_grids()` when the caller already read it (the relay reads it once for
    all the changes it consumes together); None reads it here.
    """
    area = submission.area
    if area.kind == "grid":
        return area, "riverside-grid"
    located = submission.located_area
    if located is not None:  # geometry decides; text is only the fallback without it
        overlapped = {c.strip() for c in (located.overlaps or "").split(",") if c.strip()}
        if located.kind == "grid" and area.code in overlapped:
            return located, "riverside-grid"
        return area, "area"
    for grid in active_grids() if grids is None else grids:
        overlapped = {c.strip() for c in (grid.overlaps or "").split(",") if c.strip()}
        if area.code in overlapped and place_in_grid(submission, grid):
            return grid, "riverside-grid"
    return area, "area"


def is_urgent(category) -> bool:
    """Urgent when the category or its top-level dimension (public safety) is flagged urgent."""
    return bool(category.urgent or (category.parent is not None and category.parent.urgent))


def route(submission, grids=None) -> Route:
    """The team (the category's, unless the case was re-dispatched to another after a return),
    the routed area and the priority of a submission (`grids`: see `routed_area`)."""
    area, rule = routed_area(submission, grids)
    team = first_result("routing_team", submission) or submission.category.team
    return Route(team=team, area=area, priority=is_urgent(submission.category),
                 rule=rule)
