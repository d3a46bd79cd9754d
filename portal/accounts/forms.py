"""Login form and the administrator's user forms."""
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from portal.accounts.models import ROLES
from portal.core.forms import Form
from portal.core.i18n import _l

ROLE_CHOICES = [SelectChoice("administrator", _l("Administrator")),
                SelectChoice("moderator", _l("Moderator")),
                SelectChoice("dispatcher", _l("Dispatcher")), SelectChoice("viewer", _l("Viewer"))]
assert [c.value for c in ROLE_CHOICES] == list(ROLES)


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired()],
                           render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class UserCreateForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired()],
                           render_kw={"autocomplete": "off"})
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="viewer")
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})


class UserEditForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active (may sign in)"))


class PasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})


class ConfirmForm(Form):
    """A button that only needs CSRF protection."""
