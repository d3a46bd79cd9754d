"""Pages: the resident's follow-up answer; the staff page of deadlines and escalations."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.i18n import _l
from portal.core.security import no_store
from portal.servicelevels.extensions import pending_list
from portal.servicelevels.followup import FollowUpError, answer_follow_up
from portal.servicelevels.forms import FollowUpForm, RuleForm
from portal.servicelevels.labels import KIND_RULE_LABELS, LEVEL_LABELS, URGENCY_LABELS
from portal.servicelevels.rules import DEFAULTS, RuleInvalid, delete_rule, list_rules, set_rule
from portal.servicelevels.services import calendar_warning, overview
from portal.stations.services import category_tree

bp = Blueprint("servicelevels", __name__, template_folder="templates")
STAFF = ("administrator", "moderator", "dispatcher", "viewer")


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "servicelevels.staff", _l("Service levels"), *STAFF)


@bp.context_processor
def _labels():
    return {"LEVEL_LABELS": LEVEL_LABELS, "KIND_RULE_LABELS": KIND_RULE_LABELS,
            "URGENCY_LABELS": URGENCY_LABELS}


def _follow_up_error(exc: FollowUpError):
    """A follow-up that could not be taken: the reason, and the way back to the case."""
    return render_template("servicelevels/follow_up_error.html", message=exc.message,
                           submission=exc.submission), exc.status


bp.register_error_handler(FollowUpError, _follow_up_error)


@bp.post("/track/<code>/follow-up")
@no_store
def follow_up(code):
    """Take the resident's follow-up answer, then show the case again."""
    form = FollowUpForm()
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        return render_template("servicelevels/follow_up_error.html", message=" ".join(
            str(m) for m in messages), submission=None), 422
    answer = answer_follow_up(code, **form.service_values())
    return redirect(url_for("submissions.track", code=answer.submission.code), code=303)


def _rule_form() -> RuleForm:
    form = RuleForm()
    form.kind.choices = list(KIND_RULE_LABELS.items())
    form.category.choices = [("", "—")] + [
        (c.code, c.name_zh + " / " + c.name_en)
        for _top, children in category_tree() for c in children]
    form.urgency.choices = list(URGENCY_LABELS.items())
    return form


def _staff_page(form, error=None, status=200):
    return render_template("servicelevels/staff.html", form=form, error=error,
                           rules=list_rules(), defaults=DEFAULTS,
                           calendar_warning=calendar_warning(), extensions=pending_list(),
                           **overview()), status


@bp.get("/staff/service-levels")
@role_required(*STAFF)
@no_store
def staff():
    """Deadline rules, the calendar's coverage, overdue cases and escalation steps."""
    return _staff_page(_rule_form())


@bp.post("/staff/service-levels/rules")
@role_required("administrator")
@no_store
def save_rule():
    """Store a deadline override (administrators)."""
    form = _rule_form()
    if not form.validate_on_submit():
        return _staff_page(form, status=422)
    try:
        set_rule(kind=form.kind.data, category_code=form.category.data or "",
                 urgent=form.urgency.data == "urgent",
                 acknowledge_hours=float(form.acknowledge_hours.data),
                 resolve_days=float(form.resolve_days.data),
                 actor=f"user:{current_user.username}")
    except RuleInvalid as exc:  # raised before anything is written
        return _staff_page(form, error=exc.message, status=422)
    return redirect(url_for(".staff"), code=303)


@bp.post("/staff/service-levels/rules/<int:rule_id>/delete")
@role_required("administrator")
def remove_rule(rule_id):
    """Remove an override (the shipped default applies again)."""
    delete_rule(rule_id, actor=f"user:{current_user.username}")
    return redirect(url_for(".staff"), code=303)
