"""Staff pages: the queue, a submission's review page, audit log, dashboard and export."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.hooks import first_result, hook_results
from portal.core.i18n import _, _l
from portal.core.inputs import page_arg, strict_int
from portal.core.unit_of_work import writes
from portal.moderation import reports
from portal.moderation.forms import (
    BulkForm,
    ClassifyForm,
    DecisionForm,
    MergeForm,
    PublicVersionForm,
    PublishForm,
    ReplyForm,
)
from portal.moderation.labels import LEXICON_KIND_LABELS, MASK_KIND_LABELS, REASON_LABELS
from portal.moderation.services import (
    QUEUE_STATUSES,
    REASON_FILTERS,
    REJECT_REASONS,
    ModerationError,
    QueueFilter,
    bulk_decide,
    change_classification,
    decide,
    find_submission,
    merge_into,
    queue_page,
    reply,
    save_public_version,
    set_published,
    suggested_public_version,
)
from portal.stations.services import active_areas, all_stations, category_tree
from portal.submissions.models import CHANNELS, KINDS, STATUSES
from portal.submissions.public_text import FIELD_NAMES, PUBLIC_FIELDS, draft, masked, originals
from portal.submissions.services import find_by_code
from portal.submissions.supports import support_bursts
from portal.submissions.tracking import failed_lookup_report

bp = Blueprint("moderation", __name__, template_folder="templates")
ALL_STAFF = ("moderator", "dispatcher", "viewer")



def _register_links(state):
    for endpoint, label, roles in (
            ("moderation.queue", _l("Review queue"), ALL_STAFF),
            ("moderation.dashboard", _l("Dashboard"), ALL_STAFF),
            ("moderation.audit", _l("Audit log"), ("administrator",))):
        register_staff_link(state.app, endpoint, label, *roles)


bp.record_once(_register_links)





@bp.app_context_processor
def moderation_labels():
    return {"REASON_LABELS": REASON_LABELS, "REJECT_REASONS": REJECT_REASONS,
            "MASK_KIND_LABELS": MASK_KIND_LABELS, "LEXICON_KIND_LABELS": LEXICON_KIND_LABELS}


def _filter_from_args(args, default_statuses=QUEUE_STATUSES) -> QueueFilter:
    status = args.get("status", "")
    statuses = default_statuses
    if status == "all":
        statuses = ()
    elif status in STATUSES:
        statuses = (status,)
    pick = lambda name, allowed=None: (args.get(name, "") if allowed is None or  # noqa: E731
                                       args.get(name, "") in allowed else "")
    return QueueFilter(statuses=statuses, kind=pick("kind", KINDS),
                       channel=pick("channel", CHANNELS), category=pick("category")[:60],
                       area=pick("area")[:40], station=pick("station")[:60],
                       reason=pick("reason", REASON_FILTERS),
                       order="oldest" if args.get("order") == "oldest" else "newest")


def _filter_choices() -> dict:
    return {"kinds": KINDS, "channels": CHANNELS, "statuses": STATUSES,
            "categories": [c for _top, children in category_tree() for c in children],
            "areas": active_areas(), "reason_filters": REASON_FILTERS,
            "stations": all_stations()}


@bp.get("/staff/queue")
@role_required(*ALL_STAFF)
def queue():
    """The review queue: received and held submissions, filtered and sorted."""
    spec = _filter_from_args(request.args)
    pagination = queue_page(spec, page_arg())
    form = BulkForm()
    form.fill_choices()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("moderation/queue.html", pagination=pagination, form=form,
                           spec=spec, args=args, **_filter_choices())


@bp.post("/staff/queue/bulk")
@role_required("moderator")
def bulk():
    """Apply one decision to the selected submissions."""
    form = BulkForm()
    form.fill_choices()
    if form.validate_on_submit() and form.ids.data:
        done, skipped = bulk_decide(form.ids.data, form.action.data, actor=current_user,
                                    reason=form.reason.data or "")
        flash(_("%(done)d done, %(skipped)d skipped.", done=done, skipped=skipped))
    else:
        flash(_("Select at least one submission."))
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith(
        "/staff/queue") else url_for(".queue"), code=303)


def _detail_page(submission, status=200, error=None, public_form=None):
    decision = DecisionForm()
    decision.fill_choices()
    classify = ClassifyForm(category=submission.category.code, area=submission.area.code)
    classify.fill_choices()
    from_original = request.args.get("from") == "original"
    suggestion = suggested_public_version(submission)
    if public_form is None:
        public_form = PublicVersionForm(keep=suggestion["keep"], data=(
            originals(submission) if from_original else draft(submission)))
    preview, _masked = masked({name: public_form[name].data or "" for name in FIELD_NAMES},
                              public_form.keep.data)
    reply_form, templates = _reply_form(submission)
    return render_template(
        "moderation/detail.html", submission=submission, decision=decision,
        classify=classify, public_form=public_form, suggestion=suggestion,
        public_fields=PUBLIC_FIELDS, preview=preview, publish_form=PublishForm(),
        merge_form=MergeForm(), reply_form=reply_form, reply_templates=templates, error=error,
        show_contact=reports.contact_allowed(current_user, submission),
        can_moderate=current_user.has_role("moderator"),
        can_reply=current_user.has_role("moderator", "dispatcher")), status


def _reply_form(submission):
    """The reply form, prefilled from a reply template when one is chosen (?template=ID), and
    the templates that fit the case (offered by a feature above, through a hook)."""
    form = ReplyForm()
    templates = [item for found in hook_results("reply_templates", submission) for item in found]
    chosen = strict_int(request.args.get("template", ""), minimum=1)
    if chosen is not None:
        text = first_result("reply_template_text", submission, chosen)
        if text is not None:
            form.text.data, form.text_en.data = text
    return form, templates


@bp.get("/staff/submissions/<int:submission_id>")
@role_required(*ALL_STAFF)
def detail(submission_id):
    """A submission's review page: original, screening, timeline and the actions."""
    submission = find_submission(submission_id) or abort(404)
    return _detail_page(submission)


@bp.get("/staff/submissions/code/<code>")
@role_required(*ALL_STAFF)
def by_code(code):
    """The review page of the submission with this tracking code (links from screening reasons)."""
    submission = find_by_code(code) or abort(404)
    return redirect(url_for(".detail", submission_id=submission.id))


@bp.errorhandler(ModerationError)
def _refused(exc):
    """A decision the case does not allow: the review page again with the reason (the unit of
    work has rolled back whatever the action had begun)."""
    submission = find_submission(request.view_args.get("submission_id")) or abort(404)
    public_form = PublicVersionForm() if request.endpoint == "moderation.public_view" else None
    return _detail_page(submission, 422, str(exc), public_form=public_form)


def _act(submission, action, success_message):
    """Run a moderation service and come back to the review page."""
    action()
    flash(success_message)
    return redirect(url_for(".detail", submission_id=submission.id), code=303)


@bp.post("/staff/submissions/<int:submission_id>/decide")
@role_required("moderator")
def decide_view(submission_id):
    """Accept, hold, release or reject (with a reason)."""
    submission = find_submission(submission_id) or abort(404)
    form = DecisionForm()
    form.fill_choices()
    if not form.validate_on_submit():
        abort(400)
    return _act(submission, lambda: decide(
        submission, form.action.data, actor=current_user, reason=form.reason.data or "",
        duplicate_code=form.duplicate_code.data or "", note=form.note.data or ""),
        _("Decision saved."))


@bp.post("/staff/submissions/<int:submission_id>/classify")
@role_required("moderator")
def classify_view(submission_id):
    """Change the category or area."""
    submission = find_submission(submission_id) or abort(404)
    form = ClassifyForm()
    form.fill_choices()
    if not form.validate_on_submit():
        abort(400)
    return _act(submission, lambda: change_classification(
        submission, category_code=form.category.data, area_code=form.area.data,
        actor=current_user), _("Category and area saved."))


@bp.post("/staff/submissions/<int:submission_id>/public")
@role_required("moderator")
def public_view(submission_id):
    """Save the public (masked) version, and publish or unpublish."""
    submission = find_submission(submission_id) or abort(404)
    form = PublicVersionForm()
    if not form.validate_on_submit():
        abort(400)
    publish = {"publish": True, "unpublish": False}.get(form.publish.data)
    save_public_version(submission, values={name: form[name].data or "" for name in FIELD_NAMES},
                        keep=form.keep.data, publish=publish, actor=current_user)
    flash(_("Public version saved."))
    return redirect(url_for(".detail", submission_id=submission.id), code=303)


@bp.post("/staff/submissions/<int:submission_id>/publish")
@role_required("moderator")
def publish_view(submission_id):
    """Publish (personal data masked) or unpublish in one step."""
    submission = find_submission(submission_id) or abort(404)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    published = form.published.data == "1"
    return _act(submission, lambda: set_published(submission, published, actor=current_user),
                _("Published.") if published else _("Unpublished."))


@bp.post("/staff/submissions/<int:submission_id>/merge")
@role_required("moderator")
def merge_view(submission_id):
    """Merge this duplicate into another submission."""
    submission = find_submission(submission_id) or abort(404)
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(submission, lambda: merge_into(submission, form.target_code.data or "",
                                               actor=current_user), _("Merged."))


@bp.post("/staff/submissions/<int:submission_id>/reply")
@role_required("moderator", "dispatcher")
def reply_view(submission_id):
    """Add the official reply."""
    submission = find_submission(submission_id) or abort(404)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(submission, lambda: reply(submission, text=form.text.data or "",
                                          text_en=form.text_en.data or "", actor=current_user),
                _("Official reply added."))


@bp.get("/staff/audit")
@role_required("administrator")
def audit():
    """The audit log (administrators)."""
    pagination = reports.audit_page(page_arg(),
                                    action=request.args.get("action", "")[:40],
                                    actor=request.args.get("actor", "")[:80])
    return render_template("moderation/audit.html", pagination=pagination,
                           action=request.args.get("action", ""),
                           actor=request.args.get("actor", ""))


@bp.get("/staff/dashboard")
@role_required(*ALL_STAFF)
def dashboard():
    """Counts, submissions per day over 90 days, median handling times, supports per address
    (bursts) and, for administrators, failed tracking-code lookups."""
    series = reports.per_day()
    lookups = failed_lookup_report() if current_user.has_role("administrator") else None
    return render_template("moderation/dashboard.html", counts=reports.dashboard_counts(),
                           chart=reports.chart(series), total_90=sum(c for _d, c in series),
                           median_accept=reports.median_hours("accepted"),
                           median_resolve=reports.median_hours("resolved"),
                           support_bursts=support_bursts(), lookups=lookups)


@bp.get("/staff/export.csv")
@writes  # the audit entry
@role_required(*ALL_STAFF)
@writes  # the audit entry: take the write lock first, not after reading
def export():
    """CSV of the submissions filtered as on screen (every status unless one is chosen)."""
    spec = _filter_from_args(request.args, default_statuses=())
    body = reports.export_csv(spec, user=current_user)
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=submissions.csv"})
