"""Forms: follow a case, ask for a manage link, and the plain action buttons."""
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice

from portal.core.forms import Form
from portal.core.i18n import _l


class EmailForm(Form):
    email = StringField(_l("E-mail"), render_kw={"autocomplete": "email", "inputmode": "email",
                                                 "maxlength": 254})


class ActionForm(Form):
    """A button with a CSRF token."""


class AlertForm(EmailForm):
    """An e-mail address and how often to hear (the filter is in the page's address)."""

    frequency = RadioField(_l("How often"), default="daily", validate_choice=False,
                           choices=[SelectChoice("realtime", _l("At once, one e-mail each")),
                                    SelectChoice("daily", _l("Daily digest")),
                                    SelectChoice("weekly", _l("Weekly digest"))])
