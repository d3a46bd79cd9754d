"""Staff login and logout."""
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.accounts.forms import LoginForm
from portal.accounts.services import authenticate, end_sessions
from portal.core.security import no_store
from portal.extensions import db
from portal.i18n import _, _l

bp = Blueprint("accounts", __name__, template_folder="templates")
ROLE_LABELS = {"administrator": _l("Administrator"), "moderator": _l("Moderator"),
               "dispatcher": _l("Dispatcher"), "viewer": _l("Viewer")}


def _safe_next(target: str) -> str:
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/"):
        return url_for("accounts.home")
    return target


@bp.route("/staff/login", methods=["GET", "POST"])
@no_store
def login():
    """Staff sign-in."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            session.clear()  # a new session on login: nothing from before carries over
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next", "")))
        db.session.commit()
        error = _("Wrong username or password.")
    return render_template("accounts/login.html", form=form, error=error), 401 if error else 200


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
@no_store
def home():
    """Staff landing page."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/home.html")


@bp.app_context_processor
def role_labels():
    return {"ROLE_LABELS": ROLE_LABELS}
