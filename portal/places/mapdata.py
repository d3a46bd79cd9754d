"""What the public map shows: published submissions with a point, as GeoJSON, filtered and bounded.

Only published submissions, only their moderated title, no contact, no tracking code; points are
rounded to PUBLIC_DECIMALS places (about ten metres) so a pin never pinpoints a doorway more
precisely than the map needs. Coordinates are WGS-84 ([longitude, latitude], RFC 7946); when the
tiles are GCJ-02, each feature also carries `display`, the point in the tiles' system.
"""
import json
from dataclasses import dataclass

from flask import url_for
from shapely.geometry import mapping, shape
from sqlalchemy.orm import aliased, joinedload

from portal.extensions import db
from portal.i18n import _, localized
from portal.places.coords import to_display
from portal.places.models import Boundary
from portal.places.outline import active_outline
from portal.stations.models import Area, Category
from portal.submissions.labels import KIND_LABELS, STATUS_LABELS
from portal.submissions.models import KINDS, STATUSES, Submission

PUBLIC_DECIMALS = 4
DEFAULT_LIMIT = 500
MAX_LIMIT = 2000
# The middle of Yangpu district, for a map with neither outline nor boundaries to fit.
YANGPU_CENTRE = (31.29, 121.53)


class MapQueryInvalid(ValueError):
    """A map filter or bounding box that cannot be used (field -> message)."""

    def __init__(self, fields: dict):
        super().__init__(", ".join(fields))
        self.fields = fields


@dataclass
class MapQuery:
    kind: str = ""
    category: str = ""
    area: str = ""
    status: str = ""
    bbox: tuple = ()
    limit: int = DEFAULT_LIMIT


def parse_map_query(args) -> MapQuery:
    """A MapQuery from request arguments (plain strings); MapQueryInvalid names each bad one."""
    fields, query = {}, MapQuery()
    query.kind = (args.get("kind") or "").strip()
    if query.kind and query.kind not in KINDS:
        fields["kind"] = _("Choose issue or idea.")
    query.status = (args.get("status") or "").strip()
    if query.status and query.status not in STATUSES:
        fields["status"] = _("Choose a status from the list.")
    query.category = (args.get("category") or "").strip()[:60]
    query.area = (args.get("area") or "").strip()[:60]
    if args.get("bbox"):
        try:
            west, south, east, north = (float(v) for v in args["bbox"].split(","))
            if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
                raise ValueError
            query.bbox = (west, south, east, north)
        except ValueError:
            fields["bbox"] = _("Give bbox as west,south,east,north in WGS-84 degrees.")
    if args.get("limit"):
        try:
            query.limit = int(args["limit"])
            if not 1 <= query.limit <= MAX_LIMIT:
                raise ValueError
        except ValueError:
            fields["limit"] = _("Give limit as a number from 1 to %(max)d.", max=MAX_LIMIT)
    if fields:
        raise MapQueryInvalid(fields)
    return query


def published_points(query: MapQuery) -> tuple:
    """([submission], truncated): published submissions with a point matching the query."""
    statement = (db.select(Submission)
                 .where(Submission.published.is_(True), Submission.latitude.is_not(None),
                        Submission.longitude.is_not(None))
                 .options(joinedload(Submission.area), joinedload(Submission.category))
                 .order_by(Submission.published_at.desc(), Submission.id.desc()))
    if query.kind:
        statement = statement.where(Submission.kind == query.kind)
    if query.status:
        statement = statement.where(Submission.status == query.status)
    if query.area:
        statement = statement.where(Submission.area.has(Area.code == query.area))
    if query.category:
        parent = aliased(Category)
        statement = statement.where(Submission.category.has(
            (Category.code == query.category)
            | Category.parent_id.in_(db.select(parent.id).where(parent.code == query.category))))
    if query.bbox:
        west, south, east, north = query.bbox
        statement = statement.where(Submission.longitude.between(west, east),
                                    Submission.latitude.between(south, north))
    rows = db.session.execute(statement.limit(query.limit + 1)).scalars().all()
    return rows[:query.limit], len(rows) > query.limit


def feature(submission, locale: str, crs: str) -> dict:
    """One published submission as a GeoJSON Feature (public fields only)."""
    lon = round(submission.longitude, PUBLIC_DECIMALS)
    lat = round(submission.latitude, PUBLIC_DECIMALS)
    properties = {
        "title": submission.public_title or "",
        "kind": submission.kind, "kind_label": str(KIND_LABELS[submission.kind]),
        "status": submission.status, "status_label": str(STATUS_LABELS[submission.status]),
        "category": {"code": submission.category.code,
                     "name": localized(submission.category, "name", locale)},
        "area": {"code": submission.area.code,
                 "name": localized(submission.area, "name", locale)},
        "published_at": submission.published_at.isoformat() if submission.published_at else None,
        "url": url_for("submissions.published_detail", submission_id=submission.id),
    }
    if crs != "wgs84":
        properties["display"] = [round(v, 6) for v in to_display(lon, lat, crs)]
    return {"type": "Feature", "id": submission.id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def feature_collection(query: MapQuery, locale: str, crs: str) -> dict:
    """The GeoJSON FeatureCollection of the public map for a query."""
    rows, truncated = published_points(query)
    return {"type": "FeatureCollection", "features": [feature(s, locale, crs) for s in rows],
            "truncated": truncated, "limit": query.limit}


def _display_geometry(geometry, crs: str) -> dict:
    if crs == "wgs84":
        return mapping(geometry)
    import shapely  # only GCJ-02 maps convert shapes
    return mapping(shapely.transform(
        geometry, lambda coords: [to_display(lon, lat, crs) for lon, lat in coords]))


def map_layers(locale: str, crs: str) -> dict:
    """The outline and the areas' boundaries for the map, in the tiles' coordinate system."""
    outline = active_outline()
    areas = []
    rows = db.session.execute(db.select(Boundary, Area).join(Area, Boundary.area_id == Area.id)
                              .order_by(Area.sort_order, Area.id)).all()
    for boundary, area in rows:
        areas.append({"type": "Feature", "properties": {
            "code": area.code, "kind": area.kind, "name": localized(area, "name", locale)},
            "geometry": _display_geometry(shape(json.loads(boundary.geojson)), crs)})
    return {"outline": _display_geometry(outline, crs) if outline is not None else None,
            "areas": {"type": "FeatureCollection", "features": areas}}


def map_view(crs: str) -> dict:
    """Where the map starts: the outline's (or the boundaries') bounds, else Yangpu's centre."""
    outline = active_outline()
    if outline is None:
        shapes = [shape(json.loads(text)) for text in
                  db.session.execute(db.select(Boundary.geojson)).scalars()]
        if shapes:
            from shapely import union_all
            outline = union_all(shapes)
    if outline is None:
        lat, lon = YANGPU_CENTRE
        lon, lat = to_display(lon, lat, crs)
        return {"center": [lat, lon]}
    west, south, east, north = outline.bounds
    (west, south), (east, north) = to_display(west, south, crs), to_display(east, north, crs)
    return {"bounds": [[south, west], [north, east]]}
