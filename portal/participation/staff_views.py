"""Staff pages for ideas: the comment queue, an idea's answer and comments, category settings."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.errors import error_response
from portal.core.i18n import _, _l
from portal.extensions import db
from portal.participation.comments import (
    accept_comment,
    comment_queue,
    find_comment,
    hide_comment,
    idea_comments_for_staff,
    post_staff_comment,
)
from portal.participation.forms import (
    AnswerForm,
    HideForm,
    NoticeForm,
    ProgressForm,
    ReportDecisionForm,
    SettingForm,
    StaffCommentForm,
)
from portal.participation.models import ADOPTED, IdeaSetting
from portal.participation.notices import save_notice
from portal.participation.reports import decide_reports, report_queue
from portal.participation.services import (
    ParticipationError,
    add_progress,
    answer_history,
    current_answer,
    give_answer,
    idea_or_404,
    progress_of,
    save_setting,
    support_threshold,
    threshold_state,
)
from portal.stations.notices import category_notice
from portal.stations.services import category_tree, find_category

bp = Blueprint("participation_staff", __name__, template_folder="templates",
               url_prefix="/staff/ideas")
ALL_STAFF = ("moderator", "dispatcher", "viewer")
MODERATORS = ("moderator",)


def _register_links(state):
    register_staff_link(state.app, "participation_staff.queue", _l("Ideas and comments"),
                        *ALL_STAFF)
    register_staff_link(state.app, "participation_staff.reports", _l("Residents' reports"),
                        *ALL_STAFF)
    register_staff_link(state.app, "participation_staff.notices", _l("Category notices"),
                        "administrator")
    register_staff_link(state.app, "participation_staff.settings", _l("Idea thresholds"),
                        "administrator")


bp.record_once(_register_links)


def _actor() -> str:
    return f"user:{current_user.username}"


def _can_moderate() -> bool:
    return current_user.has_role(*MODERATORS)


@bp.get("/")
@role_required(*ALL_STAFF)
def queue():
    """Comments waiting for review, held (suspect) ones first."""
    return render_template("participation/staff_queue.html", comments=comment_queue(),
                           can_moderate=_can_moderate(), hide=HideForm(formdata=None))


def _render_idea(idea, *, answer_form=None, progress_form=None, error=None, status=200):
    return render_template(
        "participation/staff_idea.html", idea=idea, answer=current_answer(idea),
        answers=answer_history(idea), threshold=threshold_state(idea),
        comments=idea_comments_for_staff(idea), progress=progress_of(idea),
        answer_form=answer_form or AnswerForm(formdata=None),
        progress_form=progress_form or ProgressForm(formdata=None),
        staff_comment=StaffCommentForm(formdata=None), hide=HideForm(formdata=None),
        can_moderate=_can_moderate(), adopted=ADOPTED, error=error), status


@bp.get("/<int:idea_id>")
@role_required(*ALL_STAFF)
def idea(idea_id):
    """An idea for staff: threshold, answers, progress and every comment."""
    return _render_idea(idea_or_404(idea_id))


@bp.post("/<int:idea_id>/answer")
@role_required(*MODERATORS)
def answer(idea_id):
    """Give (or change) the official answer and its outcome; a reason is always required."""
    idea = idea_or_404(idea_id)
    form = AnswerForm()
    form.validate_on_submit()
    try:
        give_answer(idea, outcome=form.outcome.data, reason=form.reason.data,
                    reason_en=form.reason_en.data, actor=_actor())
    except ParticipationError as exc:  # raised before anything was written
        return _render_idea(idea, answer_form=form, error=exc.message, status=422)
    flash(_("The answer was published."))
    return redirect(url_for(".idea", idea_id=idea_id), code=303)


@bp.post("/<int:idea_id>/progress")
@role_required(*MODERATORS)
def progress(idea_id):
    """Add a progress update to an adopted idea (the public register)."""
    idea = idea_or_404(idea_id)
    form = ProgressForm()
    form.validate_on_submit()
    try:
        add_progress(idea, stage=form.stage.data, percent=form.percent.data,
                     note=form.note.data, note_en=form.note_en.data, actor=_actor())
    except ParticipationError as exc:  # raised before anything was written
        return _render_idea(idea, progress_form=form, error=exc.message, status=422)
    flash(_("The progress update was published."))
    return redirect(url_for(".idea", idea_id=idea_id), code=303)


@bp.post("/<int:idea_id>/comments")
@role_required(*MODERATORS)
def staff_comment(idea_id):
    """An official comment, shown at once."""
    idea = idea_or_404(idea_id)
    form = StaffCommentForm()
    form.validate_on_submit()
    post_staff_comment(idea, body=form.body.data, actor=_actor())
    flash(_("Your official comment is shown."))
    return redirect(url_for(".idea", idea_id=idea_id), code=303)


def _comment_or_404(comment_id):
    comment = find_comment(comment_id)
    if comment is None:
        raise ParticipationError(_("There is no such comment."))
    return comment


@bp.post("/comments/<int:comment_id>/accept")
@role_required(*MODERATORS)
def accept(comment_id):
    """Show a waiting or held comment."""
    comment = _comment_or_404(comment_id)
    accept_comment(comment, actor=_actor())
    flash(_("The comment is shown."))
    back = (url_for(".idea", idea_id=comment.submission_id)
            if request.form.get("back") == "idea" else url_for(".queue"))
    return redirect(back, code=303)


@bp.post("/comments/<int:comment_id>/hide")
@role_required(*MODERATORS)
def hide(comment_id):
    """Hide a comment; its reason replaces the text publicly."""
    comment = _comment_or_404(comment_id)
    form = HideForm()
    form.validate_on_submit()
    hide_comment(comment, reason=form.reason.data, actor=_actor())
    flash(_("The comment is hidden."))
    return redirect(url_for(".idea", idea_id=comment.submission_id), code=303)


@bp.get("/reports")
@role_required(*ALL_STAFF)
def reports():
    """Items residents reported, those hidden pending review first."""
    return render_template("participation/staff_reports.html", cases=report_queue(),
                           can_moderate=_can_moderate(), form=ReportDecisionForm(formdata=None))


@bp.post("/reports/<any(submission, comment):target>/<int:target_id>")
@role_required(*MODERATORS)
def decide(target, target_id):
    """Keep a reported item (shown again) or hide it; decides its open reports (audited)."""
    form = ReportDecisionForm()
    form.validate_on_submit()
    decide_reports(target, target_id, decision=form.decision.data, reason=form.reason.data,
                   actor=_actor())
    flash(_("The item is shown again.") if form.decision.data == "keep"
          else _("The item is hidden."))
    return redirect(url_for(".reports"), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@role_required("administrator")
def settings():
    """Support thresholds and comment pre-moderation per category."""
    if request.method == "POST":
        form = SettingForm()
        category = find_category(request.form.get("category", ""))
        if category is None:
            raise ParticipationError(_("Choose a category from the list."))
        form.validate_on_submit()
        save_setting(category, threshold=form.threshold.data, premoderation=form.premoderation.data,
                     actor=_actor())
        flash(_("The settings were saved."))
        return redirect(url_for(".settings"), code=303)
    rows = [(c, support_threshold(c), db.session.get(IdeaSetting, c.id))
            for _top, children in category_tree() for c in children]
    return render_template("participation/staff_settings.html", rows=rows)


@bp.route("/notices", methods=["GET", "POST"])
@role_required("administrator")
def notices():
    """Notices shown before a category's forms, and emergency-only categories (audited)."""
    if request.method == "POST":
        form = NoticeForm()
        category = find_category(request.form.get("category", ""))
        if category is None:
            raise ParticipationError(_("Choose a category from the list."))
        form.validate_on_submit()
        save_notice(category, text_zh=form.text_zh.data, text_en=form.text_en.data,
                    emergency_only=form.emergency_only.data, actor=_actor())
        flash(_("The notice was saved."))
        return redirect(url_for(".notices"), code=303)
    rows = [(c, category_notice(c)) for _top, children in category_tree() for c in children]
    return render_template("participation/staff_notices.html", rows=rows)


@bp.errorhandler(ParticipationError)
def _refused(exc):
    """A refused staff request: the reason, in the staff member's language."""
    return error_response(exc.status, exc.message)
