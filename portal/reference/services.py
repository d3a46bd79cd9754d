"""Changing reference data: stations (any venue), categories and areas, each change audited.

A row an administrator has changed carries `edited_at`, so `flask portal seed` leaves it alone.
Nothing here deletes: a station, category or area is retired (inactive) and stays for the
submissions that point to it.
"""
import re

from portal.accounts.audit import record_audit
from portal.core.i18n import _
from portal.core.inputs import strict_int
from portal.core.time import utcnow
from portal.extensions import db
from portal.reference.labels import AREA_KIND_LABELS, STATION_KIND_LABELS
from portal.stations.models import TEAMS, Area, Category, Station

CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
TEXTS = ("name_zh", "name_en", "address_zh", "address_en", "hours_zh", "hours_en")
STATION_FIELDS = ("kind", "name_zh", "name_en", "address_zh", "address_en", "hours_zh",
                  "hours_en", "area", "sort_order", "active")
CATEGORY_FIELDS = ("name_zh", "name_en", "parent", "team", "urgent", "sort_order", "active")
AREA_FIELDS = ("kind", "name_zh", "name_en", "sort_order", "active")


class ReferenceInvalid(ValueError):
    """A change that cannot be stored, with the field it concerns; nothing was changed."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class ReferenceNotFound(LookupError):
    """No station, category or area with that code."""


def _snapshot(row, fields) -> dict:
    """The audited values of a row (related rows by their code)."""
    values = {}
    for name in fields:
        value = getattr(row, name)
        if isinstance(value, Area | Category):
            value = value.code
        values[name] = value
    return values


def _check_texts(model, values: dict) -> dict:
    """Trimmed texts within their column's length; both names required."""
    texts = {}
    for name in TEXTS:
        if name not in model.__table__.c:
            continue
        limit = model.__table__.c[name].type.length
        text = (values[name] or "").strip()
        if name.startswith("name_") and not text:
            raise ReferenceInvalid(name, _("Enter a name in both languages."))
        if len(text) > limit:
            raise ReferenceInvalid(name, _("At most %(count)s characters.", count=limit))
        texts[name] = text
    return texts


def _check_new_code(model, column: str, code: str) -> str:
    code = (code or "").strip()
    if not CODE.match(code):
        raise ReferenceInvalid(column, _("Use 1 to 60 lowercase letters, digits and hyphens, "
                                         "starting and ending with a letter or digit."))
    if db.session.execute(db.select(model).filter_by(**{column: code})).first():
        raise ReferenceInvalid(column, _("This code is already used."))
    return code


def _sort_order(value) -> int:
    number = strict_int(value if value not in (None, "") else 0, minimum=-10000, maximum=10000)
    if number is None:
        raise ReferenceInvalid("sort_order", _("Enter a whole number between -10000 and 10000."))
    return number


def _save(model, fields, row, changes: dict, *, actor: str, action: str, key: str):
    """Apply checked changes to a row (new or not), stamp it as edited and audit it."""
    before = None if row.id is None else _snapshot(row, fields)
    for name, value in changes.items():
        setattr(row, name, value)
    row.edited_at = utcnow()
    if row.id is None:
        db.session.add(row)
    db.session.flush()
    record_audit(actor, action, target_type=model.__tablename__, target_id=getattr(row, key),
                 before=before, after=_snapshot(row, fields))
    return row


def find_row(model, code: str):
    """A station (by slug), category or area (by code), retired ones included."""
    column = "slug" if model is Station else "code"
    row = db.session.execute(db.select(model).filter_by(**{column: code})).scalar_one_or_none()
    if row is None:
        raise ReferenceNotFound(code)
    return row


def save_station(*, actor: str, slug: str | None, values: dict) -> Station:
    """Add a station or venue (`slug` None: `values["slug"]` names it) or change one."""
    row = find_row(Station, slug) if slug else Station(
        slug=_check_new_code(Station, "slug", values.get("slug")))
    if values.get("kind") not in STATION_KIND_LABELS:
        raise ReferenceInvalid("kind", _("Choose a kind from the list."))
    area = None
    if values.get("area"):
        area = db.session.execute(db.select(Area).filter_by(code=values["area"])).scalar()
        if area is None:
            raise ReferenceInvalid("area", _("Choose an area from the list."))
    changes = {**_check_texts(Station, values), "kind": values["kind"], "area": area,
               "sort_order": _sort_order(values.get("sort_order", 0)),
               "active": bool(values.get("active", True))}
    return _save(Station, STATION_FIELDS, row, changes, actor=actor,
                 action="reference_station", key="slug")


def save_category(*, actor: str, code: str | None, values: dict) -> Category:
    """Add a category (`code` None: `values["code"]` names it) or change one. Two levels:
    residents file under sub-categories, whose parent is a top-level category."""
    row = find_row(Category, code) if code else Category(
        code=_check_new_code(Category, "code", values.get("code")))
    parent = None
    if values.get("parent"):
        parent = db.session.execute(db.select(Category).filter_by(
            code=values["parent"], parent_id=None)).scalar()
        if parent is None or parent is row:
            raise ReferenceInvalid("parent", _("Choose a top-level category, or none."))
        if row.id is not None and db.session.execute(
                db.select(Category.id).filter_by(parent_id=row.id)).first():
            raise ReferenceInvalid("parent", _("A category with sub-categories stays at the "
                                               "top level."))
    if values.get("team") not in TEAMS:
        raise ReferenceInvalid("team", _("Choose a team from the list."))
    changes = {**_check_texts(Category, values), "parent": parent, "team": values["team"],
               "urgent": bool(values.get("urgent")),
               "sort_order": _sort_order(values.get("sort_order", 0)),
               "active": bool(values.get("active", True))}
    return _save(Category, CATEGORY_FIELDS, row, changes, actor=actor,
                 action="reference_category", key="code")


def save_area(*, actor: str, code: str | None, values: dict) -> Area:
    """Add an area (`code` None: `values["code"]` names it) or change one."""
    row = find_row(Area, code) if code else Area(
        code=_check_new_code(Area, "code", values.get("code")))
    if values.get("kind") not in AREA_KIND_LABELS:
        raise ReferenceInvalid("kind", _("Choose a kind from the list."))
    changes = {**_check_texts(Area, values), "kind": values["kind"],
               "sort_order": _sort_order(values.get("sort_order", 0)),
               "active": bool(values.get("active", True))}
    return _save(Area, AREA_FIELDS, row, changes, actor=actor, action="reference_area",
                 key="code")


def reference_overview() -> dict:
    """Every area, category and station, retired ones too, in display order."""
    def rows(model):
        return db.session.execute(db.select(model).order_by(
            model.active.desc(), model.sort_order, model.id)).scalars().all()
    return {"areas": rows(Area), "categories": rows(Category), "stations": rows(Station)}
