"""Area boundaries: one GeoJSON geometry (WGS-84) per area, replaced by each load."""
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class Boundary(db.Model):
    """The outline of one area, as validated GeoJSON geometry text in WGS-84 (lon, lat)."""

    id = db.Column(db.Integer, primary_key=True)
    area_id = db.Column(db.Integer, db.ForeignKey("area.id"), nullable=False, unique=True)
    geojson = db.Column(db.Text, nullable=False)  # a Polygon or MultiPolygon geometry object
    source = db.Column(db.String(200), nullable=False, default="")
    # Raised on every load: processes compare it to rebuild their prepared geometries.
    version = db.Column(db.Integer, nullable=False, default=1)
    loaded_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)
    loaded_by = db.Column(db.String(100), nullable=False, default="")

    area = db.relationship("Area")
