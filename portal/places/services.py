"""Boundaries (load, list), point-in-area with the grids' precedence, and the district check.

Prepared geometries are built once per process and rebuilt only when the stored boundaries'
version changes (a new load in any process), so locating a point costs one small query and a
few prepared-geometry tests.
"""
import json
import threading
from dataclasses import dataclass

from portal.accounts.services import record_audit
from portal.core.i18n import _, localized
from portal.extensions import db
from portal.places import shapes
from portal.places.coords import from_display, to_display
from portal.places.geometry import parse_boundaries
from portal.places.models import Boundary
from portal.places.outline import outside_district
from portal.stations.models import Area
from portal.stations.services import find_area
from portal.submissions.locator import Located


@dataclass(frozen=True)
class _Shape:
    code: str
    kind: str
    geometry: object  # a prepared shapely geometry


_cache = {"key": None, "shapes": ()}
_lock = threading.Lock()


def load_boundaries(text: str, *, actor: str, source: str = "") -> list:
    """Validate a GeoJSON file and store each area's boundary (replacing its previous one).

    Raises BoundariesInvalid, listing every problem, before anything is written; returns the
    codes loaded. Audited.
    """
    areas = {a.code: a for a in db.session.execute(db.select(Area)).scalars()}
    geometries = parse_boundaries(text, set(areas))
    version = (db.session.execute(db.select(db.func.max(Boundary.version))).scalar() or 0) + 1
    existing = {b.area_id: b for b in db.session.execute(db.select(Boundary)).scalars()}
    for code, geometry in geometries.items():
        area = areas[code]
        row = existing.get(area.id) or Boundary(area=area)
        row.geojson = json.dumps(geometry, separators=(",", ":"))
        row.source = source[:200]
        row.version = version
        row.loaded_by = actor[:100]
        db.session.add(row)
    db.session.flush()
    record_audit(actor, "boundaries.load", target_type="boundaries", target_id=str(version),
                 after={"areas": sorted(geometries)}, note=source[:200])
    return sorted(geometries)


def boundary_rows() -> list:
    """[(area, boundary or None)] for every area, in display order."""
    boundaries = {b.area_id: b for b in db.session.execute(db.select(Boundary)).scalars()}
    areas = db.session.execute(db.select(Area).order_by(Area.sort_order, Area.id)).scalars()
    return [(area, boundaries.get(area.id)) for area in areas]


def _version_key():
    count, top = db.session.execute(
        db.select(db.func.count(Boundary.id), db.func.max(Boundary.version))).one()
    return (str(db.engine.url), count, top)


def _shapes() -> tuple:
    """Prepared boundaries, grids first (they take precedence over the subdistricts they cut)."""
    key = _version_key()
    if _cache["key"] == key:
        return _cache["shapes"]
    with _lock:
        if _cache["key"] != key:
            rows = db.session.execute(
                db.select(Boundary, Area).join(Area, Boundary.area_id == Area.id)
                .where(Area.active.is_(True)).order_by(Area.sort_order, Area.id)).all()
            loaded = [_Shape(area.code, area.kind, shapes.prepared(shapes.geometry(b.geojson)))
                      for b, area in rows]
            loaded.sort(key=lambda s: s.kind != "grid")
            _cache["shapes"], _cache["key"] = tuple(loaded), key
    return _cache["shapes"]


def _all_subdistricts_loaded(shapes) -> bool:
    loaded = {s.code for s in shapes}
    codes = db.session.execute(
        db.select(Area.code).filter_by(active=True, kind="subdistrict")).scalars()
    return all(code in loaded for code in codes)


def boundaries_loaded() -> bool:
    """Whether any area boundary is loaded (a point can then decide its area)."""
    return bool(_shapes())


def outside_message() -> str:
    """What a resident is told about a point outside the district."""
    return _("This point is outside Yangpu district. The portal serves Yangpu only: move the "
             "pin, or leave the map point out and choose the area from the list.")


def locate(latitude: float, longitude: float):
    """The area a WGS-84 point lies in (a grid before the subdistricts it cuts), or None.

    Returns Located(outside=True) for a point clearly outside the district's outline, or
    outside every loaded boundary once every subdistrict has one; None when nothing is known.
    """
    point = shapes.point(longitude, latitude)
    if outside_district(point):
        return Located(outside=True, message=outside_message())
    boundaries = _shapes()
    for item in boundaries:
        if item.geometry.covers(point):
            return Located(area_code=item.code)
    if boundaries and _all_subdistricts_loaded(boundaries):
        return Located(outside=True, message=outside_message())
    return None


def describe_point(lat_text, lon_text, given: str, display: str) -> dict:
    """A picked point (in `given` system) in WGS-84 and in the display system, with its area.

    Bad numbers answer {"error": ...}; the area is null when no boundary decides it.
    """
    try:
        lat, lon = float(lat_text), float(lon_text)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError
    except (TypeError, ValueError):
        return {"error": _("These coordinates are not on the map.")}
    wlon, wlat = from_display(lon, lat, given)
    dlon, dlat = to_display(wlon, wlat, display)
    located = locate(wlat, wlon)
    area = find_area(located.area_code) if located is not None and located.area_code else None
    return {"wgs84": [round(wlat, 6), round(wlon, 6)], "display": [dlat, dlon],
            "area": {"code": area.code, "name": localized(area, "name")} if area else None,
            "outside": located.message if located is not None and located.outside else None}
