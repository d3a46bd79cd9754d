"""Follow-up (回访) at a station kiosk: the resident types the tracking code and answers.

Enrolled kiosks only (the device credential, as for every /kiosk page); no JavaScript is needed.
The answer goes through the same service as on the tracking page.
"""
from flask import Blueprint, g, render_template, request, url_for

from portal.core.i18n import _, current_locale
from portal.core.ratelimit import limit_per_kiosk
from portal.kiosk.limits import device_rate_limit_key
from portal.kiosk.services import COOKIE_NAME, verify_credential
from portal.servicelevels.followup import (
    FollowUpError,
    answer_follow_up,
    can_answer,
    find_follow_up,
)
from portal.servicelevels.forms import FollowUpForm
from portal.submissions.services import find_by_code

bp = Blueprint("servicelevels_kiosk", __name__, template_folder="templates")
CODE_MAX = 20


@bp.before_request
def _enrolled_only():
    """Only an enrolled, unrevoked kiosk shows these pages."""
    kiosk, state = verify_credential(request.cookies.get(COOKIE_NAME, ""))
    if state != "active":
        return render_template("kiosk/not_enrolled.html", revoked=state == "revoked"), 403
    g.kiosk = kiosk
    return None


@bp.after_request
def _never_store(response):
    """What the last person typed is never kept by a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def kiosk_start_links():
    """Hook `kiosk_start_links`: the follow-up, offered on the kiosk's start screen."""
    return [(url_for("servicelevels_kiosk.kiosk_follow_up", lang=current_locale()),
             _("Was your problem fixed? Answer the follow-up"))]


def _page(code="", submission=None, form=None, message="", status=200):
    return render_template("servicelevels/kiosk_follow_up.html", kiosk=g.kiosk, code=code,
                           submission=submission, form=form or FollowUpForm(),
                           message=message, answerable=submission is not None
                           and can_answer(submission)), status


@bp.get("/kiosk/follow-up")
@limit_per_kiosk(key_func=device_rate_limit_key)
def kiosk_follow_up():
    """Ask for the tracking code; with one, the follow-up question of that resolved case."""
    code = request.args.get("code", "").strip()[:CODE_MAX]
    if not code:
        return _page()
    submission = find_by_code(code)
    if submission is None:
        return _page(code, message=_("No submission has this tracking code. Check it and try "
                                     "again."), status=404)
    if not can_answer(submission):
        answered = find_follow_up(submission.id) is not None
        return _page(code, submission, message=_(
            "This case has already been answered. Thank you.") if answered else _(
            "This case is not resolved yet: you can answer once it is."), status=409)
    return _page(code, submission)


@bp.post("/kiosk/follow-up")
@limit_per_kiosk(key_func=device_rate_limit_key)
def kiosk_follow_up_answer():
    """Take the answer typed at the kiosk (reopens the case when not fixed or dissatisfied)."""
    code = request.form.get("code", "").strip()[:CODE_MAX]
    submission = find_by_code(code)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _page(code, submission, form, status=422)
    try:
        answer = answer_follow_up(code, **form.service_values())
    except FollowUpError as exc:
        return _page(code, exc.submission, form, message=exc.message, status=exc.status)
    return render_template("servicelevels/kiosk_follow_up_done.html", kiosk=g.kiosk,
                           answer=answer)
