"""Dispatcher pages (the local incident queue), dead deliveries for administrators, and the
signed endpoint where the operations platform reports progress."""

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import format_timedelta
from flask_login import current_user

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.errors import error_response
from portal.core.i18n import _, _l
from portal.core.time import as_utc, utcnow
from portal.extensions import csrf
from portal.forwarding import labels
from portal.forwarding.events import EventRejected, receive_platform_event
from portal.forwarding.forms import ActionForm, ReplyForm, StatusForm, TeamForm
from portal.forwarding.incidents import (
    assign_team,
    claim_incident,
    find_incident,
    incident_queue,
    reply_to_incident,
    set_incident_status,
)
from portal.forwarding.photos import PhotoLinkRefused, check_photo_link
from portal.forwarding.services import (
    delivery_counts,
    find_delivery,
    retry_delivery,
    troubled_deliveries,
)
from portal.stations.labels import TEAM_LABELS
from portal.submissions.services import TransitionNotAllowed

bp = Blueprint("forwarding", __name__, template_folder="templates")


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "forwarding.incidents", _l("Incident queue"),
                        "dispatcher")
    register_staff_link(state.app, "forwarding.deliveries",
                        _l("Forwarding to the operations platform"), "administrator")


@bp.app_context_processor
def forwarding_labels():
    return {"TEAM_LABELS": TEAM_LABELS,
            "INCIDENT_STATE_LABELS": labels.INCIDENT_STATE_LABELS,
            "DELIVERY_STATE_LABELS": labels.DELIVERY_STATE_LABELS}


@bp.app_template_filter("age")
def age_filter(value):
    """How long ago, in words of the active language ("3 hours")."""
    return format_timedelta(utcnow() - as_utc(value), granularity="minute") if value else ""


# --- the platform reports progress -----------------------------------------------------------

@bp.errorhandler(EventRejected)
def _event_rejected(exc):
    """An event that cannot apply, in the API's error shape (nothing of it was stored)."""
    return error_response(exc.status, exc.message, code=exc.code, fields=exc.fields)


@bp.post("/api/v1/platform/events")
@csrf.exempt
def platform_events():
    """A signed status event from the operations platform (idempotent by event_id)."""
    result = receive_platform_event(
        request.get_data(cache=True), timestamp=request.headers.get("X-Portal-Timestamp", ""),
        signature=request.headers.get("X-Portal-Signature", ""),
        secret=current_app.config.get("PORTAL_PLATFORM_SECRET", ""))
    if result.refusal is not None:
        return error_response(409, result.refusal.message, code=result.refusal.code)
    return jsonify(outcome=result.outcome, reference=result.submission.code,
                   status=result.submission.status)


@bp.get("/platform/photos/<int:photo_id>")
def platform_photo(photo_id):
    """A photo for the platform, opened by a signed link that has not expired."""
    try:
        photo = check_photo_link(photo_id, request.args.get("expires", ""),
                                 request.args.get("signature", ""))
    except PhotoLinkRefused as exc:
        abort(exc.status)
    response = send_from_directory(current_app.config["PORTAL_UPLOAD_DIR"], photo.filename,
                                   mimetype=photo.content_type)
    # Private to the platform: no shared cache keeps it, and the link is not passed on.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- dispatchers: the local incident queue ---------------------------------------------------

@bp.get("/staff/incidents")
@role_required("dispatcher")
def incidents():
    """The incident queue: urgent first, then oldest first."""
    show = request.args.get("show", "active")
    if show not in labels.INCIDENT_VIEWS:
        show = "active"
    return render_template("forwarding/incidents.html", show=show, views=labels.INCIDENT_VIEWS,
                           incidents=incident_queue(show, current_user))


def _render_incident(incident, status=200, **forms):
    forms.setdefault("claim_form", ActionForm())
    forms.setdefault("team_form", TeamForm(team=incident.team))
    forms.setdefault("status_form", StatusForm())
    forms.setdefault("reply_form", ReplyForm())
    return render_template("forwarding/incident.html", incident=incident,
                           submission=incident.submission, **forms), status


@bp.get("/staff/incidents/<int:incident_id>")
@role_required("dispatcher")
def incident(incident_id):
    """One case: what the resident wrote, routing, timeline, and the dispatcher's actions."""
    return _render_incident(find_incident(incident_id) or abort(404))


@bp.post("/staff/incidents/<int:incident_id>/claim")
@role_required("dispatcher")
def claim(incident_id):
    """Take the case."""
    item = find_incident(incident_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    claim_incident(item, current_user)
    return redirect(url_for(".incident", incident_id=item.id), code=303)


@bp.post("/staff/incidents/<int:incident_id>/team")
@role_required("dispatcher")
def team(incident_id):
    """Hand the case to a team."""
    item = find_incident(incident_id) or abort(404)
    form = TeamForm()
    if not form.validate_on_submit():
        return _render_incident(item, 422, team_form=form)
    assign_team(item, form.team.data)
    return redirect(url_for(".incident", incident_id=item.id), code=303)


@bp.post("/staff/incidents/<int:incident_id>/status")
@role_required("dispatcher")
def status(incident_id):
    """Report progress; the resident's tracking page follows."""
    item = find_incident(incident_id) or abort(404)
    form = StatusForm()
    if form.validate_on_submit():
        set_incident_status(item, form.status.data, user=current_user, note=form.note.data or "")
        return redirect(url_for(".incident", incident_id=item.id), code=303)
    return _render_incident(item, 422, status_form=form)


@bp.errorhandler(TransitionNotAllowed)
def _transition_not_allowed(_exc):
    """Progress the case cannot make now: the incident page again, with why."""
    item = find_incident(request.view_args.get("incident_id")) or abort(404)
    form = StatusForm()
    form.status.errors = [_("This case cannot move to that status now.")]
    return _render_incident(item, 422, status_form=form)


@bp.post("/staff/incidents/<int:incident_id>/reply")
@role_required("dispatcher")
def reply(incident_id):
    """Write the official reply shown to the resident."""
    item = find_incident(incident_id) or abort(404)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_incident(item, 422, reply_form=form)
    reply_to_incident(item, user=current_user, text=form.text.data, text_en=form.text_en.data or "")
    return redirect(url_for(".incident", incident_id=item.id), code=303)


# --- administrators: deliveries that need attention ------------------------------------------

@bp.get("/staff/forwarding")
@role_required("administrator")
def deliveries():
    """Delivery counts, dead deliveries with their error and a retry button, failing ones."""
    return render_template("forwarding/deliveries.html", counts=delivery_counts(),
                           rows=troubled_deliveries(), retry_form=ActionForm())


@bp.post("/staff/forwarding/<int:delivery_id>/retry")
@role_required("administrator")
def retry(delivery_id):
    """Send a dead delivery again."""
    delivery = find_delivery(delivery_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        retry_delivery(delivery)
    except ValueError:
        abort(409)
    return redirect(url_for(".deliveries"), code=303)
