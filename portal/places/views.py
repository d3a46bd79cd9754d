"""Places pages: the administrators' boundaries upload (/staff/boundaries)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.security import no_store
from portal.i18n import _, _l
from portal.places.forms import BoundariesForm
from portal.places.geometry import BoundariesInvalid
from portal.places.outline import SOURCE as OUTLINE_SOURCE
from portal.places.outline import district_outline
from portal.places.services import boundary_rows, load_boundaries

bp = Blueprint("places", __name__, template_folder="templates")


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages."""
    register_staff_link(state.app, "places.boundaries", _l("Boundaries"), "administrator")


@bp.route("/staff/boundaries", methods=["GET", "POST"])
@role_required("administrator")
@no_store
def boundaries():
    """List the areas' boundaries and load new ones from an uploaded GeoJSON file."""
    form = BoundariesForm()
    problems, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            text = None
            problems, status = [_("The file is not UTF-8 text.")], 422
        if text is not None:
            try:  # the service raises before writing anything
                codes = load_boundaries(text, actor=current_user.username,
                                        source=upload.filename or "")
            except BoundariesInvalid as exc:
                problems, status = exc.problems, 422
            else:
                flash(_("Boundaries loaded for %(count)d areas.", count=len(codes)))
                return redirect(url_for(".boundaries"), code=303)
    elif form.is_submitted():
        status = 422
    return render_template("places/boundaries.html", form=form, problems=problems,
                           rows=boundary_rows(), outline=district_outline() is not None,
                           outline_source=OUTLINE_SOURCE), status
