"""What the public map shows: published submissions with a point, as GeoJSON, filtered and bounded.

Only published submissions, only their moderated title, no contact, no tracking code; points are
rounded to PUBLIC_DECIMALS places (about ten metres) so a pin never pinpoints a doorway more
precisely than the map needs. Coordinates are WGS-84 ([longitude, latitude], RFC 7946); when the
tiles are GCJ-02, each feature also carries `display`, the point in the tiles' system.
"""
from dataclasses import dataclass

from flask import url_for
from sqlalchemy.orm import aliased

from portal.core.hooks import hook_results
from portal.core.i18n import _, localized
from portal.core.inputs import NUMBER, strict_int
from portal.extensions import db
from portal.places import shapes
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
    published: str = ""  # the staff map only: "yes", "no" or "" (both)


def parse_map_query(args, *, staff: bool = False) -> MapQuery:
    """A MapQuery from request arguments (plain strings); MapQueryInvalid names each bad one.

    `published` (yes / no) is read for the staff map only."""
    fields, query = {}, MapQuery()
    query.kind = (args.get("kind") or "").strip()
    if query.kind and query.kind not in KINDS:
        fields["kind"] = _("Choose issue or idea.")
    query.status = (args.get("status") or "").strip()
    if query.status and query.status not in STATUSES:
        fields["status"] = _("Choose a status from the list.")
    query.category = (args.get("category") or "").strip()[:60]
    query.area = (args.get("area") or "").strip()[:60]
    if "bbox" in args:
        values = [float(v) if NUMBER.match(v.strip()) else None for v in args["bbox"].split(",")]
        if len(values) != 4 or None in values:
            fields["bbox"] = _("Give bbox as west,south,east,north in WGS-84 degrees.")
        else:
            # Clamped to the globe; a box with no width or height simply holds nothing.
            west, east = (min(max(v, -180.0), 180.0) for v in values[0::2])
            south, north = (min(max(v, -90.0), 90.0) for v in values[1::2])
            query.bbox = (west, south, east, north)
    query.published = (args.get("published") or "").strip() if staff else ""
    if query.published not in ("", "yes", "no"):
        fields["published"] = _("Choose published or unpublished.")
    if "limit" in args:
        query.limit = strict_int(args["limit"], minimum=1, maximum=MAX_LIMIT)
        if query.limit is None:
            fields["limit"] = _("Give limit as a number from 1 to %(max)d.", max=MAX_LIMIT)
    if fields:
        raise MapQueryInvalid(fields)
    return query


def published_points(query: MapQuery, *, staff: bool = False) -> tuple:
    """([row], truncated): published submissions with a point matching the query, newest first.

    Rows hold only the public columns the map needs (no ORM objects: 500 of them per response
    would cost more than the query). `staff` includes unpublished submissions (and their
    original title and publication state), newest received first: the staff map only.
    """
    columns = [Submission.id, Submission.kind, Submission.status, Submission.public_title,
               Submission.latitude, Submission.longitude, Submission.published_at,
               Submission.category_id, Submission.area_id]
    statement = db.select(*columns).where(Submission.latitude.is_not(None),
                                          Submission.longitude.is_not(None))
    if staff:
        statement = (statement.add_columns(Submission.title, Submission.published)
                     .order_by(Submission.created_at.desc(), Submission.id.desc()))
        if query.published:
            statement = statement.where(Submission.published.is_(query.published == "yes"))
    else:
        statement = (statement.where(Submission.published.is_(True))
                     .order_by(Submission.published_at.desc(), Submission.id.desc()))
    if query.kind:
        statement = statement.where(Submission.kind == query.kind)
    if query.status:
        statement = statement.where(Submission.status == query.status)
    if query.area:
        statement = statement.where(Submission.area_id.in_(
            db.select(Area.id).where(Area.code == query.area)))
    if query.category:
        parent = aliased(Category)
        statement = statement.where(Submission.category_id.in_(
            db.select(Category.id).where(
                (Category.code == query.category)
                | Category.parent_id.in_(db.select(parent.id)
                                         .where(parent.code == query.category)))))
    if query.bbox:
        west, south, east, north = query.bbox
        statement = statement.where(Submission.longitude.between(west, east),
                                    Submission.latitude.between(south, north))
    rows = db.session.execute(statement.limit(query.limit + 1)).all()
    return rows[:query.limit], len(rows) > query.limit


class Names:
    """Labels, names and links resolved once per response, not once per row."""

    SENTINEL = 987654321

    def __init__(self, locale: str):
        self.kinds = {k: str(v) for k, v in KIND_LABELS.items()}
        self.statuses = {k: str(v) for k, v in STATUS_LABELS.items()}
        self.categories = {c.id: {"code": c.code, "name": localized(c, "name", locale)}
                           for c in db.session.execute(db.select(Category)).scalars()}
        self.areas = {a.id: {"code": a.code, "name": localized(a, "name", locale)}
                      for a in db.session.execute(db.select(Area)).scalars()}
        self.url = url_for("submissions.published_detail", submission_id=self.SENTINEL)

    def link(self, submission_id: int) -> str:
        return self.url.replace(str(self.SENTINEL), str(submission_id))


class StaffNames(Names):
    """Names for the staff map: links go to the staff review page."""

    def __init__(self, locale: str):
        super().__init__(locale)
        self.url = url_for("moderation.detail", submission_id=self.SENTINEL)


def feature(row, names: Names, crs: str, staff: bool = False, marks=None) -> dict:
    """One published submission as a GeoJSON Feature (public fields only)."""
    lon = round(row.longitude, PUBLIC_DECIMALS)
    lat = round(row.latitude, PUBLIC_DECIMALS)
    properties = {
        "title": row.public_title or "",
        "kind": row.kind, "kind_label": names.kinds[row.kind],
        "status": row.status, "status_label": names.statuses[row.status],
        "category": names.categories[row.category_id], "area": names.areas[row.area_id],
        "published_at": row.published_at.isoformat() if row.published_at else None,
        "url": names.link(row.id),
    }
    if staff:  # the staff map: unpublished ones too, with their own title
        properties["published"] = row.published
        properties["title"] = row.public_title or row.title
        if marks and row.id in marks:
            properties["mark"] = marks[row.id]
    if crs != "wgs84":
        properties["display"] = [round(v, 6) for v in to_display(lon, lat, crs)]
    return {"type": "Feature", "id": row.id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def feature_collection(query: MapQuery, locale: str, crs: str, *, staff: bool = False) -> dict:
    """The GeoJSON FeatureCollection of the public map (or, `staff`, the staff map) for a query."""
    rows, truncated = published_points(query, staff=staff)
    names = StaffNames(locale) if staff else Names(locale)
    marks = {}
    if staff:  # e.g. the members of open hotspots, from the feature that finds them
        for found in hook_results("staff_map_marks"):
            marks.update(found)
    return {"type": "FeatureCollection",
            "features": [feature(r, names, crs, staff, marks) for r in rows],
            "truncated": truncated, "limit": query.limit}


def _display_geometry(geometry, crs: str) -> dict:
    if crs == "wgs84":
        return shapes.as_geojson(geometry)
    return shapes.as_geojson(shapes.transformed(
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
            "geometry": _display_geometry(shapes.geometry(boundary.geojson), crs)})
    return {"outline": _display_geometry(outline, crs) if outline is not None else None,
            "areas": {"type": "FeatureCollection", "features": areas}}


def map_view(crs: str) -> dict:
    """Where the map starts: the outline's (or the boundaries') bounds, else Yangpu's centre."""
    outline = active_outline()
    if outline is None:
        boundaries = [shapes.geometry(text) for text in
                      db.session.execute(db.select(Boundary.geojson)).scalars()]
        if boundaries:
            outline = shapes.union(boundaries)
    if outline is None:
        lat, lon = YANGPU_CENTRE
        lon, lat = to_display(lon, lat, crs)
        return {"center": [lat, lon]}
    west, south, east, north = outline.bounds
    (west, south), (east, north) = to_display(west, south, crs), to_display(east, north, crs)
    return {"bounds": [[south, west], [north, east]]}


def area_view(code: str, crs: str) -> dict:
    """Where a map centred on one area starts: its boundary's bounds when loaded, else map_view."""
    row = db.session.execute(db.select(Boundary.geojson).join(Area, Boundary.area_id == Area.id)
                             .where(Area.code == (code or ""))).scalar_one_or_none()
    if row is None:
        return map_view(crs)
    west, south, east, north = shapes.geometry(row).bounds
    (west, south), (east, north) = to_display(west, south, crs), to_display(east, north, crs)
    return {"bounds": [[south, west], [north, east]]}
