"""Reference data: areas (subdistricts and grids), stations and categories."""
from portal.core.time import UTCDateTime
from portal.extensions import db

TEAMS = ("police", "market_regulation", "urban_management", "security", "cleaning", "property",
         "operations_center")


class Area(db.Model):
    """A subdistrict (街道) or a grid (网格) such as the riverside grid."""

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), nullable=False, unique=True)
    kind = db.Column(db.String(20), nullable=False, default="subdistrict")  # subdistrict | grid
    name_zh = db.Column(db.String(80), nullable=False)
    name_en = db.Column(db.String(120), nullable=False)
    # For a grid: comma-separated codes of the subdistricts it cuts across (it takes precedence).
    overlaps = db.Column(db.String(200), nullable=False, default="")
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Set when an administrator changes the row: `flask portal seed` then leaves it as it is.
    edited_at = db.Column(UTCDateTime(), nullable=True)


class Station(db.Model):
    """A party-mass service station (党群服务驿站) or the suggestion collection station."""

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(60), nullable=False, unique=True)
    kind = db.Column(db.String(20), nullable=False, default="service")  # service | suggestion
    name_zh = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(160), nullable=False)
    address_zh = db.Column(db.String(200), nullable=False, default="")
    address_en = db.Column(db.String(240), nullable=False, default="")
    hours_zh = db.Column(db.String(120), nullable=False, default="")
    hours_en = db.Column(db.String(160), nullable=False, default="")
    area_id = db.Column(db.Integer, db.ForeignKey("area.id"), nullable=True)
    is_sample = db.Column(db.Boolean, nullable=False, default=False)
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Set when an administrator changes the row: `flask portal seed` then leaves it as it is.
    edited_at = db.Column(UTCDateTime(), nullable=True)

    area = db.relationship(Area)


class Category(db.Model):
    """A top-level dimension (public management / safety / service) or a sub-category under one."""

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(60), nullable=False, unique=True)
    parent_id = db.Column(db.Integer, db.ForeignKey("category.id"), nullable=True)
    name_zh = db.Column(db.String(80), nullable=False)
    name_en = db.Column(db.String(120), nullable=False)
    team = db.Column(db.String(40), nullable=False, default="operations_center")
    urgent = db.Column(db.Boolean, nullable=False, default=False)
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Set when an administrator changes the row: `flask portal seed` then leaves it as it is.
    edited_at = db.Column(UTCDateTime(), nullable=True)

    parent = db.relationship("Category", remote_side=[id], backref="children")


class CategoryNotice(db.Model):
    """A notice shown before the forms of a category ("for a fire call 119..."), set by
    administrators; an emergency-only category shows it (and the numbers) instead of a form,
    and every channel refuses submissions to it."""

    category_id = db.Column(db.Integer, db.ForeignKey("category.id", ondelete="CASCADE"),
                            primary_key=True)
    text_zh = db.Column(db.Text, nullable=False, default="")
    text_en = db.Column(db.Text, nullable=False, default="")
    emergency_only = db.Column(db.Boolean, nullable=False, default=False)
    # Set on every administrator's change: part of the reference data's version.
    edited_at = db.Column(UTCDateTime(), nullable=True)

    category = db.relationship("Category", backref=db.backref("notice", uselist=False))


# Changes with every administrator's edit of reference data, notices included (a page-cache
# version, and the version of each process's reference snapshot).
REFERENCE_EDITED = db.select(db.func.max(db.union_all(
    db.select(Area.edited_at), db.select(Station.edited_at), db.select(Category.edited_at),
    db.select(CategoryNotice.edited_at),
).subquery().c[0]))
