"""Places pages: the public map and its GeoJSON, the administrators' boundaries upload."""
import json

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.errors import error_response
from portal.core.i18n import _, _l, current_locale
from portal.core.pagecache import public_page
from portal.core.security import no_store
from portal.places.forms import BoundariesForm
from portal.places.geometry import BoundariesInvalid
from portal.places.mapdata import (
    MapQueryInvalid,
    Names,
    StaffNames,
    area_view,
    feature_collection,
    map_layers,
    map_view,
    parse_map_query,
    published_points,
)
from portal.places.outline import SOURCE as OUTLINE_SOURCE
from portal.places.outline import active_outline
from portal.places.search import search_places
from portal.places.services import boundary_rows, describe_point, load_boundaries
from portal.places.tiles import configure_map
from portal.stations.services import active_areas, category_tree
from portal.submissions.labels import KIND_LABELS, STATUS_LABELS

FILTERS = ("kind", "category", "area", "status")
STAFF_ROLES = ("moderator", "dispatcher", "viewer")

bp = Blueprint("places", __name__, template_folder="templates")


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "places.boundaries", _l("Boundaries"), "administrator")
    register_staff_link(state.app, "places.staff_map", _l("Map"), *STAFF_ROLES)


@bp.route("/staff/boundaries", methods=["GET", "POST"])
@role_required("administrator")
@no_store
def boundaries():
    """List the areas' boundaries and load new ones from an uploaded GeoJSON file."""
    form = BoundariesForm()
    problems, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            text = None
            problems, status = [_("The file is not UTF-8 text.")], 422
        if text is not None:
            try:  # the service raises before writing anything
                codes = load_boundaries(text, actor=current_user.username,
                                        source=upload.filename or "")
            except BoundariesInvalid as exc:
                problems, status = exc.problems, 422
            else:
                flash(_("Boundaries loaded for %(count)d areas.", count=len(codes)))
                return redirect(url_for(".boundaries"), code=303)
    elif form.is_submitted():
        status = 422
    return render_template("places/boundaries.html", form=form, problems=problems,
                           rows=boundary_rows(), outline=active_outline() is not None,
                           outline_source=OUTLINE_SOURCE), status


@bp.record_once
def _configure_map(state):
    """Check PORTAL_MAP_* and allow the tile server in the CSP when the app is created."""
    configure_map(state.app)


@bp.get("/map")
@public_page
def public_map():
    """The public map of published submissions, with filters and the same list without a map."""
    query = parse_map_query(request.args)
    rows, truncated = published_points(query)
    filters = {k: v for k, v in vars(query).items() if k in FILTERS and v}
    return render_template(
        "places/map.html", rows=rows, names=Names(current_locale()), truncated=truncated,
        data_url=url_for(".submissions_geojson", **filters, lang=current_locale()),
        **_map_page_values(query))


def _map_page_values(query) -> dict:
    crs = current_app.config["PORTAL_MAP_CRS"]
    return {"query": query, "categories": category_tree(), "areas": active_areas(),
            "kinds": KIND_LABELS, "statuses": STATUS_LABELS, "view": map_view(crs), "crs": crs,
            "tiles": current_app.config["PORTAL_MAP_TILES"],
            "subdomains": current_app.config["PORTAL_MAP_SUBDOMAINS"],
            "attribution": current_app.config["PORTAL_MAP_ATTRIBUTION"],
            "layers_url": url_for(".layers", lang=current_locale())}


@bp.get("/staff/map")
@role_required(*STAFF_ROLES)
@no_store
def staff_map():
    """The staff map: every submission with a point, unpublished ones too, linking to review."""
    query = parse_map_query(request.args, staff=True)
    rows, truncated = published_points(query, staff=True)
    filters = {k: v for k, v in vars(query).items() if k in FILTERS + ("published",) and v}
    return render_template(
        "places/staff_map.html", rows=rows, names=StaffNames(current_locale()),
        truncated=truncated, data_url=url_for(".staff_geojson", **filters,
                                              lang=current_locale()),
        **_map_page_values(query))


@bp.get("/staff/map.geojson")
@role_required(*STAFF_ROLES)
@no_store
def staff_geojson():
    """The staff map's data: like the public GeoJSON, with unpublished submissions."""
    collection = feature_collection(parse_map_query(request.args, staff=True), current_locale(),
                                    current_app.config["PORTAL_MAP_CRS"], staff=True)
    return current_app.response_class(json.dumps(collection, ensure_ascii=False),
                                      mimetype="application/geo+json")


@bp.get("/map/point.json")
def point():
    """A picked point in both systems and the area it lies in (the location picker asks)."""
    crs = current_app.config["PORTAL_MAP_CRS"]
    answer = describe_point(request.args.get("lat"), request.args.get("lon"),
                            crs if request.args.get("from") == "display" else "wgs84", crs)
    return jsonify(answer), 400 if "error" in answer else 200


@bp.get("/places/search.json")
def place_search():
    """Places (landmarks, stations, areas) whose name holds `q`, for the pickers' search box."""
    return jsonify(results=search_places(request.args.get("q", ""), current_locale(),
                                         current_app.config["PORTAL_MAP_CRS"]))


@bp.app_context_processor
def _location_picker():
    """`location_picker()` for forms with latitude/longitude fields (they work without it), and
    `kiosk_location_picker(area)` for the kiosk's location step."""
    return {"location_picker": location_picker, "kiosk_location_picker": kiosk_location_picker}


def _picker_values(view) -> dict:
    config = current_app.config
    return {"view": view, "tiles": config["PORTAL_MAP_TILES"],
            "subdomains": config["PORTAL_MAP_SUBDOMAINS"],
            "attribution": config["PORTAL_MAP_ATTRIBUTION"],
            "layers_url": url_for("places.layers", lang=current_locale()),
            "point_url": url_for("places.point", lang=current_locale()),
            "search_url": url_for("places.place_search", lang=current_locale())}


def location_picker():
    """The map, the place search, "use my location" and the area it finds, enhancing the
    coordinate fields."""
    crs = current_app.config["PORTAL_MAP_CRS"]
    return Markup(render_template("places/picker.html", **_picker_values(map_view(crs))))


KIOSK_ASSETS = ("vendor/leaflet/leaflet.css", "css/map.css", "vendor/leaflet/leaflet.js",
                "js/mapbase.js")


def kiosk_location_picker(area_code: str = ""):
    """The kiosk's touch map and place search, centred on the station's area; the page loads
    the map's assets (listed in data-assets) only when the location step is shown."""
    crs = current_app.config["PORTAL_MAP_CRS"]
    assets = [url_for("static", filename=name) for name in KIOSK_ASSETS]
    return Markup(render_template("places/kiosk_picker.html", assets=assets,
                                  **_picker_values(area_view(area_code, crs))))


@bp.get("/api/v1/submissions.geojson")
def submissions_geojson():
    """Published submissions with a point as GeoJSON (WGS-84), filtered, bounded by bbox/limit."""
    collection = feature_collection(parse_map_query(request.args), current_locale(),
                                    current_app.config["PORTAL_MAP_CRS"])
    return current_app.response_class(json.dumps(collection, ensure_ascii=False),
                                      mimetype="application/geo+json")


@bp.get("/map/layers.json")
def layers():
    """The district outline and the areas' boundaries, in the tiles' coordinate system."""
    return jsonify(map_layers(current_locale(), current_app.config["PORTAL_MAP_CRS"]))


def _invalid_query(exc: MapQueryInvalid):
    return error_response(400, next(iter(exc.fields.values())), code="invalid_query",
                          fields=exc.fields)


bp.register_error_handler(MapQueryInvalid, _invalid_query)
