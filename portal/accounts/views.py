"""Staff login and logout, session limits, and the administrator's user management."""
import time
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_user, logout_user

from portal.accounts.forms import (ConfirmForm, LoginForm, PasswordForm, UserCreateForm,
                                   UserEditForm)
from portal.accounts.models import ROLES
from portal.accounts.permissions import register_staff_link, role_required, visible_staff_links
from portal.accounts.services import (AccountError, all_users, attempt_login, create_user,
                                      end_sessions, end_user_sessions, find_user, set_password,
                                      update_user)
from portal.core.security import no_store
from portal.extensions import db
from portal.i18n import _, _l

bp = Blueprint("accounts", __name__, template_folder="templates")
ROLE_LABELS = {"administrator": _l("Administrator"), "moderator": _l("Moderator"),
               "dispatcher": _l("Dispatcher"), "viewer": _l("Viewer")}
IDLE_TIMEOUT = 30 * 60  # seconds without a request before a staff session ends
ABSOLUTE_TIMEOUT = 8 * 3600  # seconds after sign-in when a staff session ends regardless


def _safe_next(target: str) -> str:
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/") \
            or target.startswith("//") or "\\" in target or not target.isprintable():
        return url_for("accounts.home")
    return target


@bp.before_app_request
def enforce_session_limits():
    """End a staff session after 30 idle minutes or 8 hours, whichever comes first."""
    if "_user_id" not in session:
        return
    now = time.time()
    idle = current_app.config.get("PORTAL_IDLE_TIMEOUT", IDLE_TIMEOUT)
    absolute = current_app.config.get("PORTAL_SESSION_MAX_AGE", ABSOLUTE_TIMEOUT)
    started, seen = session.get("login_at", 0), session.get("seen_at", 0)
    if now - started > absolute or now - seen > idle:
        logout_user()
        session.clear()
        session["expired"] = True
        return
    session["seen_at"] = now


@bp.route("/staff/login", methods=["GET", "POST"])
@no_store
def login():
    """Staff sign-in (throttled per account and per address)."""
    form = LoginForm()
    error, status = None, 200
    if session.pop("expired", False):
        error = _("Your session has ended. Please sign in again.")
    if form.validate_on_submit():
        outcome = attempt_login(form.username.data, form.password.data, request.remote_addr)
        db.session.commit()
        if outcome.user is not None:
            session.clear()  # a new session on login: nothing from before carries over
            login_user(outcome.user)
            session["login_at"] = session["seen_at"] = time.time()
            return redirect(_safe_next(request.args.get("next", "")))
        if outcome.retry_after:
            minutes = max(1, -(-outcome.retry_after // 60))
            error = _("Too many failed sign-in attempts. Please try again in %(n)d minutes.",
                      n=minutes)
            response = render_template("accounts/login.html", form=form, error=error)
            return response, 429, {"Retry-After": str(outcome.retry_after)}
        error, status = _("Wrong username or password."), 401
    return render_template("accounts/login.html", form=form, error=error), status


@bp.post("/staff/logout")
def logout():
    """Sign out and end every session of this user."""
    if current_user.is_authenticated:
        end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("submissions.home"))


@bp.get("/staff/")
@role_required(*ROLES)
def home():
    """Staff landing page."""
    return render_template("accounts/home.html")


@bp.route("/staff/users", methods=["GET", "POST"])
@role_required("administrator")
def users():
    """Administrators: the list of staff users and a form to add one."""
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = create_user(form.username.data, form.role.data, form.password.data,
                               actor=current_user)
        except AccountError as exc:
            form.username.errors = list(form.username.errors) + [str(exc)]
            status = 422
        else:
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username))
            return redirect(url_for(".users"), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("accounts/users.html", users=all_users(), form=form), status


@bp.route("/staff/users/<int:user_id>", methods=["GET", "POST"])
@role_required("administrator")
def user_detail(user_id):
    """Administrators: change a user's role, disable or enable them."""
    user = find_user(user_id) or abort(404)
    form = UserEditForm(obj=user)
    error, status = None, 200
    if form.validate_on_submit():
        try:
            update_user(user, role=form.role.data, active=form.active.data, actor=current_user)
        except AccountError as exc:
            db.session.rollback()
            error, status = str(exc), 422
        else:
            db.session.commit()
            flash(_("Changes saved."))
            return redirect(url_for(".user_detail", user_id=user.id), code=303)
    return render_template("accounts/user_detail.html", user=user, form=form,
                           password_form=PasswordForm(), confirm_form=ConfirmForm(),
                           error=error), status


@bp.post("/staff/users/<int:user_id>/password")
@role_required("administrator")
def user_password(user_id):
    """Administrators: set a new password for a user (their sessions end)."""
    user = find_user(user_id) or abort(404)
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data, actor=current_user)
        except AccountError as exc:
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Password changed; the user's sessions have ended."))
            return redirect(url_for(".user_detail", user_id=user.id), code=303)
    return render_template("accounts/user_detail.html", user=user,
                           form=UserEditForm(obj=user), password_form=form,
                           confirm_form=ConfirmForm(), error=error or _("Please enter a password.")
                           ), 422


@bp.post("/staff/users/<int:user_id>/end-sessions")
@role_required("administrator")
def user_end_sessions(user_id):
    """Administrators: sign a user out everywhere."""
    user = find_user(user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        end_user_sessions(user, actor=current_user)
        db.session.commit()
        flash(_("The user's sessions have ended."))
    return redirect(url_for(".user_detail", user_id=user.id), code=303)


bp.record_once(lambda state: register_staff_link(state.app, "accounts.users", _l("Users"),
                                                  "administrator"))


@bp.app_context_processor
def role_labels():
    return {"ROLE_LABELS": ROLE_LABELS, "staff_links": visible_staff_links}
