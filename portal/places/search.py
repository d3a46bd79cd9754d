"""Place-name search over the portal's own places: the areas, the stations and the landmarks of
the reference data, in Chinese (either script) and English.

A result names the area it belongs to, the area's bounds when its boundary is loaded (the map
fits them) and a point only where the reference data gives one (`lat`, `lon` in WGS-84 on a
landmark): no coordinates are ever guessed.
"""
from portal.core.i18n import _l, localized
from portal.core.text import fold, to_traditional
from portal.extensions import db
from portal.places import shapes
from portal.places.coords import to_display
from portal.places.models import Boundary
from portal.stations.models import Area, Station
from portal.stations.services import landmarks

QUERY_MAX = 60
RESULTS_MAX = 8
KIND_ORDER = {"landmark": 0, "station": 1, "area": 2}
KIND_LABELS = {"landmark": _l("Landmark"), "station": _l("Station"), "area": _l("Area")}


def _key(text: str) -> str:
    return " ".join(fold(text or "").lower().split())


def _landmark_name(row: dict, locale: str) -> str:
    if locale == "en":
        return row["name_en"]
    return to_traditional(row["name_zh"]) if locale == "zh_Hant" else row["name_zh"]


def _area_bounds(crs: str) -> dict:
    """{area id: [[south, west], [north, east]]} in the tiles' system, for loaded boundaries."""
    bounds = {}
    for area_id, text in db.session.execute(db.select(Boundary.area_id, Boundary.geojson)):
        west, south, east, north = shapes.geometry(text).bounds
        (west, south), (east, north) = to_display(west, south, crs), to_display(east, north, crs)
        bounds[area_id] = [[south, west], [north, east]]
    return bounds


def _point(row: dict, crs: str):
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    dlon, dlat = to_display(lon, lat, crs)
    return {"wgs84": [lat, lon], "display": [dlat, dlon]}


def search_places(text: str, locale: str, crs: str) -> list:
    """Places whose Chinese (Simplified or Traditional) or English name contains the query.

    Names that start with the query come first, then landmarks, stations and areas; at most
    RESULTS_MAX. An empty query finds nothing.
    """
    query = _key((text or "")[:QUERY_MAX])
    if not query:
        return []
    areas = {a.id: a for a in db.session.execute(
        db.select(Area).filter_by(active=True).order_by(Area.sort_order, Area.id)).scalars()}
    by_code = {a.code: a for a in areas.values()}
    bounds = _area_bounds(crs)
    found = []

    def add(kind, name_zh, name_en, name, area, point=None, order=0):
        keys = (_key(name_zh), _key(name_en))
        if not any(query in k for k in keys):
            return
        prefix = any(k.startswith(query) for k in keys)
        found.append(((not prefix, KIND_ORDER[kind], order), {
            "kind": kind, "kind_label": str(KIND_LABELS[kind]), "name": name,
            "area": ({"code": area.code, "name": localized(area, "name", locale)}
                     if area is not None else None),
            "bounds": bounds.get(area.id) if area is not None else None,
            "point": point}))

    for order, row in enumerate(landmarks()):
        add("landmark", row["name_zh"], row["name_en"], _landmark_name(row, locale),
            by_code.get(row.get("area")), _point(row, crs), order)
    stations = db.session.execute(db.select(Station).filter_by(active=True)
                                  .order_by(Station.sort_order, Station.id)).scalars()
    for order, station in enumerate(stations):
        add("station", station.name_zh, station.name_en, localized(station, "name", locale),
            areas.get(station.area_id), None, order)
    for order, area in enumerate(areas.values()):
        add("area", area.name_zh, area.name_en, localized(area, "name", locale), area, None,
            order)
    found.sort(key=lambda item: item[0])
    return [result for _rank, result in found[:RESULTS_MAX]]
