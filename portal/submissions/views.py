"""Public pages: home, the submission form, confirmation, tracking, published submissions."""
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)

from portal.core.database import read_only_transaction
from portal.core.i18n import _, current_locale
from portal.core.inputs import page_arg
from portal.core.pagecache import public_page
from portal.core.security import no_store
from portal.extensions import db
from portal.stations.notices import (
    category_notice,
    emergency_only,
    notice_text,
    notices_by_code,
)
from portal.stations.services import find_category
from portal.submissions import labels
from portal.submissions.forms import SubmissionForm
from portal.submissions.idempotency import (
    IdempotencyConflict,
    IdempotencyKeyInvalid,
    browser_secret,
)
from portal.submissions.listings import (
    find_photo,
    find_published,
    latest_published,
    public_timeline,
    published_submissions,
)
from portal.submissions.lookups import tracking_lookup
from portal.submissions.public_text import public_author, tracking_text
from portal.submissions.services import find_by_code
from portal.submissions.validation import SubmissionInvalid
from portal.submissions.web import submit_from_web

bp = Blueprint("submissions", __name__, template_folder="templates")


@bp.record_once
def _submission_labels(state):
    """Labels every template may use, macros imported without a context included."""
    state.app.jinja_env.globals.update(
        KIND_LABELS=labels.KIND_LABELS, STATUS_LABELS=labels.STATUS_LABELS,
        STATUS_EXPLANATIONS=labels.STATUS_EXPLANATIONS, CHANNEL_LABELS=labels.CHANNEL_LABELS,
        public_author=public_author)


@bp.get("/")
@public_page
def home():
    """Home page: the two ways in, tracking, and the latest published submissions."""
    latest = latest_published(5)
    return render_template("submissions/home.html", latest=latest)


@bp.route("/submit", methods=["GET", "POST"])
@no_store
def submit():
    """The submission form (issue or idea)."""
    form = SubmissionForm()
    # Made when the form is first shown, so that a double-click's two posts share one scope.
    secret = browser_secret(session)
    with read_only_transaction(db.session):  # the choices; the write lock comes later, briefly
        form.fill_choices()
    if request.method == "GET" and request.args.get("kind") in ("issue", "idea"):
        form.kind.data = request.args["kind"]
    chosen = find_category(request.args.get("category", "")) if request.method == "GET" else None
    if chosen is not None and emergency_only(chosen):
        # An emergency-only topic: its notice and the numbers, instead of the form.
        return render_template("submissions/emergency.html", category=chosen,
                               notice=notice_text(category_notice(chosen)))
    if chosen is not None:
        form.category.data = chosen.code
    status, form_error = 200, None
    if form.validate_on_submit():
        # Each error below is raised before anything is written, so showing the form again
        # (inside the request's unit of work) stores nothing.
        try:
            creation = submit_from_web(form.service_values(), language=current_locale(),
                                       browser_secret=secret,
                                       screening_context=form.screening_context())
        except SubmissionInvalid as exc:
            form.show_errors(exc.errors)
            status = 422
        except IdempotencyKeyInvalid as exc:
            form.renew_key()
            status, form_error = 422, exc.message
        except IdempotencyConflict:
            # The same session sent this form before with other content (say, back, edit,
            # send): nothing of the first is shown; sending again makes a new submission.
            form.renew_key()
            status, form_error = 409, _("This form was already sent with different content. "
                                        "To send it as a new report, send it again.")
        else:
            return redirect(url_for(".thanks", code=creation.submission.code), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("submissions/submit.html", form=form, form_error=form_error,
                           notices=notices_by_code(), notice_text=notice_text), status


@bp.get("/thanks/<code>")
@no_store
@tracking_lookup
def thanks(code):
    """Confirmation with the tracking code (post/redirect/get target of the form)."""
    submission = find_by_code(code) or abort(404)
    return render_template("submissions/thanks.html", submission=submission)


@bp.get("/track")
@no_store
@tracking_lookup(exempt_when=lambda: not request.args.get("code", "").strip())
def track_lookup():
    """The tracking form; a code given redirects to its page."""
    code = request.args.get("code", "").strip()
    if not code:
        return render_template("submissions/track_lookup.html", error=None, code="")
    submission = find_by_code(code)
    if submission is None:
        error = _("No submission has this tracking code. Check it and try again.")
        return render_template("submissions/track_lookup.html", error=error, code=code), 404
    return redirect(url_for(".track", code=submission.code))


@bp.get("/track/<code>")
@no_store
@tracking_lookup
@public_page(every_change=True)
def track(code):
    """A submission's status and public timeline, for whoever holds its tracking code."""
    submission = find_by_code(code) or abort(404)
    return render_template("submissions/track.html", submission=submission,
                           text=tracking_text(submission), events=public_timeline(submission))


@bp.get("/submissions")
@public_page
def published_list():
    """Published submissions, newest first."""
    pagination = published_submissions(page_arg(), current_app.config["PORTAL_PUBLIC_PAGE_SIZE"])
    return render_template("submissions/list.html", pagination=pagination)


@bp.get("/submissions/<int:submission_id>")
@public_page
def published_detail(submission_id):
    """A published submission's public page (the moderated text only)."""
    submission = find_published(submission_id) or abort(404)
    return render_template("submissions/detail.html", submission=submission,
                           events=public_timeline(submission))


@bp.get("/photos/<name>")
def photo(name):
    """A photo of a published submission."""
    row = find_photo(name)
    if row is None or not row.submission.published:
        abort(404)
    response = send_from_directory(current_app.config["PORTAL_UPLOAD_DIR"], name,
                                   mimetype="image/jpeg" if name == row.thumbnail
                                   else row.content_type)
    # A photo is public only while its submission is published: no shared cache may keep it
    # (it could not be told of an unpublishing), and a browser asks again every time; the
    # ETag makes that a cheap 304, and an unpublished photo a 404.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
