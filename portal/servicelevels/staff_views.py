"""Staff pages: returning a wrongly routed case, the arbitration list, reply templates,
extensions of a deadline."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.i18n import _, _l
from portal.core.inputs import strict_int
from portal.core.security import no_store
from portal.servicelevels.dispatch import (
    DispatchError,
    arbitration_list,
    assign_team,
    return_case,
    returns_of,
)
from portal.servicelevels.extensions import (
    ExtensionError,
    decide_extension,
    find_extension,
    max_days,
    request_extension,
)
from portal.servicelevels.forms import (
    ArbitrationForm,
    ExtensionDecisionForm,
    ExtensionForm,
    ReturnForm,
    TemplateForm,
)
from portal.servicelevels.replies import (
    PLACEHOLDERS,
    TemplateInvalid,
    delete_template,
    find_template,
    list_templates,
    save_template,
)
from portal.stations.labels import TEAM_LABELS
from portal.stations.models import TEAMS
from portal.stations.services import category_tree
from portal.submissions.labels import STATUS_LABELS
from portal.submissions.models import STATUSES

bp = Blueprint("servicelevels_staff", __name__, template_folder="templates")
RETURNERS = ("dispatcher", "moderator")  # and administrators
STAFF = ("administrator", "moderator", "dispatcher", "viewer")


@bp.record_once
def _register_links(state):
    """Staff navigation for these pages."""
    register_staff_link(state.app, "servicelevels_staff.arbitration", _l("Arbitration"),
                        "administrator", "dispatcher", "moderator")
    register_staff_link(state.app, "servicelevels_staff.templates", _l("Reply templates"),
                        "administrator")


@bp.context_processor
def _labels():
    return {"TEAM_LABELS": TEAM_LABELS}


def _team_choices(first=None) -> list:
    return ([first] if first else []) + [(team, str(TEAM_LABELS[team])) for team in TEAMS]


def return_form(code: str = "") -> ReturnForm:
    """The return form, its team list led by "the next team" (the routing picks it)."""
    form = ReturnForm(code=code) if code else ReturnForm()
    form.team.choices = _team_choices(("", _("The next team (chosen by the routing)")))
    return form


def _error(exc: DispatchError, back: str):
    return render_template("servicelevels/refused.html", message=exc.message,
                           back=back), exc.status


@bp.get("/staff/service-levels/return")
@role_required(*RETURNERS)
@no_store
def return_page():
    """The form to return a wrongly routed case (the code may be given)."""
    return render_template("servicelevels/return.html",
                           form=return_form(request.args.get("code", "")[:20]))


@bp.post("/staff/service-levels/return")
@role_required(*RETURNERS)
@no_store
def return_post():
    """Return the case: counted, then re-dispatched or sent to arbitration."""
    form = return_form()
    if not form.validate_on_submit():
        return render_template("servicelevels/return.html", form=form), 422
    try:
        row = return_case(form.code.data, actor=f"user:{current_user.username}",
                          reason=form.reason.data, team=form.team.data or "")
    except DispatchError as exc:
        return _error(exc, url_for(".return_page", code=form.code.data))
    if row.arbitration:
        flash(_("Returned. The case has been returned too often: it waits for an "
                "administrator's arbitration."))
    else:
        flash(_("Returned. The case goes to %(team)s.", team=TEAM_LABELS.get(row.team, row.team)))
    return redirect(url_for("moderation.detail", submission_id=row.submission_id), code=303)


@bp.get("/staff/service-levels/arbitration")
@role_required(*RETURNERS)
@no_store
def arbitration():
    """Cases returned too often, waiting for an administrator to choose their team."""
    rows = arbitration_list()
    form = ArbitrationForm()
    form.team.choices = _team_choices()
    return render_template("servicelevels/arbitration.html", rows=rows, form=form,
                           returns={row.submission_id: returns_of(row.submission_id)
                                    for row in rows})


@bp.post("/staff/service-levels/arbitration/<int:submission_id>")
@role_required("administrator")
@no_store
def arbitrate(submission_id):
    """An administrator assigns the team; the case is forwarded again."""
    form = ArbitrationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        row = assign_team(submission_id, form.team.data or "",
                          actor=f"user:{current_user.username}")
    except DispatchError as exc:
        return _error(exc, url_for(".arbitration"))
    flash(_("Assigned to %(team)s: the case is forwarded again.",
            team=TEAM_LABELS.get(row.team, row.team)))
    return redirect(url_for(".arbitration"), code=303)


def _template_form(row=None) -> TemplateForm:
    if row is not None and request.method == "GET":
        form = TemplateForm(name=row.name, category=row.category.code if row.category else "",
                            status=row.status or "", text_zh=row.text_zh, text_en=row.text_en)
    else:
        form = TemplateForm()
    form.category.choices = [("", _("Any category"))] + [
        (c.code, c.name_zh + " / " + c.name_en)
        for _top, children in category_tree() for c in children]
    form.status.choices = [("", _("Any status"))] + [(s, str(STATUS_LABELS[s]))
                                                     for s in STATUSES]
    return form


def _templates_page(form, editing=None, error=None, status=200):
    return render_template("servicelevels/templates.html", form=form, editing=editing,
                           error=error, templates=list_templates(),
                           placeholders=PLACEHOLDERS), status


@bp.get("/staff/service-levels/templates")
@role_required("administrator")
@no_store
def templates():
    """The reply templates, and the form to add one (or change one: ?edit=ID)."""
    editing = None
    if request.args.get("edit"):
        editing = find_template(strict_int(request.args["edit"], minimum=1) or 0) or abort(404)
    return _templates_page(_template_form(editing), editing)


@bp.post("/staff/service-levels/templates")
@role_required("administrator")
@no_store
def save_template_view():
    """Store a new or changed template (refused whole with the reason, e.g. a placeholder)."""
    editing = None
    if request.form.get("template_id"):
        editing = find_template(strict_int(request.form["template_id"], minimum=1) or 0) \
            or abort(404)
    form = _template_form(editing)
    if not form.validate_on_submit():
        return _templates_page(form, editing, status=422)
    try:
        save_template(editing.id if editing else None, name=form.name.data,
                      category_code=form.category.data or "", status=form.status.data or "",
                      text_zh=form.text_zh.data, text_en=form.text_en.data,
                      actor=f"user:{current_user.username}")
    except TemplateInvalid as exc:
        return _templates_page(form, editing, error=exc.message, status=422)
    flash(_("Template saved."))
    return redirect(url_for(".templates"), code=303)


@bp.post("/staff/service-levels/templates/<int:template_id>/delete")
@role_required("administrator")
def delete_template_view(template_id):
    """Remove a template."""
    delete_template(template_id, actor=f"user:{current_user.username}")
    flash(_("Template removed."))
    return redirect(url_for(".templates"), code=303)


def _extension_page(form, status=200, error=None):
    return render_template("servicelevels/extension_request.html", form=form, error=error,
                           max_days=max_days()), status


@bp.route("/staff/service-levels/extensions/new", methods=["GET", "POST"])
@role_required(*RETURNERS)
@no_store
def extension_request():
    """A handler asks for more working days to resolve an open case."""
    form = ExtensionForm(code=request.args.get("code", "")[:20]) if request.method == "GET" \
        else ExtensionForm()
    if request.method == "GET":
        return _extension_page(form)
    if not form.validate_on_submit():
        return _extension_page(form, 422)
    try:
        row = request_extension(form.code.data, days=form.days.data, reason=form.reason.data,
                                actor=f"user:{current_user.username}")
    except ExtensionError as exc:
        return _extension_page(form, exc.status, exc.message)
    flash(_("Extension requested: a moderator or administrator decides it."))
    return redirect(url_for("moderation.detail", submission_id=row.submission_id), code=303)


@bp.route("/staff/service-levels/extensions/<int:extension_id>", methods=["GET", "POST"])
@role_required(*RETURNERS)
@no_store
def extension_decision(extension_id):
    """A request and, for a moderator or administrator, the form to decide it."""
    row = find_extension(extension_id) or abort(404)
    form = ExtensionDecisionForm()
    status, error = 200, None
    if request.method == "POST":
        if not current_user.has_role("moderator"):
            abort(403)
        if form.validate_on_submit():
            try:
                decide_extension(extension_id, approve=form.decision.data == "approve",
                                 note=form.note.data or "",
                                 actor=f"user:{current_user.username}")
            except ExtensionError as exc:
                status, error = exc.status, exc.message
            else:
                flash(_("Extension approved: the due date has moved.")
                      if form.decision.data == "approve" else _("Extension refused."))
                return redirect(url_for("moderation.detail", submission_id=row.submission_id),
                                code=303)
        else:
            status = 422
    return render_template("servicelevels/extension_decision.html", row=row, form=form,
                           error=error), status
