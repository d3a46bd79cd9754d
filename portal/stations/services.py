"""Reference data: loading the shipped file and looking rows up for the other features."""
import json
from functools import lru_cache
from pathlib import Path

from portal.extensions import db
from portal.stations.models import Area, Category, Station
from portal.stations.snapshot import attached, reference_snapshot

REFERENCE_DATA = Path(__file__).with_name("reference_data.json")


def load_reference_file(path=REFERENCE_DATA) -> dict:
    """Read the shipped reference data file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _upsert(model, key: str, value: str, fields: dict) -> tuple:
    """Insert a row, or update one no administrator has edited (their changes win)."""
    row = db.session.execute(db.select(model).filter_by(**{key: value})).scalar_one_or_none()
    created = row is None
    if created:
        row = model(**{key: value})
        db.session.add(row)
    if row.edited_at is None:
        for name, field_value in fields.items():
            setattr(row, name, field_value)
    return row, created


def seed_reference_data(data: dict) -> dict:
    """Insert or update areas, categories and stations by code/slug (rows an administrator
    edited are left as they are); returns counts of new rows."""
    created = {"areas": 0, "categories": 0, "stations": 0}
    areas = {}
    for item in data["areas"]:
        area, new = _upsert(Area, "code", item["code"], {
            "kind": item["kind"], "name_zh": item["name_zh"], "name_en": item["name_en"],
            "overlaps": ",".join(item.get("overlaps", [])),
            "sort_order": item.get("sort_order", 0)})
        areas[area.code] = area
        created["areas"] += new
    db.session.flush()
    categories = {}
    for item in data["categories"]:  # parents come before their children in the file
        parent = categories.get(item["parent"]) if item.get("parent") else None
        category, new = _upsert(Category, "code", item["code"], {
            "parent": parent, "name_zh": item["name_zh"], "name_en": item["name_en"],
            "team": item["team"], "urgent": item["urgent"],
            "sort_order": item.get("sort_order", 0)})
        categories[category.code] = category
        created["categories"] += new
    for item in data["stations"]:
        _station, new = _upsert(Station, "slug", item["slug"], {
            "kind": item["kind"], "name_zh": item["name_zh"], "name_en": item["name_en"],
            "address_zh": item["address_zh"], "address_en": item["address_en"],
            "hours_zh": item["hours_zh"], "hours_en": item["hours_en"],
            "area": areas.get(item.get("area")), "is_sample": item.get("is_sample", False),
            "sort_order": item.get("sort_order", 0)})
        created["stations"] += new
    db.session.flush()
    return created


def active_areas() -> list:
    """Areas residents may choose, grid first, in display order."""
    return db.session.execute(
        db.select(Area).filter_by(active=True).order_by(Area.sort_order, Area.id)).scalars().all()


def active_stations() -> list:
    """Stations in display order (service stations, then the suggestion station)."""
    return db.session.execute(
        db.select(Station).filter_by(active=True).order_by(Station.sort_order, Station.id)
    ).scalars().all()


def all_stations() -> list:
    """Every station, retired ones too (staff filter by them), in display order."""
    return db.session.execute(
        db.select(Station).order_by(Station.sort_order, Station.id)).scalars().all()


def category_tree() -> list:
    """[(top-level category, [sub-categories])] of active categories, in display order."""
    rows = db.session.execute(
        db.select(Category).filter_by(active=True).order_by(Category.sort_order, Category.id)
    ).scalars().all()
    tops = [c for c in rows if c.parent_id is None]
    return [(top, [c for c in rows if c.parent_id == top.id]) for top in tops]


def _find_active(rows: dict, key):
    """The active row of the snapshot's `rows` with this code or slug, attached to the current
    session; None for anything that cannot be one."""
    if not isinstance(key, str) or not key or len(key) > 60:
        return None
    row = rows.get(key)
    return attached(row) if row is not None and row.active else None


def find_category(code: str):
    """An active sub-category by code (residents file under sub-categories only), or None."""
    category = _find_active(reference_snapshot().categories, code)
    return category if category is not None and category.parent_id is not None else None


def find_area(code: str):
    """An active area by code, or None."""
    return _find_active(reference_snapshot().areas, code)


def find_station(slug: str):
    """An active station by slug, or None."""
    return _find_active(reference_snapshot().stations, slug)


def landmarks(area_code=None) -> list:
    """Landmarks from the shipped reference data (dicts with name_zh, name_en, area), by area."""
    rows = _landmark_rows()
    return [dict(row) for row in rows if area_code is None or row.get("area") == area_code]


@lru_cache(maxsize=1)
def _landmark_rows() -> tuple:
    return tuple(load_reference_file().get("landmarks", ()))


def reference_names() -> dict:
    """{"category" | "area" | "station": {code or slug: Name}}, every row, retired ones too
    (pages label many values with them: a search page's filters, up to 90)."""
    return reference_snapshot().names
