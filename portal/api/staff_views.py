"""Administrator page: issue and revoke the API keys of client systems (/staff/api-keys)."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from portal.accounts.permissions import register_staff_link, role_required
from portal.api.forms import ApiKeyForm, RevokeForm
from portal.api.services import issue_api_key, list_api_keys, revoke_api_key
from portal.core.i18n import _l
from portal.core.security import no_store

bp = Blueprint("api_keys", __name__, template_folder="templates")


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "api_keys.api_keys", _l("API keys"),
                        "administrator")


@bp.route("/staff/api-keys", methods=["GET", "POST"])
@role_required("administrator")
@no_store
def api_keys():
    """List API keys and issue a new one (its secret is shown once, on this response only)."""
    form = ApiKeyForm()
    issued = None
    status = 200
    if form.validate_on_submit():
        key, secret = issue_api_key(form.name.data, created_by=current_user.username)
        issued = {"key": key, "secret": secret}
        form = ApiKeyForm(formdata=None)
        status = 201
    elif form.is_submitted():
        status = 422
    return render_template("api/api_keys.html", form=form, revoke_form=RevokeForm(),
                           keys=list_api_keys(), issued=issued), status


@bp.post("/staff/api-keys/<int:key_id>/revoke")
@role_required("administrator")
def revoke(key_id):
    """Revoke an API key: clients using it are refused from now on."""
    if not RevokeForm().validate_on_submit():
        abort(400)
    if revoke_api_key(key_id) is None:
        abort(404)
    return redirect(url_for(".api_keys"), code=303)
