"""Validating a GeoJSON file of area boundaries before anything is stored.

The file is a FeatureCollection (or one Feature) in WGS-84 longitude/latitude, as RFC 7946
requires; each feature names its area in `properties.code` and carries a Polygon or
MultiPolygon with valid rings. Every problem is collected, so one upload reports them all.
"""
import json

from portal.core.i18n import _
from portal.places import shapes

POLYGONAL = ("Polygon", "MultiPolygon")
# Names a GeoJSON file may give WGS-84 by (the 2008 draft's `crs` member); any other is refused.
WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84",
               "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"}
MAX_PROBLEMS = 20


class BoundariesInvalid(ValueError):
    """A boundaries file that cannot be loaded; `problems` lists each reason, translated."""

    def __init__(self, problems):
        self.problems = list(problems)[:MAX_PROBLEMS]
        super().__init__("; ".join(str(p) for p in self.problems))


def _crs_problem(document) -> str:
    crs = document.get("crs") if isinstance(document, dict) else None
    if crs is None:
        return ""
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    if name in WGS84_NAMES:
        return ""
    return _("The file is in the coordinate system %(crs)s; boundaries must be in WGS-84 "
             "longitude and latitude (EPSG:4326).", crs=str(name or crs)[:80])


def _positions(coordinates):
    """Every [lon, lat] position in a polygon's or multipolygon's nested coordinate lists."""
    if (isinstance(coordinates, list) and coordinates
            and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                    for v in coordinates)):
        yield coordinates
    elif isinstance(coordinates, list):
        for item in coordinates:
            yield from _positions(item)


def _rings(geometry):
    """Each linear ring of a Polygon or MultiPolygon (RFC 7946 requires them closed)."""
    polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                else geometry["coordinates"])
    for polygon in polygons if isinstance(polygons, list) else ():
        for ring in polygon if isinstance(polygon, list) else ():
            yield ring if isinstance(ring, list) else []


def _geometry_problem(label: str, geometry) -> str:
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGONAL:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return _("%(feature)s: the geometry must be a Polygon or MultiPolygon, not %(type)s.",
                 feature=label, type=str(kind or _("nothing"))[:40])
    positions = list(_positions(geometry.get("coordinates")))
    if not positions:
        return _("%(feature)s: the geometry has no coordinates.", feature=label)
    for position in positions:
        if len(position) < 2 or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
            return _("%(feature)s: the coordinate %(position)s is not a WGS-84 longitude and "
                     "latitude (projected or swapped coordinates?).",
                     feature=label, position=str(position)[:60])
    if not all(len(ring) >= 4 and ring[0] == ring[-1] for ring in _rings(geometry)):
        return _("%(feature)s: the rings are malformed (each ring needs at least four "
                 "positions, the last equal to the first).", feature=label)
    try:
        polygon = shapes.geometry(geometry)
    except (ValueError, TypeError, AttributeError, IndexError):
        return _("%(feature)s: the rings are malformed (each ring needs at least four "
                 "positions, the last equal to the first).", feature=label)
    if polygon.is_empty:
        return _("%(feature)s: the geometry has no coordinates.", feature=label)
    if not polygon.is_valid:
        return _("%(feature)s: invalid rings (%(reason)s).", feature=label,
                 reason=shapes.invalidity(polygon))
    return ""


def parse_boundaries(text: str, area_codes) -> dict:
    """{area code: GeoJSON geometry} from a file's text, or BoundariesInvalid listing each problem.

    `area_codes` are the codes of the existing areas; a feature must name one of them, once.
    """
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise BoundariesInvalid([_("The file is not valid JSON.")]) from None
    if isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
    else:
        raise BoundariesInvalid([_("The file must be a GeoJSON FeatureCollection of area "
                                   "boundaries.")])
    problems = [p for p in [_crs_problem(document)] if p]
    if not isinstance(features, list) or not features:
        raise BoundariesInvalid(problems + [_("The file holds no features.")])
    found = {}
    for number, feature in enumerate(features, start=1):
        label = _("Feature %(number)d", number=number)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(_("%(feature)s is not a GeoJSON Feature.", feature=label))
            continue
        properties = feature.get("properties") or {}
        code = properties.get("code") if isinstance(properties, dict) else None
        if not isinstance(code, str) or not code.strip():
            problems.append(_("%(feature)s has no area code (properties.code).", feature=label))
            continue
        code = code.strip()
        label = _("Feature %(number)d (%(code)s)", number=number, code=code[:40])
        if code not in area_codes:
            problems.append(_("%(feature)s: no area has this code.", feature=label))
            continue
        if code in found:
            problems.append(_("%(feature)s: this area appears twice in the file.", feature=label))
            continue
        problem = _geometry_problem(label, feature.get("geometry"))
        if problem:
            problems.append(problem)
            continue
        found[code] = {"type": feature["geometry"]["type"],
                       "coordinates": feature["geometry"]["coordinates"]}
    if problems:
        raise BoundariesInvalid(problems)
    return found
