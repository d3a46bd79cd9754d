"""Administrator forms: issue an API key, revoke one."""
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.core.forms import Form
from portal.core.i18n import _l


class ApiKeyForm(Form):
    name = StringField(_l("Name of the client system"),
                       validators=[DataRequired(), Length(max=100)],
                       description=_l("E.g. “District app” or “Open311 client of the hotline”."))


class RevokeForm(Form):
    """A revoke button: only the CSRF token."""
