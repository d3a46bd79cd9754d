"""Follow a case, confirm, unsubscribe (one click, RFC 8058), manage; staff sending pages."""
from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.i18n import _, _l, current_locale
from portal.core.unit_of_work import writes
from portal.extensions import csrf
from portal.notifications import labels
from portal.notifications.addresses import AddressInvalid, mask
from portal.notifications.alerts import filter_label
from portal.notifications.forms import ActionForm, EmailForm
from portal.notifications.services import (
    NotFoundOrGone,
    active_subscriptions,
    confirm_subscription,
    find_notification,
    find_subscription_of,
    follow_case,
    notification_counts,
    outbox_file,
    outbox_files,
    request_manage_link,
    retry_notification,
    subscriber_for_manage,
    subscription_for_unsubscribe,
    tracking_submission,
    troubled_notifications,
)
from portal.notifications.services import unsubscribe as unsubscribe_subscription
from portal.notifications.tokens import TokenExpired, TokenInvalid

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "notifications.staff", _l("Messages to residents"),
                        "administrator")
    register_staff_link(state.app, "notifications.outbox", _l("Outbox folder"), "administrator")


@bp.app_context_processor
def notification_labels():
    return {"NOTIFICATION_STATE_LABELS": labels.STATE_LABELS,
            "SUBSCRIPTION_LABELS": labels.SUBSCRIPTION_LABELS, "mask_address": mask,
            "FREQUENCY_LABELS": labels.FREQUENCY_LABELS, "alert_filter_label": filter_label}


def _no_store(page):
    """Pages reached from personal links are never kept by caches."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/notifications/follow/<int:submission_id>", methods=["GET", "POST"])
def follow(submission_id):
    """Follow a published case by e-mail (a confirmation is sent first)."""
    submission = tracking_submission(submission_id) or abort(404)
    form = EmailForm()
    if form.validate_on_submit():
        try:
            follow_case(submission, form.email.data or "", current_locale())
        except AddressInvalid:
            form.email.errors = [_("Please enter a valid e-mail address.")]
        except NotFoundOrGone:
            abort(404)
        else:
            return redirect(url_for(".follow_sent", submission_id=submission.id), code=303)
    status = 422 if request.method == "POST" else 200
    return _no_store(render_template("notifications/follow.html", form=form,
                                     submission=submission)), status


@bp.get("/notifications/follow/<int:submission_id>/sent")
def follow_sent(submission_id):
    """Tell the visitor to look for the confirmation e-mail."""
    submission = tracking_submission(submission_id) or abort(404)
    return render_template("notifications/message.html", submission=submission,
                           heading=_("Check your e-mail"),
                           text=_("We sent a message with a confirmation link. Nothing else is "
                                  "sent until you open it (it works for 7 days)."))


@bp.get("/notifications/confirm/<token>")
@writes
def confirm(token):
    """Confirm a follow from the link in the confirmation e-mail."""
    try:
        subscription = confirm_subscription(token)
    except TokenExpired:
        return _no_store(render_template(
            "notifications/message.html", heading=_("This link has expired"),
            text=_("Confirmation links work for 7 days. Ask again from the case's page."))), 410
    except TokenInvalid:
        return _no_store(render_template(
            "notifications/message.html", heading=_("This link does not work"),
            text=_("It may have been replaced by a newer one. Ask again from the case's "
                   "page."))), 404
    if subscription.kind == "alert":
        return _no_store(render_template(
            "notifications/message.html", heading=_("Your alert is on"),
            text=_("You will get e-mails about %(filter)s (%(frequency)s). Every message has a "
                   "link to stop.", filter=filter_label(subscription.filter_key),
                   frequency=labels.FREQUENCY_LABELS[subscription.frequency])))
    return _no_store(render_template(
        "notifications/message.html", submission=subscription.submission,
        heading=_("You are following this case"),
        text=_("You will get an e-mail when it changes. Every message has a link to stop.")))


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients post without a token; the signed link authorises
def unsubscribe(token):
    """One-click unsubscribe: the page's button, or a mail client's RFC 8058 POST."""
    try:
        subscription = subscription_for_unsubscribe(token)
    except TokenInvalid:
        return _no_store(render_template("notifications/unsubscribe_lost.html",
                                         form=EmailForm())), 400
    if request.method == "POST":
        unsubscribe_subscription(subscription)
        return _no_store(render_template(
            "notifications/message.html", heading=_("You are unsubscribed"),
            text=_("No more messages will be sent for this.")))
    return _no_store(render_template("notifications/unsubscribe.html",
                                     subscription=subscription))


@bp.post("/notifications/lost")
def lost_link():
    """Mail a manage link to the address entered (when an unsubscribe link did not work)."""
    form = EmailForm()
    if form.validate_on_submit():
        try:
            request_manage_link(form.email.data or "", current_locale())
        except AddressInvalid:
            form.email.errors = [_("Please enter a valid e-mail address.")]
        else:
            return _no_store(render_template(
                "notifications/message.html", heading=_("Check your e-mail"),
                text=_("If this address receives messages from us, a link to manage them is "
                       "on its way.")))
    return _no_store(render_template("notifications/unsubscribe_lost.html", form=form)), 422


@bp.get("/notifications/manage/<token>")
def manage(token):
    """Every subscription of one address, each with a button to stop it."""
    try:
        subscriber = subscriber_for_manage(token)
    except TokenInvalid:
        return _no_store(render_template("notifications/unsubscribe_lost.html",
                                         form=EmailForm())), 400
    return _no_store(render_template("notifications/manage.html", token=token,
                                     subscriptions=active_subscriptions(subscriber),
                                     form=ActionForm()))


@bp.post("/notifications/manage/<token>/<int:subscription_id>")
def manage_stop(token, subscription_id):
    """Stop one subscription from the manage page."""
    try:
        subscriber = subscriber_for_manage(token)
    except TokenInvalid:
        return _no_store(render_template("notifications/unsubscribe_lost.html",
                                         form=EmailForm())), 400
    subscription = find_subscription_of(subscriber, subscription_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    unsubscribe_subscription(subscription)
    return redirect(url_for(".manage", token=token), code=303)


# --- administrators --------------------------------------------------------------------------

@bp.get("/staff/notifications")
@role_required("administrator")
def staff():
    """Message counts, dead messages with a retry button, failing ones, disabled addresses."""
    return render_template("notifications/staff.html", counts=notification_counts(),
                           rows=troubled_notifications(), retry_form=ActionForm())


@bp.post("/staff/notifications/<int:notification_id>/retry")
@role_required("administrator")
def retry(notification_id):
    """Send a dead message again."""
    row = find_notification(notification_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        retry_notification(row)
    except ValueError:
        abort(409)
    return redirect(url_for(".staff"), code=303)


@bp.get("/staff/outbox")
@role_required("administrator")
def outbox():
    """The embedded outbox folder, newest first."""
    return render_template("notifications/outbox.html", files=outbox_files())


@bp.get("/staff/outbox/<name>")
@role_required("administrator")
def outbox_message(name):
    """One file of the outbox, as text."""
    text = outbox_file(name)
    if text is None:
        abort(404)
    return render_template("notifications/outbox_file.html", name=name, text=text)
