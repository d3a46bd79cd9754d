"""Administrator form: upload a GeoJSON file of area boundaries."""
from flask_wtf.file import FileField, FileRequired

from portal.core.forms import Form
from portal.core.i18n import _l


class BoundariesForm(Form):
    file = FileField(_l("GeoJSON file"), validators=[FileRequired()],
                     description=_l("A FeatureCollection in WGS-84 longitude and latitude; each "
                                    "feature's properties.code names an area."))
