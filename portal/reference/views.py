"""Administrators' pages for stations and other venues, categories and areas."""
from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.errors import error_response
from portal.core.i18n import _l
from portal.core.security import no_store
from portal.reference.forms import AreaForm, CategoryForm, StationForm
from portal.reference.labels import AREA_KIND_LABELS, STATION_KIND_LABELS
from portal.reference.services import (
    ReferenceInvalid,
    ReferenceNotFound,
    find_row,
    reference_overview,
    save_area,
    save_category,
    save_station,
)
from portal.stations.labels import TEAM_LABELS
from portal.stations.models import Area, Category, Station

bp = Blueprint("reference", __name__, template_folder="templates")


@dataclass(frozen=True)
class Kind:
    """One kind of reference row: its model, form, save service and page titles."""

    model: type
    form: type
    save: object
    title_new: object
    title_edit: object


KINDS = {
    "stations": Kind(Station, StationForm, save_station, _l("Add a station or venue"),
                     _l("Change a station or venue")),
    "categories": Kind(Category, CategoryForm, save_category, _l("Add a category"),
                       _l("Change a category")),
    "areas": Kind(Area, AreaForm, save_area, _l("Add an area"), _l("Change an area")),
}


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "reference.overview", _l("Stations and categories"),
                        "administrator")


@bp.context_processor
def _labels():
    return {"STATION_KIND_LABELS": STATION_KIND_LABELS, "AREA_KIND_LABELS": AREA_KIND_LABELS,
            "TEAM_LABELS": TEAM_LABELS}


def _not_found(_exc: ReferenceNotFound):
    return error_response(404)


bp.register_error_handler(ReferenceNotFound, _not_found)


def _choices(form) -> None:
    """Fill the select lists from the reference data itself."""
    lists = reference_overview()
    if "area" in form:
        form.area.choices = [("", "—")] + [(a.code, f"{a.name_zh} / {a.name_en}")
                                           for a in lists["areas"]]
    if "kind" in form:
        labels = STATION_KIND_LABELS if isinstance(form, StationForm) else AREA_KIND_LABELS
        form.kind.choices = [(code, str(label)) for code, label in labels.items()]
    if "parent" in form:
        form.parent.choices = [("", _l("None (a top-level category)"))] + [
            (c.code, f"{c.name_zh} / {c.name_en}") for c in lists["categories"]
            if c.parent_id is None]
    if "team" in form:
        form.team.choices = [(code, str(label)) for code, label in TEAM_LABELS.items()]


def _form_for(kind: Kind, row):
    """The kind's form: the posted values, or on a GET the row's (related rows by code)."""
    form = kind.form(obj=row)
    if row is not None and not form.is_submitted():
        for name in ("area", "parent"):
            if name in form:
                related = getattr(row, name)
                form[name].data = related.code if related is not None else ""
    _choices(form)
    return form


@bp.get("/staff/reference")
@role_required("administrator")
@no_store
def overview():
    """Every station and venue, category and area, with links to change them."""
    return render_template("reference/overview.html", **reference_overview())


@bp.route("/staff/reference/<any(stations, categories, areas):kind_name>/new",
          methods=["GET", "POST"], defaults={"code": None})
@bp.route("/staff/reference/<any(stations, categories, areas):kind_name>/<code>",
          methods=["GET", "POST"])
@role_required("administrator")
@no_store
def edit(kind_name, code):
    """Add a row of this kind, or change one (administrators; audited)."""
    kind = KINDS[kind_name]
    row = find_row(kind.model, code) if code else None
    form = _form_for(kind, row)
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                kind.save(actor=f"user:{current_user.username}", **(
                    {"slug": code} if kind.model is Station else {"code": code}),
                    values=form.service_values())
            except ReferenceInvalid as exc:
                field = "code" if exc.field == "slug" else exc.field
                form[field].errors = [*form[field].errors, exc.message]
            else:
                return redirect(url_for(".overview"), code=303)
    return render_template("reference/edit.html", form=form, row=row, kind_name=kind_name,
                           title=kind.title_edit if row else kind.title_new), status
