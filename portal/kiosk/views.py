"""The kiosk under /kiosk (enrolled devices only) and its administration under /staff/kiosks."""
import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.hooks import hook_results
from portal.core.i18n import LOCALES, _, _l, localized
from portal.core.inputs import reads_json, strict_int
from portal.core.ratelimit import client_address, limit_per_kiosk
from portal.core.urls import external_url
from portal.extensions import csrf
from portal.kiosk import phrases
from portal.kiosk.forms import EnrolForm, RevokeForm
from portal.kiosk.limits import device_rate_limit_key
from portal.kiosk.services import (
    COOKIE_MAX_AGE,
    COOKIE_NAME,
    all_kiosks,
    area_landmarks,
    enrol_kiosk,
    find_enrolment,
    find_kiosk,
    issue_enrolment,
    qr_svg,
    redeem_enrolment,
    revoke_kiosk,
    submit_from_kiosk,
    support_from_kiosk,
    touch,
    verify_credential,
)
from portal.search.services import similar_published
from portal.stations.notices import notice_text, notices_by_code
from portal.stations.services import active_areas, category_tree
from portal.submissions.idempotency import IdempotencyConflict, IdempotencyKeyInvalid
from portal.submissions.labels import STATUS_LABELS
from portal.submissions.listings import find_published
from portal.submissions.services import find_by_code
from portal.submissions.supports import SupportError
from portal.submissions.validation import (
    BODY_MAX,
    BODY_MIN,
    PLACE_MAX,
    TITLE_MAX,
    TITLE_MIN,
    SubmissionInvalid,
)

bp = Blueprint("kiosk", __name__, template_folder="templates")


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "kiosk.admin", _l("Kiosks"),
                        "administrator")
# Endpoints a browser without a device credential may use.
OPEN_ENDPOINTS = {"kiosk.enrol", "kiosk.admin", "kiosk.admin_enrol", "kiosk.admin_revoke",
                  "kiosk.admin_link"}
RECEIPT_KEY = "kiosk_receipt"
SUPPORTED_KEY = "kiosk_supported"  # ids this visit added its voice to (the last is shown)
VISIT_KEY = "kiosk_visit"  # one resident's visit, until the screen is reset
# Kiosk endpoints fetched by kiosk.js: a refusal is JSON, not the explanation page.
JSON_ENDPOINTS = {"kiosk.fresh_csrf", "kiosk.similar"}


def _json_error(status: int, code: str, message: str, fields=None):
    return jsonify({"error": {"code": code, "message": message, "fields": fields or {}}}), status


@bp.before_request
def require_enrolled_device():
    """Every kiosk request carries a valid, unrevoked device credential, or is refused."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    kiosk, state = verify_credential(request.cookies.get(COOKIE_NAME, ""))
    if state == "active":
        g.kiosk = kiosk
        return None
    session.pop(RECEIPT_KEY, None)
    session.pop(SUPPORTED_KEY, None)
    session.pop(VISIT_KEY, None)
    if request.method != "GET" or request.endpoint in JSON_ENDPOINTS:
        response = _json_error(403, f"kiosk_{'revoked' if state == 'revoked' else 'not_enrolled'}",
                               _("This screen is not an enrolled kiosk."))
        response = current_app.make_response(response)
    else:
        response = current_app.make_response(
            (render_template("kiosk/not_enrolled.html", revoked=state == "revoked"), 403))
    # A revoked device keeps its (now useless) cookie, so the screen keeps saying why.
    return response


@bp.after_request
def never_store(response):
    """Kiosk pages hold what the last person typed: no cache, no back/forward cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _locale_or_none():
    lang = request.args.get("lang")
    return lang if lang in LOCALES else None


@bp.get("/kiosk")
def start():
    """The kiosk: start screen and every step of the flow (one decision per screen)."""
    kiosk = g.kiosk
    if _locale_or_none() is None:
        # The language is always explicit in kiosk URLs: a reset returns to the station's own.
        return redirect(url_for(".start", lang=kiosk.language))
    station_area = kiosk.station.area.code if kiosk.station.area else ""
    categories = [(top, [(c, phrases.icon_for(c.code), phrases.phrases_for(c.code))
                         for c in children]) for top, children in category_tree()]
    return render_template(
        "kiosk/flow.html", kiosk=kiosk, categories=categories, areas=active_areas(),
        station_area=station_area, landmarks=area_landmarks(kiosk), draft_key=uuid.uuid4().hex,
        # Other things a resident can do here (e.g. answer a follow-up), from features above.
        start_links=[link for found in hook_results("kiosk_start_links") for link in found],
        notices=notices_by_code(), notice_text=notice_text,
        limits={"title_min": TITLE_MIN, "title_max": TITLE_MAX, "body_min": BODY_MIN,
                "body_max": BODY_MAX, "place_max": PLACE_MAX})


@bp.get("/kiosk/csrf")
def fresh_csrf():
    """A freshly timestamped CSRF token, fetched before every POST: never a stale one."""
    return jsonify(csrf_token=generate_csrf())


@bp.post("/kiosk/send")
@limit_per_kiosk(key_func=device_rate_limit_key)
@reads_json
def send():
    """Create the submission from the draft (JSON); a retry with the same draft key is harmless."""
    kiosk = g.kiosk
    values = request.get_json(silent=True)
    if not isinstance(values, dict):
        return _json_error(400, "bad_request", _("The request could not be understood."))
    language = values.get("lang") if values.get("lang") in LOCALES else kiosk.language
    submission = submit_from_kiosk(kiosk, values, language=language).submission
    session[RECEIPT_KEY] = submission.code
    return jsonify(code=submission.display_code,
                   receipt_url=url_for(".receipt", lang=language)), 201


@bp.errorhandler(SubmissionInvalid)
def _submission_invalid(exc):
    return _json_error(422, "invalid", _("Please check what you entered."), exc.errors)


@bp.errorhandler(IdempotencyKeyInvalid)
def _draft_key_invalid(_exc):
    return _json_error(400, "bad_request", _("The request could not be understood."))


@bp.errorhandler(IdempotencyConflict)
def _draft_conflict(_exc):
    # This draft's key was used for other content (an answer lost, then the draft edited):
    # nothing of the first submission is shown; the screen sends the draft under a new key.
    return _json_error(409, "idempotency_conflict",
                       _("This form was already sent with different content. To send it as a "
                         "new report, send it again."))


@bp.get("/kiosk/receipt")
def receipt():
    """The receipt of what this visit just sent: code, QR code, print; back to start after 60 s."""
    code = session.get(RECEIPT_KEY)
    submission = find_by_code(code) if code else None
    if submission is None or _locale_or_none() is None:
        return redirect(url_for(".start"))
    track_url = external_url("submissions.track", code=submission.code)
    return render_template("kiosk/receipt.html", kiosk=g.kiosk, submission=submission,
                           track_url=track_url, qr=qr_svg(track_url))


@bp.get("/kiosk/similar")
def similar():
    """JSON: up to five published submissions similar to the draft's title (public text only)."""
    rows = similar_published(request.args.get("q", ""))
    return jsonify(results=[{
        "id": s.id, "title": s.public_title, "status": str(STATUS_LABELS[s.status]),
        "area": localized(s.area, "name") if s.area else ""}
        for s in rows if s.public_title])


@bp.post("/kiosk/support")
@limit_per_kiosk(key_func=device_rate_limit_key)
@reads_json
def support():
    """"This is my problem too" (JSON): one more voice instead of a new submission."""
    values = request.get_json(silent=True)
    raw = values.get("submission") if isinstance(values, dict) else None
    # A JSON integer that an id column can hold (not a string, not 2**64).
    submission_id = strict_int(raw, minimum=1) if isinstance(raw, int) else None
    if submission_id is None:
        return _json_error(400, "bad_request", _("The request could not be understood."))
    visit = session.setdefault(VISIT_KEY, uuid.uuid4().hex)
    support_from_kiosk(g.kiosk, find_published(submission_id), visit=visit,
                       address=client_address(), draft_key=values.get("draft_key"))
    # Always the last one last: the confirmation shows the submission just tapped.
    supported = session.get(SUPPORTED_KEY, [])
    session[SUPPORTED_KEY] = [i for i in supported if i != submission_id][-19:] + [submission_id]
    language = values.get("lang") if values.get("lang") in LOCALES else g.kiosk.language
    return jsonify(supported_url=url_for(".supported", lang=language)), 201


@bp.errorhandler(SupportError)
def _support_refused(exc):
    """A support that was not counted (gone, or this device's limit reached), as JSON."""
    code = {404: "not_found", 429: "support_limited"}.get(exc.status, "bad_request")
    return _json_error(exc.status, code, str(exc.message))


@bp.get("/kiosk/supported")
def supported():
    """The confirmation after "this is my problem too"; back to the start like the receipt."""
    ids = session.get(SUPPORTED_KEY) or []
    submission = find_published(ids[-1]) if ids else None
    if submission is None or _locale_or_none() is None:
        return redirect(url_for(".start"))
    public_url = external_url("submissions.published_detail", submission_id=submission.id)
    return render_template("kiosk/supported.html", kiosk=g.kiosk, submission=submission,
                           public_url=public_url, qr=qr_svg(public_url))


@bp.post("/kiosk/reset")
@csrf.exempt  # the device cookie is SameSite=Strict: no other site can reset a kiosk
def reset():
    """End the visit: drop its server-side state and clear the page's storage."""
    session.clear()
    touch(g.kiosk)
    response = current_app.make_response(("", 204))
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.post("/kiosk/heartbeat")
@reads_json
def heartbeat():
    """An idle start screen says it is alive (and learns when it was revoked)."""
    touch(g.kiosk)
    return "", 204


@bp.route("/kiosk/enrol/<token>", methods=["GET", "POST"])
def enrol(token):
    """Open the one-time link on the device, confirm, and it becomes the station's kiosk."""
    enrolment = find_enrolment(token)
    form = RevokeForm()  # CSRF only
    if enrolment is not None and form.validate_on_submit():
        credential = redeem_enrolment(token)
        session.clear()
        response = redirect(url_for(".start"), code=303)
        response.set_cookie(COOKIE_NAME, credential, max_age=COOKIE_MAX_AGE, path="/kiosk",
                            httponly=True, samesite="Strict",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response
    status = 200 if enrolment is not None else 404
    return render_template("kiosk/enrol.html", enrolment=enrolment, form=form), status


def _enrolment_url(token: str) -> str:
    return external_url("kiosk.enrol", token=token)


def _admin_page(form, new_link=None, status=200):
    new_link_qr = qr_svg(new_link[1], sized=True) if new_link else None
    return render_template("kiosk/admin.html", form=form, kiosks=all_kiosks(),
                           revoke_form=RevokeForm(), new_link=new_link,
                           new_link_qr=new_link_qr), status


@bp.get("/staff/kiosks")
@role_required("administrator")
def admin():
    """The station kiosks: state, last seen; enrol a new one."""
    form = EnrolForm()
    form.fill_choices()
    return _admin_page(form)


@bp.post("/staff/kiosks")
@role_required("administrator")
def admin_enrol():
    """Enrol a kiosk: shows its one-time link once (only its hash is stored)."""
    form = EnrolForm()
    form.fill_choices()
    if not form.validate_on_submit():
        return _admin_page(form, status=422)
    kiosk, token = enrol_kiosk(form.station.data, label=form.label.data or "",
                               language=form.language.data, paper_width=form.paper_width.data,
                               actor=f"user:{current_user.username}")
    return _new_link_page(kiosk, token)


def _new_link_page(kiosk, token):
    """The administrator page with an empty enrolment form and the link just issued."""
    form = EnrolForm(formdata=None)
    form.fill_choices()
    return _admin_page(form, new_link=(kiosk, _enrolment_url(token)), status=201)


@bp.post("/staff/kiosks/<int:kiosk_id>/link")
@role_required("administrator")
def admin_link(kiosk_id):
    """A new one-time link for a kiosk (e.g. its browser was reset); the old device stops."""
    kiosk = find_kiosk(kiosk_id) or abort(404)
    if not RevokeForm().validate_on_submit() or kiosk.state == "revoked":
        abort(400)
    token = issue_enrolment(kiosk)
    return _new_link_page(kiosk, token)


@bp.post("/staff/kiosks/<int:kiosk_id>/revoke")
@role_required("administrator")
def admin_revoke(kiosk_id):
    """Revoke a kiosk: its next request is refused."""
    kiosk = find_kiosk(kiosk_id) or abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    revoke_kiosk(kiosk, actor=f"user:{current_user.username}")
    return redirect(url_for(".admin"), code=303)


@bp.app_template_filter("kiosk_name")
def kiosk_name(kiosk) -> str:
    """A kiosk as administrators read it: station and label."""
    name = localized(kiosk.station, "name")
    return f"{name} · {kiosk.label}" if kiosk.label else name
