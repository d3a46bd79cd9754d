"""Public ideas pages: the list, an idea's page, supports, comments, the adopted register."""
import secrets

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date

from portal.core.errors import error_response
from portal.core.i18n import _
from portal.core.inputs import page_arg, strict_int
from portal.core.pagecache import public_page
from portal.core.ratelimit import client_address, limit_per_ip
from portal.participation.comments import post_comment, public_comments
from portal.participation.feeds import adopted_feed as adopted_feed_text
from portal.participation.forms import CommentForm, IdeaFilterForm, ReportForm
from portal.participation.labels import (
    COMMENT_STATUS_LABELS,
    OUTCOME_LABELS,
    PROGRESS_LABELS,
    REPORT_REASON_LABELS,
)
from portal.participation.reports import report_item, target_or_404
from portal.participation.services import (
    IdeaFilter,
    ParticipationError,
    adopted_ideas,
    answer_history,
    current_answer,
    find_idea,
    idea_or_404,
    list_ideas,
    premoderated,
    progress_of,
    support_idea,
    threshold_state,
)
from portal.search.views import SUPPORTED_KEY, VISITOR_KEY
from portal.stations.labels import TEAM_LABELS
from portal.submissions.idempotency import IdempotencyKeyInvalid, issued_key
from portal.submissions.listings import public_timeline
from portal.submissions.supports import SupportError

bp = Blueprint("participation", __name__, template_folder="templates")


def _comment_limits() -> str:
    return current_app.config["PORTAL_RATE_LIMIT_COMMENTS"]


def _report_limits() -> str:
    return current_app.config["PORTAL_RATE_LIMIT_REPORTS"]


@bp.app_context_processor
def participation_labels():
    return {"OUTCOME_LABELS": OUTCOME_LABELS, "PROGRESS_LABELS": PROGRESS_LABELS,
            "COMMENT_STATUS_LABELS": COMMENT_STATUS_LABELS, "TEAM_NAMES": TEAM_LABELS,
            "REPORT_REASON_LABELS": REPORT_REASON_LABELS}


@bp.app_template_filter("date")
def date_filter(value):
    """A calendar day in the visitor's language."""
    return format_date(value, "long") if value else ""


@bp.get("/ideas")
@public_page
def ideas():
    """Published ideas, sorted and filtered."""
    form = IdeaFilterForm(request.args)
    form.fill_choices()
    values = form.values()
    pagination = list_ideas(IdeaFilter(**values), page_arg(),
                            current_app.config["PORTAL_PUBLIC_PAGE_SIZE"])
    return render_template("participation/list.html", form=form, pagination=pagination,
                           args={k: v for k, v in values.items() if v})


def _render_idea(idea, comment_form=None):
    """The idea page as a string (the page cache keeps only plain strings)."""
    return render_template(
        "participation/idea.html", idea=idea, answer=current_answer(idea),
        answers=answer_history(idea), threshold=threshold_state(idea),
        threads=public_comments(idea), events=public_timeline(idea), progress=progress_of(idea),
        # A shared page carries no token of its own (the template has the placeholder).
        form=comment_form or CommentForm(formdata=None, meta={"csrf": False}),
        supported=idea.id in session.get(SUPPORTED_KEY, []),
        premoderated=premoderated(idea.category))


@bp.get("/ideas/<int:idea_id>")
@public_page
def idea(idea_id):
    """An idea's page: supports, threshold, official answer, comments and its timeline."""
    return _render_idea(idea_or_404(idea_id))


@bp.post("/ideas/<int:idea_id>/support")
def support(idea_id):
    """Support an idea (once per visitor; a retried post counts once)."""
    key = issued_key(request.form.get("idempotency_key") or None)
    visitor = session.setdefault(VISITOR_KEY, secrets.token_urlsafe(18))
    result = support_idea(find_idea(idea_id), visitor=f"web:{visitor}",
                          address=client_address(), channel="web", idempotency_key=key)
    supported = session.get(SUPPORTED_KEY, [])
    if idea_id not in supported:
        session[SUPPORTED_KEY] = (supported + [idea_id])[-200:]
    flash(_("Thank you: your support was counted.") if result.counted
          else _("Your support for this idea was already counted."))
    return redirect(url_for(".idea", idea_id=idea_id), code=303)


@bp.post("/ideas/<int:idea_id>/comments")
# Per address: kiosks have no comment screen yet (their credential cookie is scoped to /kiosk,
# so a kiosk device is never seen here); a kiosk comment flow would add limit_per_kiosk.
@limit_per_ip(_comment_limits)
def comment(idea_id):
    """A resident's comment or reply; it waits for a moderator unless clean and the category
    is not pre-moderated."""
    idea = idea_or_404(idea_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return error_response(400)
    raw_parent = form.parent_id.data
    # A mangled reply target is refused (as a comment not shown here), never guessed.
    parent_id = (strict_int(raw_parent, minimum=1) or -1) if raw_parent else None
    try:
        row = post_comment(idea, body=form.body.data, display_name=form.display_name.data,
                           show_name=form.show_name.data, parent_id=parent_id)
    except ParticipationError as exc:
        if exc.field is None:
            raise
        # Raised before anything was written: the page again, with what was typed.
        getattr(form, exc.field).errors = [exc.message]
        return _render_idea(idea, form), 422
    flash(_("Thank you: your comment is shown below.") if row.status == "published"
          else _("Thank you: your comment will be shown once a moderator has read it."))
    return redirect(url_for(".idea", idea_id=idea_id, _anchor="comments"), code=303)


def _render_report(target, target_id, form, status=200):
    item, submission = target_or_404(target, target_id)
    return render_template("participation/report.html", target=target, item=item,
                           submission=submission, form=form), status


@bp.get("/report/<any(submission, comment):target>/<int:target_id>")
def report_form(target, target_id):
    """The "report this" form for a published submission (or idea) or a shown comment."""
    return _render_report(target, target_id, ReportForm(formdata=None))


@bp.post("/report/<any(submission, comment):target>/<int:target_id>")
@limit_per_ip(_report_limits)
def report(target, target_id):
    """A resident's abuse report: counted once per visitor; enough reporters hide the item
    until a moderator decides."""
    form = ReportForm()
    if not form.validate_on_submit():
        return error_response(400)
    visitor = session.setdefault(VISITOR_KEY, secrets.token_urlsafe(18))
    try:
        result = report_item(target, target_id, reason=form.reason.data, note=form.note.data,
                             reporter=f"web:{visitor}", address=client_address())
    except ParticipationError as exc:
        if exc.field is None:
            raise
        getattr(form, exc.field).errors = [exc.message]  # nothing was written
        return _render_report(target, target_id, form, 422)
    flash(_("Thank you: a moderator will look at your report.") if result.counted
          else _("You have already reported this; your report is counted once."))
    return redirect(url_for(".report_thanks"), code=303)


@bp.get("/report/thanks")
def report_thanks():
    """Where a report leads: the thanks, and the way back."""
    return render_template("participation/report_thanks.html")


@bp.get("/ideas/adopted")
@public_page
def adopted():
    """The register of adopted and partly adopted ideas, with their progress."""
    return render_template("participation/adopted.html", rows=adopted_ideas())


@public_page
def _adopted_feed_text():
    return adopted_feed_text()


@bp.get("/feeds/ideas/adopted.atom")
def adopted_feed():
    """Atom: the register of adopted ideas, with their answers and progress."""
    return Response(_adopted_feed_text(), content_type="application/atom+xml; charset=utf-8")


@bp.errorhandler(ParticipationError)
def _refused(exc):
    """A refused participation request: the reason, in the visitor's language."""
    return error_response(exc.status, exc.message)


@bp.errorhandler(SupportError)
def _support_refused(exc):
    """A support that was not counted: the reason, in the visitor's language."""
    return error_response(exc.status, exc.message)


@bp.errorhandler(IdempotencyKeyInvalid)
def _key_invalid(_exc):
    """A support form whose key was tampered with."""
    return error_response(400)
