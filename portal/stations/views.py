"""The stations page."""
from flask import Blueprint, render_template

from portal.core.pagecache import public_page
from portal.stations.services import active_stations

bp = Blueprint("stations", __name__, template_folder="templates")


@bp.get("/stations")
@public_page
def stations():
    """The nine service stations and the suggestion station, with address and hours."""
    return render_template("stations/list.html", stations=active_stations())
