"""Area, category and station alerts (subscribe by e-mail), and the Atom feeds."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from portal.core.facts import Panel
from portal.core.i18n import _, current_locale
from portal.core.pagecache import public_page
from portal.notifications.addresses import AddressInvalid
from portal.notifications.alerts import (
    ALERT_FIELDS,
    AlertTargetUnknown,
    FrequencyInvalid,
    alert_choices,
    alert_target,
    subscribe_alert,
)
from portal.notifications.feeds import case_feed, submissions_feed
from portal.notifications.forms import AlertForm
from portal.notifications.labels import ALERT_FIELD_LABELS
from portal.submissions.listings import find_published

bp = Blueprint("alerts", __name__, template_folder="templates")
ATOM = "application/atom+xml; charset=utf-8"


def _chosen_filter():
    """(field, value) of the first alert filter in the query string, or (None, None)."""
    for field in ALERT_FIELDS:
        value = request.args.get(field, "").strip()
        if value:
            return field, value[:60]
    return None, None


@bp.route("/notifications/alerts", methods=["GET", "POST"])
def subscribe():
    """Choose an area, category or station; then an address and how often."""
    field, value = _chosen_filter()
    if field is None:
        if request.method == "POST":
            abort(400)
        return render_template("notifications/alert_choose.html", choices=alert_choices(),
                               field_labels=ALERT_FIELD_LABELS)
    try:
        target = alert_target(field, value)
    except AlertTargetUnknown:
        abort(404)
    form = AlertForm()
    if form.validate_on_submit():
        try:
            subscribe_alert(field, value, form.email.data or "", form.frequency.data,
                            current_locale())
        except AddressInvalid:
            form.email.errors = [_("Please enter a valid e-mail address.")]
        except FrequencyInvalid:
            form.frequency.errors = [_("Please choose how often.")]
        else:
            return redirect(url_for(".sent"), code=303)
    status = 422 if request.method == "POST" else 200
    page = render_template("notifications/alert_subscribe.html", form=form, field=field,
                           value=value, target=target, field_labels=ALERT_FIELD_LABELS)
    response = Response(page, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/notifications/alerts/sent")
def sent():
    """Tell the visitor to look for the confirmation e-mail."""
    return render_template("notifications/message.html", heading=_("Check your e-mail"),
                           text=_("We sent a message with a confirmation link. Nothing else "
                                  "is sent until you open it (it works for 7 days)."))


def _atom(text: str) -> Response:
    return Response(text, mimetype="application/atom+xml", content_type=ATOM)


@public_page
def _submissions_feed_text():
    filters = {field: request.args.get(field, "").strip()[:60] for field in ALERT_FIELDS}
    try:
        return submissions_feed(filters)
    except AlertTargetUnknown:
        abort(404)


@bp.get("/feeds/submissions.atom")
def feed_submissions():
    """Atom: the newest published submissions, optionally in one area, category or station."""
    return _atom(_submissions_feed_text())


@public_page
def _case_feed_text(submission_id):
    submission = find_published(submission_id) or abort(404)
    return case_feed(submission)


@bp.get("/feeds/submissions/<int:submission_id>.atom")
def feed_case(submission_id):
    """Atom: one published case's public timeline."""
    return _atom(_case_feed_text(submission_id))


def follow_offer_panel(submission, place):
    """After "this is my problem too": offer to follow the case by e-mail."""
    if place != "supported" or submission is None or not submission.published:
        return None
    return Panel("notifications/_follow_offer.html", {"submission_id": submission.id})
