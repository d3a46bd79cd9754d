"""Staff pages: figures per team with drill-down, the wall screen and its data, hotspots."""
import os

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

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.i18n import _, _l
from portal.core.security import no_store
from portal.stations.labels import TEAM_LABELS
from portal.stations.services import active_areas, category_tree
from portal.stats.cells import figures_seconds
from portal.stats.figures import month_choices, parse_query
from portal.stats.forms import DismissForm, LinkForm
from portal.stats.hotspots import (
    HotspotError,
    dismiss,
    link_as_incident,
    open_hotspots,
    recent_decided,
)
from portal.stats.labels import CASE_LIST_LABELS, HOTSPOT_STATUS_LABELS
from portal.stats.services import case_list, parse_case_list, team_sections
from portal.stats.wall import wall_data, wall_poll_seconds
from portal.submissions.labels import STATUS_LABELS

bp = Blueprint("stats_staff", __name__, template_folder="templates")
ALL_STAFF = ("moderator", "dispatcher", "viewer")
# The operations room: those who act on what the wall shows (administrators always may).
WALL_ROLES = ("moderator", "dispatcher")


@bp.record_once
def _register_links(state):
    # Settings of this feature, kept with it. Seconds between the wall screen's polls:
    state.app.config.setdefault("PORTAL_WALL_POLL_SECONDS",
                                wall_poll_seconds(os.environ.get("PORTAL_WALL_POLL_SECONDS")))
    # The least seconds between two builds of the figures by the worker.
    state.app.config.setdefault("PORTAL_FIGURES_SECONDS",
                                figures_seconds(os.environ.get("PORTAL_FIGURES_SECONDS")))
    for endpoint, label, roles in (
            ("stats_staff.figures", _l("Figures"), ALL_STAFF),
            ("stats_staff.hotspots", _l("Hotspots"), ALL_STAFF),
            ("stats_staff.wall", _l("Wall screen"), WALL_ROLES)):
        register_staff_link(state.app, endpoint, label, *roles)


@bp.context_processor
def _labels():
    return {"TEAM_LABELS": TEAM_LABELS, "HOTSPOT_STATUS_LABELS": HOTSPOT_STATUS_LABELS,
            "CASE_LIST_LABELS": CASE_LIST_LABELS, "STATUS_LABELS": STATUS_LABELS}


@bp.get("/staff/stats")
@role_required(*ALL_STAFF)
def figures():
    """The public figures per team, each number leading to the cases behind it."""
    query = parse_query(request.args)
    return render_template("stats/staff.html", data=team_sections(query), query=query,
                           areas=active_areas(), months=month_choices(),
                           categories=[c for _t, children in category_tree() for c in children])


@bp.get("/staff/stats/cases")
@role_required(*ALL_STAFF)
def cases():
    """The cases behind a figure (a team, category, area, months and which list)."""
    query = parse_query(request.args)
    team, which = parse_case_list(request.args)
    return render_template("stats/cases.html", rows=case_list(query, team=team, which=which),
                           query=query, team=team, which=which)


@bp.get("/staff/wall")
@role_required(*WALL_ROLES)
def wall():
    """The operations room's wall screen (it refreshes itself from /staff/wall.json)."""
    return render_template("stats/wall.html", data=wall_data(),
                           poll_ms=int(1000 * current_app.config["PORTAL_WALL_POLL_SECONDS"]))


@bp.get("/staff/wall.json")
@role_required(*WALL_ROLES)
def wall_json():
    """The wall's data, polled by static/js/wall.js."""
    return jsonify(wall_data())


def _hotspot_page(error=None, status=200):
    hotspots = open_hotspots(limit=50)
    forms = {}
    for hotspot in hotspots:
        link = LinkForm(prefix=f"h{hotspot.id}")
        link.lead.choices = [(str(m.submission.id), m.submission.display_code)
                             for m in hotspot.members]
        forms[hotspot.id] = (DismissForm(prefix=f"h{hotspot.id}"), link)
    return render_template("stats/hotspots.html", hotspots=hotspots, forms=forms,
                           decided=recent_decided(), error=error), status


def _refused(exc: HotspotError):
    return _hotspot_page(error=exc.message, status=exc.status)


bp.register_error_handler(HotspotError, _refused)


@bp.get("/staff/hotspots")
@role_required(*ALL_STAFF)
@no_store
def hotspots():
    """Open hotspots with their members, and the latest decisions."""
    return _hotspot_page()


def _actor() -> str:
    return f"user:{current_user.username}"


@bp.post("/staff/hotspots/<int:hotspot_id>/dismiss")
@role_required("dispatcher")
def dismiss_view(hotspot_id):
    """Dismiss a hotspot with a reason (audited)."""
    form = DismissForm(prefix=f"h{hotspot_id}")
    if not form.validate_on_submit():
        return _hotspot_page(error=" ".join(str(m) for errors in form.errors.values()
                                            for m in errors), status=422)
    dismiss(hotspot_id, reason=form.reason.data, actor=_actor())
    flash(_("The hotspot was dismissed."))
    return redirect(url_for(".hotspots"), code=303)


@bp.post("/staff/hotspots/<int:hotspot_id>/link")
@role_required("dispatcher")
def link_view(hotspot_id):
    """Handle a hotspot's members as one incident (audited)."""
    form = LinkForm(prefix=f"h{hotspot_id}")
    lead = form.lead.data or "" if form.validate_on_submit() else ""
    if not (lead.isascii() and lead.isdigit() and len(lead) <= 18):
        return _hotspot_page(error=_("Choose the case that stands for the incident among the "
                                     "members."), status=422)
    link_as_incident(hotspot_id, lead_id=int(lead), actor=_actor())
    flash(_("The reports are now handled as one incident."))
    return redirect(url_for(".hotspots"), code=303)

