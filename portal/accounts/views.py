"""Staff login and logout, session limits, API tokens, and the administrator's user pages."""
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.accounts.forms import ConfirmForm, LoginForm, PasswordForm, UserCreateForm, UserEditForm
from portal.accounts.labels import ROLE_LABELS
from portal.accounts.models import ROLES
from portal.accounts.permissions import register_staff_link, role_required, visible_staff_links
from portal.accounts.services import (
    AccountError,
    all_users,
    create_user,
    end_sessions,
    find_user,
    set_password,
    sign_out_everywhere,
    update_user,
)
from portal.accounts.signin import (
    DEVICE_COOKIE,
    attempt_login,
    device_cookie_options,
    session_expired,
)
from portal.accounts.tokens import REVOKE_REASONS, revoke_token_of, token_state, tokens_of
from portal.core.i18n import _, _l
from portal.core.security import no_store

bp = Blueprint("accounts", __name__, template_folder="templates")


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
    if session_expired(session.get("login_at", 0), session.get("seen_at", 0)):
        logout_user()
        session.clear()
        session["expired"] = True
        return
    session["seen_at"] = time.time()


@bp.route("/staff/login", methods=["GET", "POST"])
@no_store
def login():
    """Staff sign-in (throttled per account, context and address; see accounts.signin)."""
    form = LoginForm()
    error, status, headers = None, 200, {}
    if session.pop("expired", False):
        error = _("Your session has ended. Please sign in again.")
    if form.validate_on_submit():
        outcome = attempt_login(form.username.data, form.password.data, request.remote_addr,
                                request.cookies.get(DEVICE_COOKIE, ""))
        if outcome.user is not None:
            session.clear()  # a new session on login: nothing from before carries over
            login_user(outcome.user)
            session["login_at"] = session["seen_at"] = time.time()
            response = redirect(_safe_next(request.args.get("next", "")))
            response.set_cookie(DEVICE_COOKIE, outcome.device_cookie, **device_cookie_options())
            return response
        error, status, headers = outcome.error, outcome.status, outcome.headers
    return render_template("accounts/login.html", form=form, error=error), status, headers


@bp.post("/staff/logout")
def logout():
    """Sign out and end every session of this user."""
    if current_user.is_authenticated:
        end_sessions(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("submissions.home"))


@bp.get("/staff/")
@role_required(*ROLES)
def home():
    """Staff landing page."""
    return render_template("accounts/home.html")


@bp.get("/staff/tokens")
@role_required(*ROLES)
@no_store
def tokens():
    """The signed-in user's API tokens, with revoke and sign-out-everywhere buttons."""
    return render_template("accounts/tokens.html", tokens=tokens_of(current_user),
                           confirm_form=ConfirmForm())


@bp.post("/staff/tokens/<int:token_id>/revoke")
@role_required(*ROLES)
def revoke_own_token(token_id):
    """Revoke one of the signed-in user's own API tokens."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = revoke_token_of(current_user, token_id, actor=current_user, reason="owner")
    if token is None:
        abort(404)
    flash(_("Token %(prefix)s… revoked.", prefix=token.prefix))
    return redirect(url_for(".tokens"), code=303)


@bp.post("/staff/sign-out-everywhere")
@role_required(*ROLES)
def sign_out_everywhere_view():
    """Sign the signed-in user out of every browser and revoke their API tokens."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sign_out_everywhere(current_user, actor=current_user)
    logout_user()
    session.clear()
    return redirect(url_for("submissions.home"), code=303)


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
            error, status = str(exc), 422
        else:
            flash(_("Changes saved."))
            return redirect(url_for(".user_detail", user_id=user.id), code=303)
    return render_template("accounts/user_detail.html", user=user, form=form,
                           password_form=PasswordForm(), confirm_form=ConfirmForm(),
                           tokens=tokens_of(user), error=error), status


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
            flash(_("Password changed; the user's sessions have ended and their API tokens "
                    "are revoked."))
            return redirect(url_for(".user_detail", user_id=user.id), code=303)
    return render_template("accounts/user_detail.html", user=user,
                           form=UserEditForm(obj=user), password_form=form,
                           confirm_form=ConfirmForm(), tokens=tokens_of(user),
                           error=error or _("Please enter a password.")), 422


@bp.post("/staff/users/<int:user_id>/end-sessions")
@role_required("administrator")
def user_end_sessions(user_id):
    """Administrators: sign a user out everywhere (sessions end, API tokens are revoked)."""
    user = find_user(user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        sign_out_everywhere(user, actor=current_user)
        flash(_("The user's sessions have ended and their API tokens are revoked."))
    return redirect(url_for(".user_detail", user_id=user.id), code=303)


@bp.post("/staff/users/<int:user_id>/tokens/<int:token_id>/revoke")
@role_required("administrator")
def revoke_user_token(user_id, token_id):
    """Administrators: revoke one of a user's API tokens."""
    user = find_user(user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = revoke_token_of(user, token_id, actor=current_user, reason="administrator")
    if token is None:
        abort(404)
    flash(_("Token %(prefix)s… revoked.", prefix=token.prefix))
    return redirect(url_for(".user_detail", user_id=user.id), code=303)


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "accounts.tokens", _l("API tokens"), *ROLES)
    register_staff_link(state.app, "accounts.users", _l("Users"), "administrator")


@bp.app_context_processor
def role_labels():
    return {"ROLE_LABELS": ROLE_LABELS, "staff_links": visible_staff_links,
            "TOKEN_REVOKE_REASONS": REVOKE_REASONS, "token_state": token_state}
