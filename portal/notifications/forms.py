"""Forms: follow a case, ask for a manage link, and the plain action buttons."""
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.core.i18n import _l


class EmailForm(FlaskForm):
    email = StringField(_l("E-mail"), render_kw={"autocomplete": "email", "inputmode": "email",
                                                 "maxlength": 254})


class ActionForm(FlaskForm):
    """A button with a CSRF token."""
